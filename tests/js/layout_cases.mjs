// static/js/layout.js's planLayout under Node: which tiles are large, on the page, hidden, and which peers are
// visible (what an SFU client would subscribe to). stdout: {"case name": null (passed) or "what went wrong"}
import assert from "node:assert/strict";
import { runCases } from "./run_cases.mjs";

const { planLayout, SELF } = await import("./layout.js");

const people = (count) => Array.from({ length: count }, (_, i) => `p_${String(i).padStart(2, "0")}`);
const base = { people: people(2), screens: [], mode: "grid", pinned: null, speaker: null, hideSelf: false,
  gridPageSize: 9, stripPageSize: 4, page: 0 };

const cases = {
  "two people in a grid: the other fills the stage, the self view floats"() {
    const plan = planLayout(base);
    assert.equal(plan.main, null);
    assert.deepEqual(plan.onPage, [SELF, "p_00", "p_01"]);
    assert.equal(plan.pictureInPicture, false);
    const duo = planLayout({ ...base, people: ["p_00"] });
    assert.equal(duo.pictureInPicture, true);
    assert.deepEqual(duo.visiblePeers, ["p_00"]);
  },
  "fifty people page through a grid, and only the page's peers are visible"() {
    const all = people(49);
    const first = planLayout({ ...base, people: all });
    assert.equal(first.pages, 6);
    assert.deepEqual(first.onPage, [SELF, ...all.slice(0, 8)]);
    assert.deepEqual(first.visiblePeers, all.slice(0, 8));
    const third = planLayout({ ...base, people: all, page: 2 });
    assert.deepEqual(third.visiblePeers, all.slice(17, 26));
    assert.equal(third.hidden.length, 50 - 9);
    const past = planLayout({ ...base, people: all, page: 99 });
    assert.equal(past.page, 5);
    assert.deepEqual(past.visiblePeers, all.slice(44));
  },
  "a pinned person is large and the strip pages beside them"() {
    const all = people(10);
    const plan = planLayout({ ...base, people: all, pinned: "p_07" });
    assert.equal(plan.main, "p_07");
    assert.deepEqual(plan.onPage, [SELF, "p_00", "p_01", "p_02"]);
    assert.equal(plan.pages, 3);
    assert.deepEqual(plan.visiblePeers, ["p_07", "p_00", "p_01", "p_02"]);
  },
  "speaker view shows whoever spoke last, else the first to join"() {
    assert.equal(planLayout({ ...base, mode: "speaker", speaker: "p_01" }).main, "p_01");
    assert.equal(planLayout({ ...base, mode: "speaker", speaker: null }).main, "p_00");
    assert.equal(planLayout({ ...base, mode: "speaker", speaker: "p_gone" }).main, "p_00");
    assert.equal(planLayout({ ...base, mode: "speaker", people: [] }).main, null);
  },
  "a shared screen takes the stage unless someone is pinned, and its sharer counts as visible"() {
    const plan = planLayout({ ...base, screens: ["screen:p_01"] });
    assert.equal(plan.main, "screen:p_01");
    assert.deepEqual(plan.visiblePeers.sort(), ["p_00", "p_01"]);
    assert.equal(planLayout({ ...base, screens: ["screen:p_01"], pinned: "p_00" }).main, "p_00");
    assert.deepEqual(planLayout({ ...base, screens: ["screen:"] }).visiblePeers, ["p_00", "p_01"]);
  },
  "hiding the self view takes it off every page, and it cannot be pinned"() {
    const plan = planLayout({ ...base, hideSelf: true });
    assert.ok(!plan.onPage.includes(SELF));
    assert.ok(plan.hidden.includes(SELF));
    assert.equal(planLayout({ ...base, hideSelf: true, pinned: SELF }).main, null);
  },
};

await runCases(cases);
