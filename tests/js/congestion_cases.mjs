// static/js/congestion.js under Node: the layer cap a receiver's congested link gets, from samples a second apart.
// stdout: {"case name": null (passed) or "what went wrong"}
import assert from "node:assert/strict";
import { runCases } from "./run_cases.mjs";

const { CongestionMonitor, capThatFits, inboundVideos } = await import("./congestion.js");

/** A received video whose counters the test moves on a second at a time. */
class Link {
  constructor(monitor, wanted = [2]) {
    this.monitor = monitor;
    this.wanted = wanted;
    this.at = 0;
    this.video = { id: "IT01V1", packetsReceived: 0, packetsLost: 0, freezeCount: 0, totalFreezesDuration: 0,
                   bytesReceived: 0 };
    this.caps = [this.feed()];
  }

  feed() {
    return this.monitor.update(this.at, [{ ...this.video }], this.wanted);
  }

  /** Receive for `seconds`: `kbps` of video in 1,000-byte packets, losing `loss` of them; return the caps seen. */
  run(seconds, { kbps = 1200, loss = 0, freezeSeconds = 0 } = {}) {
    const seen = [];
    for (let i = 0; i < seconds; i++) {
      const sent = Math.round((kbps * 1000) / 8 / 1000);
      const lost = Math.round(sent * loss);
      this.at += 1000;
      this.video.packetsReceived += sent - lost;
      this.video.packetsLost += lost;
      this.video.bytesReceived += (sent - lost) * 1000;
      this.video.totalFreezesDuration += freezeSeconds;
      if (freezeSeconds) this.video.freezeCount += 1;
      seen.push(this.feed());
    }
    this.caps.push(...seen);
    return seen;
  }

  /** Receive as `run` does until the cap is `cap`; return how many seconds that took (Infinity: not in `limit`). */
  until(cap, traffic, limit = 120) {
    for (let second = 1; second <= limit; second++) if (this.run(1, traffic)[0] === cap) return second;
    return Infinity;
  }

  get cap() {
    return this.monitor.cap;
  }
}

const cases = {
  "a clean link keeps the largest layer": () => {
    const link = new Link(new CongestionMonitor());
    link.run(30, { loss: 0.005 });
    assert.deepEqual(new Set(link.caps), new Set([2]));
  },
  "loss over two seconds drops a step within three, and the bitrate can take it lower at once": () => {
    const link = new Link(new CongestionMonitor());
    link.run(5);
    const caps = link.run(3, { kbps: 900, loss: 0.15 });
    assert.equal(caps.at(-1), 1, `caps ${caps}: 765 kbit/s arriving still carries the middle layer (350)`);
    const straight = new Link(new CongestionMonitor());
    straight.run(5);
    const down = straight.run(3, { kbps: 280, loss: 0.3 });
    assert.equal(down.at(-1), 0, `caps ${down}: 196 kbit/s arriving carries only the smallest layer`);
  },
  "a layer change is given time to settle before the next drop": () => {
    const link = new Link(new CongestionMonitor());
    link.run(5);
    const caps = link.run(6, { kbps: 900, loss: 0.15 });
    // Two seconds to settle, then two of the new layers' own to judge them: still congested, down again.
    assert.deepEqual(caps, [1, 1, 1, 1, 0, 0]);
  },
  "freezes with some loss are congestion; a freeze without loss is not (a camera turned back on)": () => {
    const frozen = new Link(new CongestionMonitor());
    frozen.run(5);
    frozen.run(3, { loss: 0.03, freezeSeconds: 0.6 });
    assert.equal(frozen.cap, 1);
    const paused = new Link(new CongestionMonitor());
    paused.run(5);
    paused.run(3, { loss: 0, freezeSeconds: 2 });
    assert.equal(paused.cap, 2);
  },
  "it holds while the link stays poor and climbs one step after ten calm seconds": () => {
    const link = new Link(new CongestionMonitor());
    link.run(5);
    assert.equal(link.until(0, { kbps: 250, loss: 0.4 }), 5, "a step, then the bitrate's worth after settling");
    assert.deepEqual(new Set(link.run(20, { kbps: 200, loss: 0.04 })), new Set([0]), "some loss: not calm, no climb");
    link.run(10, { kbps: 200, loss: 0.3 });
    assert.equal(link.until(1, { kbps: 150 }), 10, "up one step after ten calm seconds");
    assert.equal(link.until(2, { kbps: 400 }), 10, "and another ten seconds after the first climb");
  },
  "a climb that fails is undone and the next one waits twice as long, then four times": () => {
    const link = new Link(new CongestionMonitor());
    link.run(5);
    link.until(0, { kbps: 250, loss: 0.4 });
    assert.equal(link.until(1, { kbps: 150 }), 10, "climbed after a calm spell");
    assert.equal(link.until(0, { kbps: 400, loss: 0.3 }), 4, "the climb failed: down as soon as it is judged");
    assert.equal(link.until(1, { kbps: 150 }), 20, "up again after 20 calm seconds, not 10");
    link.until(0, { kbps: 400, loss: 0.3 });
    assert.equal(link.until(1, { kbps: 150 }), 40, "failed again: 40 calm seconds now");
    assert.equal(link.until(2, { kbps: 400 }), 10, "this climb held ten seconds: the next waits ten again");
  },
  "a packet lost now and then does not keep it from climbing": () => {
    const link = new Link(new CongestionMonitor());
    link.run(5);
    link.until(0, { kbps: 250, loss: 0.4 });
    link.run(3, { kbps: 150 });
    let seconds = 0;
    while (link.cap === 0 && seconds < 30) {
      seconds += 1;
      link.run(1, { kbps: 150, loss: seconds % 4 === 0 ? 1 / 19 : 0 }); // one of 19 packets every fourth second
    }
    assert.equal(link.cap, 1, "one packet in 76 is 1.3 %: calm");
    assert.equal(seconds + 3, 10, "up ten seconds after the drop, as on a clean link");
  },
  "it only climbs for a tile that wants more, and drops from what is received": () => {
    const small = new Link(new CongestionMonitor(), [0, 1]);
    small.run(5, { kbps: 470 });
    small.run(3, { kbps: 470, loss: 0.2 });
    assert.equal(small.cap, 0, "the tiles asked for 1 at most: one step down from there is 0, not 1");
    small.wanted = [0, 0];
    small.run(30, { kbps: 240 });
    assert.equal(small.cap, 0, "no tile wants more: no climb to try");
    small.wanted = [0, 2];
    small.run(2, { kbps: 240 });
    assert.equal(small.cap, 1, "a tile grew after a long calm: one step at once");
  },
  "the cap that fits the measured bitrate counts every tile at its own layer": () => {
    assert.equal(capThatFits([2, 2], 800_000, 3), 1, "two middle layers: 700 kbit/s");
    assert.equal(capThatFits([2, 2], 600_000, 3), 0);
    assert.equal(capThatFits([0, 0, 2], 600_000, 3), 1, "small tiles cost the smallest layer whatever the cap");
    assert.equal(capThatFits([2], 5_000_000, 2), 1, "always below the layer that congested");
  },
  "a video that comes or goes between samples counts for nothing": () => {
    const monitor = new CongestionMonitor();
    const a = { id: "a", packetsReceived: 100, packetsLost: 0, freezeCount: 0, totalFreezesDuration: 0, bytesReceived: 1e5 };
    monitor.update(0, [a], [2]);
    const b = { ...a, id: "b", packetsLost: 500 };
    for (let at = 1000; at <= 4000; at += 1000) {
      monitor.update(at, [{ ...a, packetsReceived: a.packetsReceived + at / 10 }, { ...b }], [2, 2]);
      b.packetsReceived += 100;
    }
    assert.equal(monitor.cap, 2);
  },
  "only received camera videos are read from a report": () => {
    const report = [
      { type: "inbound-rtp", kind: "audio", id: "A", mid: "0", packetsLost: 50 },
      { type: "inbound-rtp", kind: "video", id: "V1", mid: "1", packetsReceived: 10, packetsLost: 1, bytesReceived: 9,
        freezeCount: 1, totalFreezesDuration: 0.5 },
      { type: "inbound-rtp", kind: "video", id: "S2", mid: "2", packetsReceived: 10 },
      { type: "outbound-rtp", kind: "video", id: "O" },
    ];
    assert.deepEqual(inboundVideos(report, (mid) => mid === "1"), [
      { id: "V1", packetsReceived: 10, packetsLost: 1, freezeCount: 1, totalFreezesDuration: 0.5, bytesReceived: 9 },
    ]);
  },
};

await runCases(cases);
