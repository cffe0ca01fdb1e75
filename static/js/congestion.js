// Congestion on the connection that brings us video through the server, seen from our side: a cap on the simulcast
// layer we ask for (docs/client.md, "Bandwidth through the server"). No DOM access.
//
// Chromium reports no receive-side bandwidth estimate in getStats, and Janus does not switch a subscriber's layer on
// its own, so the page watches what it receives. As LiveKit's stream allocator does on its server: drop quickly when
// packets go missing, climb back one step at a time after a calm spell, and wait longer after each climb that failed.

import { LAYER_BITRATES, TOP_LAYER } from "./simulcast.js";

/**
 * @typedef {object} InboundVideo  one received video's cumulative counters (an `inbound-rtp` entry of getStats)
 * @property {string} id
 * @property {number} packetsReceived
 * @property {number} packetsLost
 * @property {number} freezeCount
 * @property {number} totalFreezesDuration  seconds
 * @property {number} bytesReceived
 */

export const DEFAULTS = Object.freeze({
  windowMs: 2_000, // congestion is judged on this much of the recent past
  settleMs: 2_000, // after a change, what was received before it says nothing about the new layers
  lossRatio: 0.06, // lost / (lost + received) over the window that means congestion (LiveKit's NACK ratio, 6%)
  calmLossRatio: 0.02, // a period that lost less than this is calm; and the loss that makes freezes count
  freezeSeconds: 0.5, // frozen this long in the window, with some loss, is congestion too
  minPackets: 20, // fewer packets than this in the window say nothing about loss
  calmMs: 10_000, // calm this long before climbing one step
  maxCalmMs: 80_000, // the longest wait after climbs that failed
  backoff: 2, // each failed climb multiplies the wait by this
});

/**
 * Return the received camera videos of one getStats report, as the monitor reads them.
 * @param {Iterable<any>} stats  the report's values @param {(mid: string) => boolean} [isCamera]
 * @returns {InboundVideo[]}
 */
export function inboundVideos(stats, isCamera = () => true) {
  const videos = [];
  for (const s of stats) {
    if (s.type !== "inbound-rtp" || s.kind !== "video") continue;
    if (s.mid !== undefined && !isCamera(s.mid)) continue;
    videos.push({
      id: s.id, packetsReceived: s.packetsReceived || 0, packetsLost: s.packetsLost || 0,
      freezeCount: s.freezeCount || 0, totalFreezesDuration: s.totalFreezesDuration || 0,
      bytesReceived: s.bytesReceived || 0,
    });
  }
  return videos;
}

/**
 * Return the highest cap under `below` whose videos fit in `bitrate`, or 0.
 * @param {number[]} wanted  the layer each tile wants @param {number} bitrate @param {number} below
 * @param {readonly number[]} layerBitrates
 */
export function capThatFits(wanted, bitrate, below, layerBitrates = LAYER_BITRATES) {
  for (let cap = below - 1; cap > 0; cap--) {
    const demand = wanted.reduce((sum, layer) => sum + layerBitrates[Math.min(layer, cap)], 0);
    if (demand <= bitrate) return cap;
  }
  return 0;
}

/** Decides, from periodic samples of what the connection receives, the highest layer worth asking for. */
export class CongestionMonitor {
  /** @param {Partial<typeof DEFAULTS> & {layerBitrates?: readonly number[]}} [options] */
  constructor(options = {}) {
    this.options = { ...DEFAULTS, ...options };
    this.layerBitrates = options.layerBitrates || LAYER_BITRATES;
    /** The highest layer to ask for (0 smallest); the page asks for min(the tile's layer, cap). */
    this.cap = TOP_LAYER;
    this.calmNeeded = this.options.calmMs;
    /** @type {Map<string, InboundVideo>} */
    this.previous = new Map();
    this.previousAt = null;
    /** @type {{at: number, seconds: number, received: number, lost: number, freezeSeconds: number, bits: number}[]} */
    this.window = [];
    /** The same, over the longest calm period a climb may wait for. @type {typeof this.window} */
    this.history = [];
    this.changedAt = -Infinity;
    /** When we last climbed, until the climb has held for a calm period (null: not trying one). */
    this.climbedAt = null;
  }

  /**
   * Take one sample; return the cap.
   * @param {number} at  ms @param {InboundVideo[]} videos @param {number[]} wanted  the layer each camera tile wants
   */
  update(at, videos, wanted) {
    const interval = this.interval(at, videos);
    // What arrived before a change, or soon after it, says nothing about the new layers (the old one's queue drains).
    if (!interval || at - interval.seconds * 1000 < this.changedAt + this.options.settleMs) return this.cap;
    this.window.push(interval);
    this.window = this.window.filter((entry) => entry.at > at - this.options.windowMs);
    this.history.push(interval);
    this.history = this.history.filter((entry) => entry.at > at - this.options.maxCalmMs);
    const ceiling = wanted.length ? Math.min(this.cap, Math.max(...wanted)) : this.cap;
    if (this.congested()) {
      if (ceiling > 0) this.drop(at, wanted, ceiling);
      return this.cap;
    }
    if (this.climbedAt !== null && at - this.climbedAt >= this.options.calmMs) {
      this.climbedAt = null; // the climb held: the next one waits the usual time
      this.calmNeeded = this.options.calmMs;
    }
    if (wanted.some((layer) => layer > this.cap) && at - this.changedAt >= this.calmNeeded && this.calmFor(at)) {
      this.change(at, this.cap + 1);
      this.climbedAt = at;
    }
    return this.cap;
  }

  /** Return what was received since the last sample (per video, so a video that came or went counts for nothing). */
  interval(at, videos) {
    const previous = this.previous;
    const previousAt = this.previousAt;
    this.previous = new Map(videos.map((video) => [video.id, video]));
    this.previousAt = at;
    if (previousAt === null || at <= previousAt) return null;
    const sum = { at, seconds: (at - previousAt) / 1000, received: 0, lost: 0, freezeSeconds: 0, bits: 0 };
    for (const video of videos) {
      const before = previous.get(video.id);
      if (!before) continue;
      sum.received += Math.max(0, video.packetsReceived - before.packetsReceived);
      sum.lost += Math.max(0, video.packetsLost - before.packetsLost);
      sum.freezeSeconds += Math.max(0, video.totalFreezesDuration - before.totalFreezesDuration);
      sum.bits += Math.max(0, video.bytesReceived - before.bytesReceived) * 8;
    }
    return sum;
  }

  /**
   * Return whether the last `calmNeeded` ms lost under `calmLossRatio` of their packets. Taken over the whole
   * period, not second by second: at the smallest layer's 15 packets a second, one lost packet is 7 %.
   */
  calmFor(at) {
    let received = 0;
    let lost = 0;
    for (const entry of this.history) {
      if (entry.at <= at - this.calmNeeded) continue;
      received += entry.received;
      lost += entry.lost;
    }
    return received + lost === 0 || lost / (received + lost) < this.options.calmLossRatio;
  }

  congested() {
    const total = { received: 0, lost: 0, freezeSeconds: 0 };
    for (const entry of this.window) {
      total.received += entry.received;
      total.lost += entry.lost;
      total.freezeSeconds += entry.freezeSeconds;
    }
    const packets = total.received + total.lost;
    const seconds = this.window.reduce((sum, entry) => sum + entry.seconds, 0);
    if (packets < this.options.minPackets || seconds < (0.9 * this.options.windowMs) / 1000) return false;
    const loss = total.lost / packets;
    return loss >= this.options.lossRatio
      || (total.freezeSeconds >= this.options.freezeSeconds && loss >= this.options.calmLossRatio);
  }

  /** Step down at least one layer from what we receive, or straight to what the measured bitrate carries. */
  drop(at, wanted, ceiling) {
    if (this.climbedAt !== null) {
      // The climb failed: wait longer before the next one (LiveKit's probe back-off).
      this.calmNeeded = Math.min(this.calmNeeded * this.options.backoff, this.options.maxCalmMs);
      this.climbedAt = null;
    }
    const seconds = this.window.reduce((sum, entry) => sum + entry.seconds, 0);
    const bitrate = this.window.reduce((sum, entry) => sum + entry.bits, 0) / seconds;
    this.change(at, Math.min(ceiling - 1, capThatFits(wanted, bitrate, ceiling, this.layerBitrates)));
  }

  change(at, cap) {
    this.cap = Math.max(0, Math.min(TOP_LAYER, cap));
    this.changedAt = at;
    this.window = [];
  }
}

/**
 * @typedef {object} ReceivingWatch
 * @property {CongestionMonitor} monitor
 * @property {() => void} stop
 */

/** How often the receiving connection's stats are read: cheap (one getStats of one connection). */
export const POLL_MS = 1000;

/**
 * Read a receiving connection's stats every second until it closes (or `stop`); call `onCap` with the first sample's
 * cap and whenever it changes.
 * @param {RTCPeerConnection} pc
 * @param {object} hooks
 * @param {() => Map<string, number>} hooks.tileLayers  the layer each received camera video's tile asks for, by mid
 * @param {(cap: number, limited: boolean) => void} hooks.onCap  `limited`: some tile gets less than it asks for
 * @returns {ReceivingWatch}
 */
export function watchReceiving(pc, { tileLayers, onCap }) {
  const monitor = new CongestionMonitor();
  let reported = null;
  let reading = false;
  const timer = setInterval(async () => {
    if (pc.connectionState === "closed") return clearInterval(timer);
    if (reading || pc.connectionState !== "connected") return;
    reading = true;
    try {
      const report = await pc.getStats();
      const cameras = tileLayers();
      const wanted = [...cameras.values()];
      const cap = monitor.update(Date.now(), inboundVideos(report.values(), (mid) => cameras.has(mid)), wanted);
      if (cap !== reported) onCap(cap, wanted.some((layer) => layer > cap));
      reported = cap;
    } catch {
      // the connection closed while we asked
    } finally {
      reading = false;
    }
  }, POLL_MS);
  return { monitor, stop: () => clearInterval(timer) };
}
