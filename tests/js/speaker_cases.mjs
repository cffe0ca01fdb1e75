// static/js/speaker.js's ActiveSpeaker under Node, on levels we set: who gets the mark, and who the stage shows.
// stdout: {"case name": null (passed) or "what went wrong"}
import assert from "node:assert/strict";
import { runCases } from "./run_cases.mjs";

const { ActiveSpeaker } = await import("./speaker.js");

/** Levels by key, as AudioLevels gives them ("" is our own microphone). */
class Levels {
  constructor(levels) { this.now = { ...levels }; }
  keys() { return Object.keys(this.now); }
  level(key) { return this.now[key] || 0; }
}

function watch(levels) {
  const said = { speaker: [], other: [] };
  const active = new ActiveSpeaker(levels, {
    onSpeaker: (key) => said.speaker.push(key), onOtherSpeaker: (key) => said.other.push(key),
  });
  const samples = (count) => { for (let i = 0; i < count; i += 1) active.sample(); };
  return { active, said, samples };
}

const cases = {
  "Carol talks alone: she has the mark and the stage at her first sample"() {
    const { said, samples } = watch(new Levels({ "": 0, p_bob: 0, p_carol: 0.2 }));
    samples(1);
    assert.deepEqual(said, { speaker: ["p_carol"], other: ["p_carol"] });
  },
  "we talk over Carol: the mark is ours, the stage stays with Carol"() {
    const levels = new Levels({ "": 0, p_bob: 0, p_carol: 0.1 });
    const { said, samples } = watch(levels);
    samples(2);
    levels.now[""] = 0.6; // our own microphone, unprocessed, is always louder in our page
    samples(5);
    assert.deepEqual(said.speaker, ["p_carol", ""]);
    assert.deepEqual(said.other, ["p_carol"]);
  },
  "the stage moves to Bob only once he is the louder three samples in a row"() {
    const levels = new Levels({ "": 0.5, p_bob: 0, p_carol: 0.1 });
    const { said, samples } = watch(levels);
    samples(2);
    levels.now.p_carol = 0;
    levels.now.p_bob = 0.3;
    samples(1);
    assert.deepEqual(said.other, ["p_carol"], "one loud sample is not enough");
    samples(2);
    assert.deepEqual(said.other, ["p_carol", "p_bob"]);
  },
  "after a silence the mark goes, and a peer who left is forgotten"() {
    const levels = new Levels({ "": 0, p_bob: 0.3 });
    const { active, said, samples } = watch(levels);
    samples(1);
    levels.now.p_bob = 0;
    samples(20);
    assert.deepEqual(said.speaker, ["p_bob", null]);
    assert.deepEqual(said.other, ["p_bob", null]);
    delete levels.now.p_bob;
    samples(1);
    assert.equal(active.smoothed.has("p_bob"), false);
  },
};

await runCases(cases);
