// Connection quality per peer from getStats: round-trip time, packet loss and bitrate, every 2 seconds.

import { gettext, interpolate } from "./i18n.js";

const POLL_MS = 2000;

/**
 * @typedef {object} Counters  what one getStats() report adds up to
 * @property {number} at               ms timestamp
 * @property {number | null} rtt       seconds, from the selected candidate pair
 * @property {number} packetsLost      inbound RTP, all streams
 * @property {number} packetsReceived
 * @property {number} bytesReceived
 * @property {number} bytesSent
 */

/**
 * @typedef {object} Quality
 * @property {"good" | "fair" | "poor" | "unknown"} level
 * @property {number | null} rttMs
 * @property {number | null} lossPercent   over the last interval
 * @property {number | null} kbpsIn
 * @property {number | null} kbpsOut
 */

/** Add up one RTCStatsReport. @param {RTCStatsReport} report @returns {Counters} */
export function countersOf(report) {
  const counters = { at: Date.now(), rtt: null, packetsLost: 0, packetsReceived: 0, bytesReceived: 0, bytesSent: 0 };
  let selectedPair = null;
  report.forEach((stat) => {
    if (stat.type === "transport" && stat.selectedCandidatePairId) selectedPair = stat.selectedCandidatePairId;
  });
  report.forEach((stat) => {
    if (stat.type === "candidate-pair") {
      const selected = selectedPair ? stat.id === selectedPair : stat.nominated && stat.state === "succeeded";
      if (selected && typeof stat.currentRoundTripTime === "number") counters.rtt = stat.currentRoundTripTime;
    } else if (stat.type === "inbound-rtp") {
      counters.packetsLost += Math.max(0, stat.packetsLost || 0);
      counters.packetsReceived += stat.packetsReceived || 0;
      counters.bytesReceived += stat.bytesReceived || 0;
    } else if (stat.type === "outbound-rtp") {
      counters.bytesSent += stat.bytesSent || 0;
    }
  });
  return counters;
}

/**
 * Return the quality between two samples of counters (the first sample has no rates yet).
 * @param {Counters} now @param {Counters | null} before
 * @returns {Quality}
 */
export function qualityBetween(now, before) {
  const rttMs = now.rtt === null ? null : Math.round(now.rtt * 1000);
  let lossPercent = null;
  let kbpsIn = null;
  let kbpsOut = null;
  if (before && now.at > before.at) {
    const seconds = (now.at - before.at) / 1000;
    const lost = now.packetsLost - before.packetsLost;
    const received = now.packetsReceived - before.packetsReceived;
    if (lost + received > 0) lossPercent = Math.max(0, (100 * lost) / (lost + received));
    kbpsIn = Math.max(0, ((now.bytesReceived - before.bytesReceived) * 8) / 1000 / seconds);
    kbpsOut = Math.max(0, ((now.bytesSent - before.bytesSent) * 8) / 1000 / seconds);
  }
  /** @type {Quality["level"]} */
  let level = "unknown";
  if (rttMs !== null || lossPercent !== null) {
    const rtt = rttMs || 0;
    const loss = lossPercent || 0;
    level = rtt > 400 || loss > 8 ? "poor" : rtt > 200 || loss > 3 ? "fair" : "good";
  }
  return { level, rttMs, lossPercent, kbpsIn, kbpsOut };
}

/** Return the words for a quality, for the tile's accessible name and tooltip. @param {Quality} quality */
export function describeQuality(quality) {
  const levels = {
    good: gettext("Connection quality: good"),
    fair: gettext("Connection quality: fair"),
    poor: gettext("Connection quality: poor"),
    unknown: gettext("Connection quality: measuring"),
  };
  const parts = [levels[quality.level]];
  if (quality.rttMs !== null) parts.push(interpolate(gettext("round trip %(ms)s ms"), { ms: quality.rttMs }));
  if (quality.lossPercent !== null) {
    parts.push(interpolate(gettext("packet loss %(loss)s"), { loss: `${quality.lossPercent.toFixed(1)}%` }));
  }
  if (quality.kbpsIn !== null) {
    parts.push(interpolate(gettext("receiving %(kbps)s kbit/s"), { kbps: Math.round(quality.kbpsIn) }));
  }
  return parts.join(", ");
}

/**
 * Return the quality of our link from the media server, as the layer cap says (congestion.js): shown on every
 * remote tile, since through the server that link is what limits the videos we see.
 * @param {number} cap @returns {{level: Quality["level"], label: string}}
 */
export function linkQuality(cap) {
  if (cap >= 2) return { level: "good", label: gettext("Connection quality: good") };
  const congested = gettext("your connection is congested, so videos are sent smaller for now");
  const level = cap === 1 ? "fair" : "poor";
  const words = cap === 1 ? gettext("Connection quality: fair") : gettext("Connection quality: poor");
  return { level, label: `${words}, ${congested}` };
}

/** Polls every visible connection of a mesh and reports each peer's quality. */
export class QualityMonitor {
  /**
   * @param {() => import("./peers.js").PeerMesh | null} getMesh
   * @param {(peerId: string, quality: Quality, label: string) => void} onQuality
   */
  constructor(getMesh, onQuality) {
    this.getMesh = getMesh;
    this.onQuality = onQuality;
    /** @type {Map<string, Counters>} */
    this.previous = new Map();
    this.timer = undefined;
  }

  start() {
    window.clearInterval(this.timer);
    this.timer = window.setInterval(() => this.poll(), POLL_MS);
  }

  stop() {
    window.clearInterval(this.timer);
  }

  async poll() {
    const mesh = this.getMesh();
    if (!mesh) return;
    const seen = new Set();
    for (const link of mesh.visibleLinks) {
      seen.add(link.peerId);
      if (link.pc.connectionState !== "connected") {
        this.previous.delete(link.peerId);
        continue;
      }
      try {
        const counters = countersOf(await link.pc.getStats());
        const quality = qualityBetween(counters, this.previous.get(link.peerId) || null);
        this.previous.set(link.peerId, counters);
        this.onQuality(link.peerId, quality, describeQuality(quality));
      } catch {
        // the connection closed while we asked
      }
    }
    for (const peerId of [...this.previous.keys()]) if (!seen.has(peerId)) this.previous.delete(peerId);
  }
}
