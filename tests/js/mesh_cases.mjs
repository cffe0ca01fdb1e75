// static/js/peers.js and peerlink.js under Node, with a stand-in RTCPeerConnection and signalling client: the spare
// connection and the newcomer's early one (docs/client.md, "A spare connection").
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
globalThis.window = globalThis;

/** Every connection made, to check that none is left open that nobody uses. */
const made = [];

class FakeSender {
  constructor(track) { this.track = track; }
  async replaceTrack(track) { this.track = track; }
}

class FakeChannel extends EventTarget {
  constructor() { super(); this.readyState = "connecting"; }
  close() { this.readyState = "closed"; }
}

/** Enough of an RTCPeerConnection for the mesh's own logic; setLocalDescription waits for `settle()` when `hold` is set. */
class FakePeerConnection extends EventTarget {
  static hold = false;
  /** Gather nothing, as Chromium's stuck connections do: no candidate in the description, gathering never ends. */
  static gatherNothing = false;

  constructor(configuration) {
    super();
    this.configuration = { ...configuration };
    this.signalingState = "stable";
    this.connectionState = "new";
    this.iceConnectionState = "new";
    this.localDescription = null;
    this.remoteDescription = null;
    this.senders = [];
    this.transceivers = [];
    this.remoteSet = [];
    this.number = made.length;
    this.pending = null;
    this.iceGatheringState = "new";
    this.gathers = !FakePeerConnection.gatherNothing;
    made.push(this);
  }
  getConfiguration() { return { ...this.configuration }; }
  setConfiguration(configuration) {
    if (this.signalingState === "closed") throw new Error("InvalidStateError");
    this.configuration = { ...configuration };
  }
  addTrack(track) { const sender = new FakeSender(track); this.senders.push(sender); return sender; }
  addTransceiver(kind, init) { this.transceivers.push({ kind, ...init }); }
  createDataChannel(label, init) { const channel = new FakeChannel(); channel.label = label; channel.init = init; return channel; }
  async setLocalDescription(description) {
    if (this.signalingState === "closed") throw new Error("InvalidStateError");
    if (FakePeerConnection.hold) await new Promise((resolve) => { this.pending = resolve; });
    const type = description?.type || (this.signalingState === "have-remote-offer" ? "answer" : "offer");
    const candidate = this.gathers ? `a=candidate:1 1 udp 1 127.0.0.1 ${5000 + this.number} typ host\r\n` : "";
    this.localDescription = { type, sdp: `v=0\r\no=- ${this.number} 2 IN IP4 127.0.0.1\r\n${candidate}` };
    this.iceGatheringState = this.gathers ? "complete" : "gathering";
    this.signalingState = type === "offer" ? "have-local-offer" : "stable";
  }
  settle() { if (this.pending) this.pending(); this.pending = null; }
  async setRemoteDescription(description) {
    this.remoteSet.push(description.type);
    this.remoteDescription = description;
    this.signalingState = description.type === "offer" ? "have-remote-offer" : "stable";
  }
  async addIceCandidate() {}
  restartIce() {}
  close() { this.signalingState = "closed"; }
}
globalThis.RTCPeerConnection = FakePeerConnection;

const { PeerMesh } = await import("./peers.js");
const { PeerLink } = await import("./peerlink.js");

const track = (kind) => ({ kind, readyState: "live", enabled: true });
const stream = (...tracks) => ({ id: "s", getTracks: () => tracks, getVideoTracks: () => tracks.filter((t) => t.kind === "video") });

class FakeSignalling extends EventTarget {
  constructor({ me, others = [], iceServers = [{ urls: "stun:stun.example.org" }] }) {
    super();
    this.peerId = me.peer_id;
    this.me = me;
    this.welcome = { ice_servers: iceServers, ice_transport_policy: "all" };
    this.roster = new Map(others.map((p) => [p.peer_id, p])); // everyone but us, as SignallingClient's
    this.sent = [];
  }
  sendOffer(to, description) { this.sent.push({ type: "offer", to, sdp: description.sdp }); }
  sendAnswer(to, description) { this.sent.push({ type: "answer", to, sdp: description.sdp }); }
  sendCandidate(to, candidate) { this.sent.push({ type: "candidate", to, candidate }); }
  sendRestartIce(to) { this.sent.push({ type: "restart-ice", to }); }
  join(peer) {
    this.roster.set(peer.peer_id, peer);
    this.dispatchEvent(new CustomEvent("peer-joined", { detail: { peer } }));
  }
  relay(type, from, sdp) { this.dispatchEvent(new CustomEvent(type, { detail: { from, description: { type, sdp } } })); }
}

const ALICE = { peer_id: "p_alice", name: "Alice", joined_at: "2026-12-04T10:00:00.000Z" };
const BOB = { peer_id: "p_bob", name: "Bob", joined_at: "2026-12-04T10:05:00.000Z" };
const CAROL = { peer_id: "p_carol", name: "Carol", joined_at: "2026-12-04T10:06:00.000Z" };
const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
/** The connections made since `since` (a count of `made`) still open, but no link's. */
const openConnections = (mesh, since) => made.slice(since).filter((pc) => pc.signalingState !== "closed"
  && ![...mesh.links.values()].some((link) => link.pc === pc));

const cases = {
  "the first offer to a newcomer is the spare's, sent as peer-joined arrives, with its candidates in it": async () => {
    const since = made.length;
    const signalling = new FakeSignalling({ me: ALICE });
    const mesh = new PeerMesh({ signalling, localStream: stream(track("audio"), track("video")) });
    mesh.start();
    mesh.makeSpare();
    const spare = mesh.spare;
    assert.ok(spare, "a spare is made");
    assert.deepEqual(spare.pc.configuration.iceServers, [{ urls: "stun:stun.example.org" }]);
    assert.equal(spare.pc.configuration.bundlePolicy, "max-bundle");
    await tick();
    signalling.join(BOB);
    const offers = signalling.sent.filter((m) => m.type === "offer");
    assert.equal(offers.length, 1, "the offer went in the same task as peer-joined");
    assert.equal(offers[0].to, "p_bob");
    assert.equal(offers[0].sdp, spare.pc.localDescription.sdp);
    assert.match(offers[0].sdp, /a=candidate:/);
    assert.equal(mesh.links.get("p_bob").pc, spare.pc);
    assert.equal(mesh.spare, null, "the next spare comes later");
    signalling.relay("answer", "p_bob", "v=0\r\n");
    await tick();
    assert.deepEqual(spare.pc.remoteSet, ["answer"]);
    mesh.close();
    assert.deepEqual(openConnections(mesh, since), []);
  },
  "candidates the spare gathered that its offer does not hold follow the offer, those it holds do not": async () => {
    const since = made.length;
    const signalling = new FakeSignalling({ me: ALICE });
    const mesh = new PeerMesh({ signalling, localStream: stream(track("audio"), track("video")) });
    mesh.start();
    mesh.makeSpare();
    const spare = mesh.spare;
    await tick();
    const gathered = (candidate) => {
      const event = new Event("icecandidate");
      event.candidate = candidate && { candidate, toJSON: () => ({ candidate, sdpMid: "0", sdpMLineIndex: 0 }) };
      spare.pc.dispatchEvent(event);
    };
    // Chromium's event strings carry "ufrag ...", which its SDP lines leave out.
    const inTheOffer = /a=(candidate:.*)\r/.exec(spare.pc.localDescription.sdp)[1];
    gathered(`${inTheOffer} generation 0 ufrag abcd network-id 1`);
    gathered("candidate:2 1 udp 1 192.0.2.2 5999 typ host generation 0 ufrag abcd");
    gathered(null);
    signalling.join(BOB);
    assert.deepEqual(signalling.sent.map((m) => [m.type, m.candidate?.candidate ?? null]), [
      ["offer", null], ["candidate", "candidate:2 1 udp 1 192.0.2.2 5999 typ host generation 0 ufrag abcd"],
    ], "not the one in the offer, nor the end of gathering");
    gathered("candidate:3 1 udp 1 192.0.2.3 5999 typ host");
    assert.equal(signalling.sent.length, 3, "after the offer, the link's own listener sends them, once");
    mesh.close();
    assert.deepEqual(openConnections(mesh, since), []);
  },
  "an offer that comes while the spare's description is still being set is a collision the spare's side ignores": async () => {
    FakePeerConnection.hold = true;
    try {
      const signalling = new FakeSignalling({ me: ALICE });
      const mesh = new PeerMesh({ signalling, localStream: stream(track("audio"), track("video")) });
      mesh.start();
      mesh.makeSpare();
      const spare = mesh.spare;
      signalling.join(BOB);
      assert.equal(signalling.sent.length, 0, "nothing to send yet");
      signalling.relay("offer", "p_bob", "v=0\r\n");
      await tick();
      assert.deepEqual(spare.pc.remoteSet, [], "the impolite side ignored Bob's offer");
      spare.pc.settle();
      await tick();
      assert.deepEqual(signalling.sent.map((m) => m.type), ["offer"]);
      mesh.close();
    } finally {
      FakePeerConnection.hold = false;
    }
  },
  "a spare is not used towards an older peer: that peer offers, and we answer on a new connection": async () => {
    const since = made.length;
    const signalling = new FakeSignalling({ me: BOB, others: [] });
    const mesh = new PeerMesh({ signalling, localStream: stream(track("audio"), track("video")) });
    mesh.start();
    mesh.makeSpare();
    const spare = mesh.spare;
    signalling.relay("offer", "p_alice", "v=0\r\n");
    await tick();
    const link = mesh.links.get("p_alice");
    assert.notEqual(link.pc, spare.pc);
    assert.equal(mesh.spare, spare, "still there for the next newcomer");
    assert.deepEqual(link.pc.remoteSet, ["offer"]);
    assert.deepEqual(signalling.sent.map((m) => m.type), ["answer"]);
    mesh.close();
    assert.deepEqual(openConnections(mesh, since), []);
  },
  "an unused spare is closed when the mesh closes, moves through the server, or gets new ICE servers": async () => {
    const since = made.length;
    const signalling = new FakeSignalling({ me: ALICE });
    const mesh = new PeerMesh({ signalling, localStream: stream(track("audio"), track("video")) });
    mesh.start();
    mesh.makeSpare();
    const first = mesh.spare;
    mesh.updateIceServers([{ urls: "turn:turn.example.org" }], "all");
    assert.equal(first.pc.signalingState, "closed", "new ICE servers: the old spare is closed");
    assert.equal(mesh.spare, null);
    mesh.makeSpare();
    assert.deepEqual(mesh.spare.pc.configuration.iceServers, [{ urls: "turn:turn.example.org" }]);
    const second = mesh.spare;
    mesh.setScreen(stream(track("video")));
    assert.equal(second.pc.signalingState, "closed", "a screen share: made again with it");
    mesh.makeSpare();
    assert.ok(mesh.spare.screenSender, "the new spare sends the screen");
    mesh.freeze();
    assert.equal(mesh.spare, null);
    mesh.makeSpare();
    assert.equal(mesh.spare, null, "frozen: no spare");
    assert.deepEqual(openConnections(mesh, since), []);
    const other = new PeerMesh({ signalling, localStream: null });
    other.start();
    other.makeSpare();
    const spare = other.spare;
    other.close();
    assert.equal(spare.pc.signalingState, "closed");
    assert.equal(spare.control.readyState, "closed");
    other.makeSpare();
    assert.equal(other.spare, null, "closed: no spare");
    assert.deepEqual(openConnections(other, since), []);
  },
  "a connection that gathers nothing is started over, and the new one offers at once from the polite side": async () => {
    const since = made.length;
    PeerLink.gatheringStuckMs = 20;
    const signalling = new FakeSignalling({ me: BOB, others: [ALICE] });
    const mesh = new PeerMesh({ signalling, localStream: stream(track("audio"), track("video")) });
    const removed = [];
    mesh.addEventListener("peer-removed", ({ detail }) => removed.push(detail.reason));
    try {
      FakePeerConnection.gatherNothing = true;
      mesh.start();
      signalling.relay("offer", "p_alice", "v=0\r\n");
      await tick();
      const stuck = mesh.links.get("p_alice");
      assert.deepEqual(signalling.sent.map((m) => m.type), ["answer"]);
      FakePeerConnection.gatherNothing = false;
      await new Promise((resolve) => setTimeout(resolve, 60));
      const fresh = mesh.links.get("p_alice");
      assert.notEqual(fresh, stuck, "a new connection");
      assert.equal(stuck.pc.signalingState, "closed");
      assert.deepEqual(removed, ["replaced"]);
      assert.equal(fresh.startOvers, 1);
      assert.deepEqual(signalling.sent.map((m) => m.type), ["answer", "offer"], "Bob is polite, yet offers at once");
      assert.match(signalling.sent[1].sdp, /a=candidate:/);
      await new Promise((resolve) => setTimeout(resolve, 60));
      assert.equal(mesh.links.get("p_alice"), fresh, "one that gathers is kept");
    } finally {
      FakePeerConnection.gatherNothing = false;
      PeerLink.gatheringStuckMs = 4000;
      mesh.close();
    }
    assert.deepEqual(openConnections(mesh, since), []);
  },
  "a connection that keeps gathering nothing is started over twice, then left to the watchdog": async () => {
    PeerLink.gatheringStuckMs = 20;
    const signalling = new FakeSignalling({ me: ALICE, others: [BOB] });
    const mesh = new PeerMesh({ signalling, localStream: stream(track("audio"), track("video")) });
    try {
      FakePeerConnection.gatherNothing = true;
      mesh.start();
      mesh.links.get("p_bob").offer(); // as its negotiationneeded would
      await new Promise((resolve) => setTimeout(resolve, 250));
      assert.equal(mesh.links.get("p_bob").startOvers, 2);
      assert.equal(signalling.sent.filter((m) => m.type === "offer").length, 3);
    } finally {
      FakePeerConnection.gatherNothing = false;
      PeerLink.gatheringStuckMs = 4000;
      mesh.close();
    }
  },
  "the data-only mesh makes no spare": () => {
    const signalling = new FakeSignalling({ me: ALICE });
    const mesh = new PeerMesh({ signalling, localStream: null, link: "data" });
    mesh.start();
    mesh.makeSpare();
    assert.equal(mesh.spare, null);
    mesh.close();
  },
  "a device switch replaces the spare's track": async () => {
    const since = made.length;
    const signalling = new FakeSignalling({ me: ALICE });
    const mesh = new PeerMesh({ signalling, localStream: stream(track("audio"), track("video")) });
    mesh.start();
    mesh.makeSpare();
    const camera = track("video");
    await mesh.replaceTrack(camera);
    assert.equal(mesh.spare.senders.get("video").track, camera);
    mesh.close();
  },
  "a newcomer's early connection goes to its first link with the welcome's ICE servers, and waits for the offer": async () => {
    const since = made.length;
    const local = stream(track("audio"), track("video"));
    const early = PeerMesh.prepareEarly(local, null);
    assert.deepEqual(early.pc.configuration.iceServers, [], "no servers before the welcome");
    const signalling = new FakeSignalling({ me: CAROL, others: [ALICE, BOB] });
    const mesh = new PeerMesh({ signalling, localStream: local, early });
    mesh.start();
    assert.deepEqual(early.pc.configuration.iceServers, [{ urls: "stun:stun.example.org" }]);
    assert.equal(early.pc.configuration.bundlePolicy, "max-bundle", "the rest of the configuration kept");
    const owners = [...mesh.links.values()].filter((link) => link.pc === early.pc);
    assert.equal(owners.length, 1, "one link took it");
    assert.ok(owners[0].polite);
    await tick();
    assert.deepEqual(signalling.sent, [], "polite: it waits for the other side's offer");
    signalling.relay("offer", owners[0].peerId, "v=0\r\n");
    await tick();
    assert.deepEqual(early.pc.remoteSet, ["offer"]);
    assert.deepEqual(signalling.sent.map((m) => m.type), ["answer"]);
    assert.equal(mesh.spare, null, "the spare comes later");
    mesh.close();
    assert.deepEqual(openConnections(mesh, since), []);
  },
  "an early connection that no longer sends the page's tracks is closed, not used": () => {
    const since = made.length;
    const early = PeerMesh.prepareEarly(stream(track("audio"), track("video")), null);
    const signalling = new FakeSignalling({ me: CAROL, others: [ALICE] });
    const mesh = new PeerMesh({ signalling, localStream: stream(track("audio"), track("video")), early });
    mesh.start();
    assert.equal(early.pc.signalingState, "closed");
    assert.notEqual(mesh.links.get("p_alice").pc, early.pc);
    mesh.close();
    assert.deepEqual(openConnections(mesh, since), []);
  },
  "in an empty room the early connection becomes the spare": async () => {
    const since = made.length;
    const local = stream(track("audio"), track("video"));
    const early = PeerMesh.prepareEarly(local, null);
    const signalling = new FakeSignalling({ me: ALICE });
    const mesh = new PeerMesh({ signalling, localStream: local, early });
    mesh.start();
    assert.equal(mesh.spare, early);
    await tick();
    signalling.join(BOB);
    assert.equal(signalling.sent[0].sdp, early.pc.localDescription.sdp);
    mesh.close();
    assert.deepEqual(openConnections(mesh, since), []);
  },
};

await runCases(cases);
process.exit(0); // the links' watchdog and wait timers would keep Node running
