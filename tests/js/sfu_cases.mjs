// static/js/sfu.js under Node, with a stand-in signalling client: what the page asks the server for.
// stdout: {"case name": null (passed) or "what went wrong"}
import assert from "node:assert/strict";
import { runCases } from "./run_cases.mjs";

if (typeof globalThis.CustomEvent === "undefined") {
  globalThis.CustomEvent = class extends Event {
    constructor(type, options = {}) {
      super(type);
      this.detail = options.detail;
    }
  };
}

const { SfuClient, wantedStreams } = await import("./sfu.js");
const { layerForTile } = await import("./simulcast.js");

class FakeSignalling extends EventTarget {
  constructor() {
    super();
    this.peerId = "p_me";
    this.welcome = { ice_servers: [], ice_transport_policy: "all" };
    this.sent = [];
    this.roster = new Map([["p_a", { peer_id: "p_a", name: "A" }], ["p_b", { peer_id: "p_b", name: "B" }]]);
  }
  can() { return true; }
  sfuSubscribe(subscription, streams) { this.sent.push({ type: "sfu-subscribe", subscription, streams }); }
  sfuQuality(subscription, mid, substream) { this.sent.push({ type: "sfu-quality", subscription, mid, substream }); }
  feeds(feeds) { this.dispatchEvent(new CustomEvent("sfu-feeds", { detail: { feeds } })); }
}

/** Stands in for an RTCPeerConnection that is up and has nothing waiting. */
class FakeConnection {
  constructor() {
    this.signalingState = "stable";
    this.connectionState = "connected";
    this.closed = false;
  }
  close() { this.closed = true; this.connectionState = "closed"; }
  getStats() { return Promise.resolve(new Map()); }
}

const FEEDS = [
  { peer_id: "p_a", streams: [{ mid: "0", type: "audio" }, { mid: "1", type: "video" }] },
  { peer_id: "p_b", streams: [{ mid: "0", type: "audio" }, { mid: "1", type: "video" }] },
  { peer_id: "p_c", streams: [{ mid: "0", type: "audio" }, { mid: "1", type: "video" }] },
];
const subscriptions = (signalling) => signalling.sent.filter((m) => m.type === "sfu-subscribe");

const cases = {
  "a tile under 180 px gets the smallest layer, up to 360 the middle one, above it the largest": () => {
    assert.equal(layerForTile({ width: 160, height: 90 }), 0);
    assert.equal(layerForTile({ width: 320, height: 180 }), 0);
    assert.equal(layerForTile({ width: 400, height: 225 }), 1);
    assert.equal(layerForTile({ width: 1280, height: 720 }), 2);
    assert.equal(layerForTile({ width: 320, height: 200 }, 2), 2, "a 2x screen needs twice the pixels");
    assert.equal(layerForTile(undefined), 0);
  },
  "everyone's audio and shared screen, and the camera video of the visible only": () => {
    const streams = wantedStreams(["p_c", "p_a", "p_b"], new Set(["p_b"]));
    assert.deepEqual(streams, [
      { feed: "p_a", kind: "audio" }, { feed: "p_a", kind: "screen" },
      { feed: "p_b", kind: "audio" }, { feed: "p_b", kind: "video" }, { feed: "p_b", kind: "screen" },
      { feed: "p_c", kind: "audio" }, { feed: "p_c", kind: "screen" },
    ]);
    assert.equal(wantedStreams(["p_a"], null).length, 3, "before the page says, everyone's video");
  },
  "the server's talking events mark who speaks, and the stage follows the others even while we talk over them": () => {
    const signalling = new FakeSignalling();
    const client = new SfuClient({ signalling, localStream: null });
    const said = [];
    client.addEventListener("speaker", ({ detail }) => said.push(detail));
    client.onTalking({ peer_id: "p_a", talking: true });
    client.onTalking({ peer_id: "p_me", talking: true });
    client.onTalking({ peer_id: "p_b", talking: true });
    client.onTalking({ peer_id: "p_b", talking: false });
    client.onTalking({ peer_id: "p_a", talking: false });
    assert.deepEqual(said, [
      { peerId: "p_a", other: "p_a" },
      { peerId: "", other: "p_a" },
      { peerId: "p_b", other: "p_b" },
      { peerId: "", other: "p_a" },
      { peerId: "", other: null },
    ]);
    client.close();
  },
  "a shared screen asks for no simulcast layer, a camera does": () => {
    const signalling = new FakeSignalling();
    const client = new SfuClient({ signalling, localStream: null });
    client.mids = new Map([["1", { feed: "p_a", type: "video", screen: false }],
      ["2", { feed: "p_a", type: "video", screen: true }]]);
    client.layers = new Map([["1", 0], ["2", 0]]);
    client.setLayout(new Set(["p_a"]), new Map([["p_a", { width: 1280, height: 720 }]]));
    const asked = signalling.sent.filter((m) => m.type === "sfu-quality").map((m) => m.mid);
    assert.deepEqual(asked, ["1"]);
    client.close();
  },
  "each video gets its tile's layer under the congestion cap, and a screen is never capped": () => {
    const signalling = new FakeSignalling();
    const client = new SfuClient({ signalling, localStream: null });
    client.mids = new Map([["1", { feed: "p_a", type: "video", screen: false }],
      ["2", { feed: "p_b", type: "video", screen: false }], ["3", { feed: "p_a", type: "video", screen: true }],
      ["4", { feed: "p_a", type: "audio", screen: false }]]);
    const asked = () => Object.fromEntries(signalling.sent.filter((m) => m.type === "sfu-quality")
      .map((m) => [m.mid, m.substream]));
    client.setLayout(new Set(["p_a", "p_b"]), new Map([["p_a", { width: 1280, height: 720 }],
      ["p_b", { width: 160, height: 90 }]]));
    assert.deepEqual(asked(), { 1: 2, 2: 0 });
    client.congestion = { monitor: { cap: 1 }, stop() {} };
    client.applyLayers();
    assert.deepEqual(asked(), { 1: 1, 2: 0 }, "the large tile drops to the cap, the small one stays");
    client.congestion.monitor.cap = 2;
    client.applyLayers();
    assert.deepEqual(asked(), { 1: 2, 2: 0 });
    assert.equal(signalling.sent.filter((m) => m.mid === "3" || m.mid === "4").length, 0, "screens and audio: never");
    client.close();
    assert.equal(client.congestion, null, "the watch stops with the connections");
  },
  "the client subscribes to the visible videos and follows the page as it scrolls": () => {
    const signalling = new FakeSignalling();
    const client = new SfuClient({ signalling, localStream: null });
    client.start();
    const videos = (m) => m.streams.filter((s) => s.kind === "video").map((s) => s.feed);
    const audios = (m) => m.streams.filter((s) => s.kind === "audio").map((s) => s.feed);
    assert.equal(subscriptions(signalling).length, 1, "one subscription at the start, with the roster in it");
    assert.deepEqual(audios(subscriptions(signalling)[0]), ["p_a", "p_b"]);
    client.setLayout(new Set(["p_a"]), new Map([["p_a", { width: 640, height: 360 }]]));
    assert.deepEqual(videos(subscriptions(signalling).at(-1)), ["p_a"]);
    assert.deepEqual(audios(subscriptions(signalling).at(-1)), ["p_a", "p_b"], "all the audio");
    const count = subscriptions(signalling).length;
    client.setLayout(new Set(["p_a"]));
    signalling.feeds(FEEDS);
    assert.equal(subscriptions(signalling).length, count, "nothing changed for the page: nothing sent");
    signalling.dispatchEvent(new CustomEvent("peer-joined", { detail: { peer: { peer_id: "p_c", name: "C" } } }));
    assert.deepEqual(audios(subscriptions(signalling).at(-1)), ["p_a", "p_b", "p_c"], "a newcomer is heard at once");
    client.setLayout(new Set(["p_b", "p_c"]));
    assert.deepEqual(videos(subscriptions(signalling).at(-1)), ["p_b", "p_c"]);
    client.close();
  },
  "a resume whose media the server kept keeps both connections and signals over the new client only": () => {
    const old = new FakeSignalling();
    const client = new SfuClient({ signalling: old, localStream: null });
    client.start();
    const publisher = new FakeConnection(), subscriber = new FakeConnection();
    Object.assign(client, { publisher, subscriber });
    const resumed = new FakeSignalling();
    client.rebind(resumed, true);
    assert.equal(client.publisher, publisher, "the same publisher connection");
    assert.equal(client.subscriber, subscriber, "the same subscriber connection");
    assert.ok(!publisher.closed && !subscriber.closed);
    assert.equal(client.signalling, resumed);
    assert.equal(subscriptions(resumed).length, 1, "the subscription asked for again over the new socket");
    const before = old.sent.length;
    resumed.dispatchEvent(new CustomEvent("peer-joined", { detail: { peer: { peer_id: "p_c", name: "C" } } }));
    old.dispatchEvent(new CustomEvent("peer-joined", { detail: { peer: { peer_id: "p_d", name: "D" } } }));
    assert.equal(old.sent.length, before, "nothing more goes over the old socket");
    assert.deepEqual(subscriptions(resumed).at(-1).streams.filter((s) => s.kind === "audio").map((s) => s.feed),
      ["p_a", "p_b", "p_c"]);
    client.close();
  },
  "a resume whose media the server dropped starts both connections over": () => {
    const client = new SfuClient({ signalling: new FakeSignalling(), localStream: null });
    client.start();
    const publisher = new FakeConnection(), subscriber = new FakeConnection();
    Object.assign(client, { publisher, subscriber });
    client.rebind(new FakeSignalling(), false);
    assert.ok(publisher.closed && subscriber.closed, "both closed");
    assert.equal(client.publisher, null);
    client.close();
  },
};

await runCases(cases);
