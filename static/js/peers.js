// A mesh of RTCPeerConnections, one per remote peer, negotiated with the W3C "perfect negotiation" pattern.
// No DOM access: the UI listens to its events.

import { isPoliteTowards } from "./protocol.js";

/**
 * @typedef {import("./protocol.js").SignallingClient} SignallingClient
 * @typedef {import("./protocol.js").Peer} Peer
 */

/** Return the DTLS fingerprints of an SDP, which identify the other side's connection. @param {string} sdp */
function fingerprintsOf(sdp) {
  return [...new Set((sdp || "").match(/^a=fingerprint:.*$/gm) || [])].sort().join("\n");
}

/** One remote peer: its connection and the state perfect negotiation needs. */
class PeerLink {
  /**
   * @param {PeerMesh} mesh
   * @param {Peer} peer
   * @param {boolean} polite  whether this side rolls back on a collision
   */
  constructor(mesh, peer, polite) {
    this.mesh = mesh;
    this.peer = peer;
    this.polite = polite;
    this.makingOffer = false;
    this.ignoreOffer = false;
    this.settingRemoteAnswerPending = false;
    /** The fingerprints of the other side's connection, once known. */
    this.remoteFingerprints = "";
    /** @type {MediaStream | null} */
    this.remoteStream = null;
    this.pc = new RTCPeerConnection({
      iceServers: mesh.iceServers,
      iceTransportPolicy: mesh.iceTransportPolicy,
    });
    this.wire();
    this.addLocalMedia(mesh.localStream);
  }

  get peerId() {
    return this.peer.peer_id;
  }

  wire() {
    const { pc, mesh } = this;
    pc.addEventListener("negotiationneeded", async () => {
      try {
        this.makingOffer = true;
        await pc.setLocalDescription();
        mesh.signalling.sendOffer(this.peerId, pc.localDescription);
      } catch (error) {
        mesh.report(this, error);
      } finally {
        this.makingOffer = false;
      }
    });
    pc.addEventListener("icecandidate", ({ candidate }) => {
      // An empty candidate string is one generation's end; the null that follows ends them all.
      if (candidate && !candidate.candidate) return;
      mesh.signalling.sendCandidate(this.peerId, candidate ? candidate.toJSON() : null);
    });
    pc.addEventListener("track", ({ track, streams }) => {
      // A track sent without a stream (a receive-only peer's transceiver) gets a stream of our own.
      if (streams[0]) {
        this.remoteStream = streams[0];
      } else {
        this.remoteStream = this.remoteStream || new MediaStream();
        this.remoteStream.addTrack(track);
      }
      mesh.emit("track", { peerId: this.peerId, peer: this.peer, track, stream: this.remoteStream });
    });
    pc.addEventListener("connectionstatechange", () => {
      mesh.emit("connection-state", { peerId: this.peerId, state: pc.connectionState });
    });
    pc.addEventListener("iceconnectionstatechange", () => {
      if (pc.iceConnectionState !== "failed") return;
      // The impolite side's restart offer wins any collision; the polite side asks it to restart.
      if (this.polite) mesh.signalling.sendRestartIce(this.peerId);
      else pc.restartIce();
    });
  }

  /** Send our tracks; with none of a kind, still ask to receive that kind so a receive-only peer sees the others. */
  addLocalMedia(stream) {
    const tracks = stream ? stream.getTracks() : [];
    for (const kind of ["audio", "video"]) {
      const track = tracks.find((t) => t.kind === kind);
      if (track) this.pc.addTrack(track, stream);
      else this.pc.addTransceiver(kind, { direction: "recvonly" });
    }
  }

  /** Take an offer or answer from the peer (perfect negotiation). @param {RTCSessionDescriptionInit} description */
  async acceptDescription(description) {
    const { pc } = this;
    const readyForOffer =
      !this.makingOffer && (pc.signalingState === "stable" || this.settingRemoteAnswerPending);
    const offerCollision = description.type === "offer" && !readyForOffer;
    this.ignoreOffer = !this.polite && offerCollision;
    if (this.ignoreOffer) return;
    this.settingRemoteAnswerPending = description.type === "answer";
    // A polite peer's pending offer is rolled back implicitly by setRemoteDescription.
    await pc.setRemoteDescription(description);
    this.remoteFingerprints = fingerprintsOf(description.sdp);
    this.settingRemoteAnswerPending = false;
    if (description.type === "offer") {
      await pc.setLocalDescription();
      this.mesh.signalling.sendAnswer(this.peerId, pc.localDescription);
    }
  }

  /** @param {RTCIceCandidateInit | null} candidate */
  async acceptCandidate(candidate) {
    try {
      if (candidate) await this.pc.addIceCandidate(candidate);
      else await this.pc.addIceCandidate();
    } catch (error) {
      // Candidates for an offer we ignored are expected to fail.
      if (!this.ignoreOffer) throw error;
    }
  }

  /**
   * After the signalling socket was away, messages may have been lost: an offer, candidates, a restart request.
   * Unless this connection is plainly fine, restart its negotiation (the impolite side offers, the polite side asks).
   */
  async recover() {
    const { pc } = this;
    if (pc.signalingState === "closed") return;
    if (pc.connectionState === "connected" && pc.signalingState === "stable") return;
    try {
      if (pc.signalingState === "have-local-offer") await pc.setLocalDescription({ type: "rollback" });
    } catch (error) {
      this.mesh.report(this, error);
    }
    if (this.polite) this.mesh.signalling.sendRestartIce(this.peerId);
    else pc.restartIce();
  }

  /** Return whether an offer comes from a new connection of the peer (it reloaded its page and resumed). */
  isFromNewConnection(description) {
    return (
      description.type === "offer" &&
      this.remoteFingerprints !== "" &&
      fingerprintsOf(description.sdp) !== this.remoteFingerprints
    );
  }

  close() {
    this.pc.close();
  }
}

/**
 * Every remote peer's connection, driven by a joined SignallingClient.
 *
 * Events (CustomEvent, payload in `detail`):
 * - `peer-added`: {peerId, peer, polite}; `peer-updated`: {peerId, peer} (presence, connected, role);
 *   `peer-removed`: {peerId, peer, reason} (reason "closed" when we closed, "replaced" before a new connection).
 * - `track`: {peerId, peer, track, stream}: a remote track arrived; `stream` holds all of that peer's tracks.
 * - `connection-state`: {peerId, state}.
 * - `failure`: {peerId, error}: negotiation with one peer went wrong (the others are unaffected).
 */
export class PeerMesh extends EventTarget {
  /**
   * @param {object} options
   * @param {SignallingClient} options.signalling   already welcomed
   * @param {MediaStream | null} options.localStream  null to receive only
   */
  constructor({ signalling, localStream }) {
    super();
    const welcome = signalling.welcome;
    if (!welcome) throw new Error("PeerMesh needs a welcomed SignallingClient.");
    this.signalling = signalling;
    this.localStream = localStream;
    this.iceServers = welcome.ice_servers || [];
    this.iceTransportPolicy = welcome.ice_transport_policy || "all";
    /** @type {Map<string, PeerLink>} */
    this.links = new Map();
    this.listeners = {
      "ice-servers": (/** @type {CustomEvent} */ e) =>
        this.updateIceServers(e.detail.ice_servers, e.detail.ice_transport_policy),
      "peer-joined": (/** @type {CustomEvent} */ e) => this.add(e.detail.peer),
      "peer-updated": (/** @type {CustomEvent} */ e) => this.update(e.detail.peer),
      "peer-left": (/** @type {CustomEvent} */ e) => this.remove(e.detail.peer_id, e.detail.reason),
      state: () => this.reconcile(),
      offer: (/** @type {CustomEvent} */ e) => this.onDescription(e.detail),
      answer: (/** @type {CustomEvent} */ e) => this.onDescription(e.detail),
      candidate: (/** @type {CustomEvent} */ e) => this.onCandidate(e.detail),
      "restart-ice": (/** @type {CustomEvent} */ e) => this.links.get(e.detail.from)?.pc.restartIce(),
    };
    this.listen();
  }

  listen() {
    for (const [type, listener] of Object.entries(this.listeners)) this.signalling.addEventListener(type, listener);
  }

  unlisten() {
    for (const [type, listener] of Object.entries(this.listeners)) this.signalling.removeEventListener(type, listener);
  }

  /**
   * Carry on with a new signalling client that resumed our seat: the media connections never depended on the socket.
   * @param {SignallingClient} signalling
   */
  rebind(signalling) {
    this.unlisten();
    this.signalling = signalling;
    this.listen();
    this.updateIceServers(signalling.welcome.ice_servers, signalling.welcome.ice_transport_policy);
    this.reconcile();
    for (const link of this.links.values()) link.recover();
  }

  /** Match the connections to the room state: connect to new peers, drop those who are gone. */
  reconcile() {
    const roster = this.signalling.roster;
    for (const peerId of [...this.links.keys()]) {
      if (!roster.has(peerId)) this.remove(peerId, "gone");
    }
    for (const peer of roster.values()) {
      if (this.links.has(peer.peer_id)) this.update(peer);
      else this.add(peer);
    }
  }

  /**
   * Use fresh ICE servers from now on, for new connections and for the ICE restarts of existing ones.
   * @param {RTCIceServer[]} iceServers @param {RTCIceTransportPolicy} iceTransportPolicy
   */
  updateIceServers(iceServers, iceTransportPolicy) {
    this.iceServers = iceServers || [];
    this.iceTransportPolicy = iceTransportPolicy || this.iceTransportPolicy;
    for (const link of this.links.values()) {
      try {
        link.pc.setConfiguration({
          ...link.pc.getConfiguration(),
          iceServers: this.iceServers,
          iceTransportPolicy: this.iceTransportPolicy,
        });
      } catch (error) {
        this.report(link, error);
      }
    }
  }

  /** Connect to everyone already in the room: as the newcomer, this side is polite towards them. */
  start() {
    this.reconcile();
  }

  /** @param {Peer} peer */
  politeTowards(peer) {
    const me = this.signalling.me;
    return me ? isPoliteTowards(me, peer) : true;
  }

  /** @param {Peer} peer */
  add(peer) {
    const existing = this.links.get(peer.peer_id);
    if (existing) {
      this.update(peer);
      return existing;
    }
    const polite = this.politeTowards(peer);
    const link = new PeerLink(this, peer, polite);
    this.links.set(peer.peer_id, link);
    this.emit("peer-added", { peerId: peer.peer_id, peer, polite });
    return link;
  }

  /** A peer's presence or name changed. @param {Peer} peer */
  update(peer) {
    const link = this.links.get(peer.peer_id);
    if (!link) return;
    link.peer = peer;
    this.emit("peer-updated", { peerId: peer.peer_id, peer });
  }

  /** Start over with a peer whose page came back with a new connection (a reload that resumed its seat). */
  replace(peerId) {
    const link = this.links.get(peerId);
    if (!link) return null;
    this.remove(peerId, "replaced");
    return this.add(link.peer);
  }

  /** @param {string} peerId @param {string} reason */
  remove(peerId, reason) {
    const link = this.links.get(peerId);
    if (!link) return;
    this.links.delete(peerId);
    link.close();
    this.emit("peer-removed", { peerId, peer: link.peer, reason });
  }

  /** Return the link for a message's sender, creating it if its offer outran the room event. @param {string} from */
  linkFor(from) {
    const known = this.links.get(from);
    if (known) return known;
    const peer = this.signalling.roster.get(from) || { peer_id: from, name: "", role: "", joined_at: "\uffff" };
    return this.add(peer);
  }

  async onDescription({ from, description }) {
    let link = this.linkFor(from);
    if (link.isFromNewConnection(description)) link = this.replace(from);
    try {
      await link.acceptDescription(description);
    } catch (error) {
      this.report(link, error);
    }
  }

  async onCandidate({ from, candidate }) {
    const link = this.links.get(from);
    if (!link) return;
    try {
      await link.acceptCandidate(candidate);
    } catch (error) {
      this.report(link, error);
    }
  }

  /** @param {PeerLink} link @param {unknown} error */
  report(link, error) {
    this.emit("failure", { peerId: link.peerId, error });
  }

  /** @param {string} type @param {any} detail */
  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  /** Close every connection and stop listening to the signalling client. */
  close() {
    this.unlisten();
    for (const peerId of [...this.links.keys()]) this.remove(peerId, "closed");
  }
}
