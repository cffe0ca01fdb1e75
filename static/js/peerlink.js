// One remote peer's RTCPeerConnection, negotiated with the W3C "perfect negotiation" pattern, with a control
// data channel for app messages and a second video track for a shared screen. No DOM access.

import { withStartBitrate } from "./sdp.js";

/**
 * @typedef {import("./protocol.js").Peer} Peer
 * @typedef {import("./peers.js").PeerMesh} PeerMesh
 */

/**
 * The newcomer (polite) waits this long for the other side's first offer before making its own: two first offers
 * collide, and after the polite side's rollback Chromium sometimes never gathers candidates for its answer.
 */
const POLITE_FIRST_OFFER_WAIT_MS = 1500;
/**
 * The bandwidth estimate our video starts from, in kbit/s, instead of Chromium's 300: at 300 its encoder drops the
 * camera's first frames while it scales them down, and the first picture comes about 90 ms later (docs/client.md).
 */
export const START_BITRATE_KBPS = 1000;
/** A connection not up this long after it started is restarted (lost candidates leave ICE waiting for ever). */
const CONNECT_WATCHDOG_MS = [6000, 10000, 20000, 30000];

/**
 * A connection that gathered no candidate this long after its description was set is started over as a new one.
 * Chromium sometimes never gathers for a connection: iceGatheringState stays "gathering", no icecandidate event
 * comes, and ICE restarts gather nothing either, so the watchdog's restart cannot repair it (seen about once in 25
 * reloads of a three-person call, on the connection made to answer the reloaded page's offer). Host candidates
 * come within milliseconds; a relay allocation within a round trip to the TURN server.
 */
const GATHERING_STUCK_MS = 4000;
/** New connections in a row for one peer before the watchdog alone carries on (a network with no candidates). */
const MAX_START_OVERS = 2;

const sleep = (/** @type {number} */ ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Return the DTLS fingerprints of an SDP, which identify the other side's connection. @param {string} sdp */
function fingerprintsOf(sdp) {
  return [...new Set((sdp || "").match(/^a=fingerprint:.*$/gm) || [])].sort().join("\n");
}

/**
 * @typedef {object} PreparedConnection  a connection with what every link sends, before it knows the peer
 * @property {RTCPeerConnection} pc
 * @property {Map<string, RTCRtpSender>} senders   camera and microphone, by kind
 * @property {RTCRtpSender | null} screenSender
 * @property {RTCDataChannel | null} control       the control channel (none for a hidden peer)
 * @property {Promise<void> | null} offered         a spare's own offer, set or on its way; null: not negotiated yet
 * @property {boolean} [ready]                      the spare's offer is set
 * @property {(RTCIceCandidate | null)[]} [gathered] the spare's candidates gathered before a link took it
 * @property {boolean} [taken]                      a link took it: its own listener sends what comes next
 */

/**
 * @typedef {object} ConnectionRecipe  what prepareConnection puts in a connection (a PeerMesh is one)
 * @property {RTCIceServer[]} iceServers
 * @property {RTCIceTransportPolicy} iceTransportPolicy
 * @property {boolean} onDemand                      the data-only mesh: no media
 * @property {MediaStream | null} localStream
 * @property {MediaStream | null} screenStream
 */

/**
 * Make a connection and add what every link has from the start: our camera and microphone (or, with none of a kind,
 * a transceiver that asks to receive that kind, so a receive-only peer sees the others), a screen we share, and the
 * control channel that both sides make (negotiated, id 0). A hidden peer (the recorder) offers what it wants itself:
 * an extra transceiver would only renegotiate, and it gets no control channel. On demand (the data-only mesh), no
 * media.
 * @param {ConnectionRecipe} mesh @param {boolean} hidden
 * @returns {PreparedConnection}
 */
export function prepareConnection(mesh, hidden) {
  const pc = new RTCPeerConnection({
    iceServers: mesh.iceServers,
    iceTransportPolicy: mesh.iceTransportPolicy,
    // One transport for audio, video and data from the first offer: a third of the candidates to gather, send,
    // relay and add, and one DTLS handshake. Every peer we meet (browsers, the aiortc recorder) offers BUNDLE.
    bundlePolicy: "max-bundle",
    // Gather candidates from now on, not only from setLocalDescription: the newcomer's connection has them ready when
    // it answers, and starts its checks at once (docs/client.md, "A spare connection").
    iceCandidatePoolSize: 1,
  });
  const senders = new Map();
  let screenSender = null;
  if (!mesh.onDemand) {
    const stream = mesh.localStream;
    const tracks = stream ? stream.getTracks() : [];
    for (const kind of ["audio", "video"]) {
      const track = tracks.find((t) => t.kind === kind);
      if (track) senders.set(kind, pc.addTrack(track, stream));
      else if (!hidden) pc.addTransceiver(kind, { direction: "recvonly" });
    }
    const screen = mesh.screenStream;
    const screenTrack = screen ? screen.getVideoTracks()[0] : null;
    if (screen && screenTrack) screenSender = pc.addTrack(screenTrack, screen);
  }
  const control = hidden ? null : pc.createDataChannel("confer", { negotiated: true, id: 0, ordered: true });
  return { pc, senders, screenSender, control, offered: null };
}

/** Close a prepared connection nobody took: unused, it must not linger (its sockets, a TURN allocation). */
export function closePrepared(/** @type {PreparedConnection} */ made) {
  if (made.control) made.control.close();
  made.pc.close();
}

/**
 * Return what identifies a candidate in an SDP: "candidate:<foundation> <component> <protocol> <priority> <address>
 * <port> typ <type>". Chromium's icecandidate strings add "ufrag ..." that its SDP lines leave out.
 * @param {string} candidate
 */
export function candidateKey(candidate) {
  return candidate.split(" ").slice(0, 8).join(" ");
}

/** One remote peer: its connection and the state perfect negotiation needs. */
export class PeerLink {
  /**
   * @param {PeerMesh} mesh
   * @param {Peer} peer
   * @param {boolean} polite  whether this side rolls back on a collision
   * @param {boolean} [hidden]
   * @param {PreparedConnection | null} [prepared]  a connection made before this peer came: a spare with its offer
   *   under way (PeerMesh.takeSpare), which offerNow sends as it is, or the newcomer's early one (not negotiated)
   */
  constructor(mesh, peer, polite, hidden = false, prepared = null) {
    this.mesh = mesh;
    this.peer = peer;
    this.polite = polite;
    /** A hidden peer (the recorder) gets our media but no tile, no data channel and no place in the count. */
    this.hidden = hidden;
    this.makingOffer = false;
    /** The polite side waited for the other's first offer already (or must not: a new connection after a stuck one). */
    this.waitedForFirstOffer = false;
    this.ignoreOffer = false;
    this.settingRemoteAnswerPending = false;
    /** Set while an offer is being answered; mediaPending: tracks came meanwhile and the page has not been told. */
    this.answering = false;
    this.mediaPending = false;
    /** The fingerprints of the other side's connection, once known. */
    this.remoteFingerprints = "";
    /** The other side's streams by id: its camera and microphone in one, a screen it shares in another. */
    this.remoteStreams = new Map();
    /** The id of the stream the other side said carries its screen (over the control channel). */
    this.remoteScreenStreamId = null;
    const made = prepared || prepareConnection(mesh, hidden);
    made.taken = true;
    this.pc = made.pc;
    /** Our senders of camera and microphone, by kind, for replaceTrack when a device changes. */
    this.senders = made.senders;
    /** @type {RTCRtpSender | null} */
    this.screenSender = made.screenSender;
    /** @type {RTCDataChannel | null} */
    this.control = made.control;
    /** The spare we were given, whose offer (set, or on its way) offerNow sends. */
    this.spare = prepared && prepared.offered ? prepared : null;
    /** App messages waiting for the control channel to open (on-demand connections only). @type {object[]} */
    this.queued = [];
    this.wire();
    if (this.control) this.listenToControl();
    this.watchdogRound = 0;
    this.watchdog = undefined;
    /** How many connections before this one were given up for gathering nothing (PeerMesh.startOver). */
    this.startOvers = 0;
    this.gatheringCheck = undefined;
    if (!hidden) this.watch();
    /**
     * Resolves once our first answer is out or our first offer is answered (its answer set), or the link closed, or
     * POLITE_FIRST_OFFER_WAIT_MS passed (the newcomer's wait for an offer): what the page draws for this peer can
     * wait until then.
     * @type {Promise<void>}
     */
    this.described = new Promise((resolve) => {
      this.markDescribed = resolve;
      window.setTimeout(resolve, POLITE_FIRST_OFFER_WAIT_MS);
    });
    // A connection made before it had a link got its negotiationneeded then, with nobody listening: act on it now,
    // unless an offer was made or came meanwhile.
    if (prepared && !prepared.offered) {
      window.setTimeout(() => {
        const { pc } = this;
        const idle = !this.makingOffer && !this.answering && pc.signalingState === "stable" && !pc.remoteDescription;
        if (!this.closed && idle) {
          this.onNegotiationNeeded();
        }
      }, 0);
    }
  }

  /**
   * Check later that the connection came up; if not, repair it as after lost messages (recover): an offer still
   * unanswered is sent again, a stable connection restarts ICE (the impolite side offers, the polite one asks).
   */
  watch() {
    window.clearTimeout(this.watchdog);
    const delay = CONNECT_WATCHDOG_MS[Math.min(this.watchdogRound, CONNECT_WATCHDOG_MS.length - 1)];
    this.watchdog = window.setTimeout(() => {
      if (this.closed) return;
      const { connectionState, signalingState } = this.pc;
      const waiting = signalingState === "stable" || (signalingState === "have-local-offer" && !this.makingOffer);
      if (connectionState !== "connected" && waiting) {
        this.watchdogRound += 1;
        this.recover();
      }
      this.watch();
    }, delay);
  }

  /**
   * After we set a description: if the connection has gathered no candidate GATHERING_STUCK_MS later, and is not
   * checking or up, start over with a new connection (its offer goes at once; the other side sees a new connection,
   * as after a reload, and answers on a new one too).
   */
  checkGathering() {
    if (this.hidden) return;
    window.clearTimeout(this.gatheringCheck);
    this.gatheringCheck = window.setTimeout(() => {
      const { pc } = this;
      if (this.closed || pc.connectionState !== "new" || pc.iceGatheringState === "complete") return;
      if (/\na=candidate:/.test(pc.localDescription ? pc.localDescription.sdp : "")) return;
      if (this.startOvers < MAX_START_OVERS) this.mesh.startOver(this);
    }, PeerLink.gatheringStuckMs);
  }

  get peerId() {
    return this.peer.peer_id;
  }

  wire() {
    const { pc, mesh } = this;
    pc.addEventListener("negotiationneeded", () => this.onNegotiationNeeded());
    pc.addEventListener("icecandidate", ({ candidate }) => {
      // An empty candidate string is one generation's end; the null that follows ends them all.
      if (candidate && !candidate.candidate) return;
      mesh.signalling.sendCandidate(this.peerId, candidate ? candidate.toJSON() : null, mesh.link);
    });
    pc.addEventListener("track", ({ track, streams }) => {
      this.mediaPending = true;
      // A track sent without a stream gets a stream of our own.
      let stream = streams[0];
      if (!stream) {
        stream = this.remoteStreams.get("") || new MediaStream();
        stream.addTrack(track);
      }
      const id = streams[0] ? stream.id : "";
      if (!this.remoteStreams.has(id)) {
        this.remoteStreams.set(id, stream);
        stream.addEventListener("removetrack", () => this.emitMedia());
      }
      track.addEventListener("ended", () => this.emitMedia());
      // Tracks come while an offer is being answered: the page draws them once the answer is out.
      if (!this.answering) this.emitMedia();
    });
    pc.addEventListener("datachannel", ({ channel }) => {
      mesh.emit("datachannel", { peerId: this.peerId, channel });
    });
    pc.addEventListener("connectionstatechange", () => {
      if (pc.connectionState === "connected") this.watchdogRound = 0;
      mesh.emit("connection-state", { peerId: this.peerId, state: pc.connectionState, hidden: this.hidden });
      // A hidden peer (the recorder) makes a new connection itself when it wants one.
      if (this.hidden && (pc.connectionState === "failed" || pc.connectionState === "closed")) {
        mesh.remove(this.peerId, "gone");
      }
    });
    pc.addEventListener("iceconnectionstatechange", () => {
      if (pc.iceConnectionState !== "failed" || this.hidden) return;
      // The impolite side's restart offer wins any collision; the polite side asks it to restart.
      if (this.polite) mesh.signalling.sendRestartIce(this.peerId, mesh.link);
      else pc.restartIce();
    });
  }

  /** Perfect negotiation's negotiationneeded handler; the polite side first waits for the other side's offer. */
  async onNegotiationNeeded() {
    const { pc, mesh } = this;
    // On demand, only the side with something to send makes the connection: nobody else offers first.
    if (this.polite && !mesh.onDemand && !pc.remoteDescription && !this.waitedForFirstOffer) {
      this.waitedForFirstOffer = true;
      await sleep(POLITE_FIRST_OFFER_WAIT_MS);
      // The other side offered meanwhile: if we still need to negotiate, the event comes again once stable.
      if (this.closed || pc.remoteDescription || pc.signalingState !== "stable") return;
    }
    await this.offer();
  }

  /** Send a shared screen as a second video track, in a stream of its own. @param {MediaStream} stream */
  addScreen(stream) {
    const track = stream.getVideoTracks()[0];
    if (!track || this.screenSender) return;
    this.sendControl({ type: "screen", stream: stream.id });
    this.screenSender = this.pc.addTrack(track, stream);
  }

  removeScreen() {
    this.sendControl({ type: "screen", stream: null });
    if (!this.screenSender) return;
    if (this.pc.signalingState !== "closed") this.pc.removeTrack(this.screenSender);
    this.screenSender = null;
  }

  /** Listen to the control channel (prepareConnection made it): app messages that need no server, e.g. file offers. */
  listenToControl() {
    const channel = /** @type {RTCDataChannel} */ (this.control);
    channel.addEventListener("open", () => {
      const screen = this.mesh.screenStream;
      if (screen) this.sendControl({ type: "screen", stream: screen.id });
      for (const message of this.queued.splice(0)) this.sendControl(message);
      this.mesh.emit("control-open", { peerId: this.peerId });
    });
    channel.addEventListener("message", ({ data }) => {
      let message;
      try {
        message = JSON.parse(data);
      } catch {
        return;
      }
      if (!message || typeof message.type !== "string") return;
      if (message.type === "screen") {
        this.remoteScreenStreamId = typeof message.stream === "string" ? message.stream : null;
        this.emitMedia();
        return;
      }
      this.mesh.emit("control", { peerId: this.peerId, message });
    });
  }

  /**
   * Send one app message over the control channel; return whether it went (or, with `queue`, will go once the
   * channel opens).
   * @param {object} message @param {boolean} [queue]
   */
  sendControl(message, queue = false) {
    if (queue && this.control && this.control.readyState === "connecting") {
      this.queued.push(message);
      return true;
    }
    if (!this.control || this.control.readyState !== "open") return false;
    this.control.send(JSON.stringify(message));
    return true;
  }

  /** Tell the UI which of the other side's streams are its camera and its screen. */
  emitMedia() {
    if (this.closed) return;
    this.mediaPending = false;
    const live = (/** @type {MediaStream} */ stream) => stream.getTracks().some((t) => t.readyState === "live");
    let camera = null;
    let screen = null;
    for (const [id, stream] of this.remoteStreams) {
      if (!live(stream)) continue;
      if (id && id === this.remoteScreenStreamId) screen = stream;
      else if (!camera || (!camera.getVideoTracks().length && stream.getVideoTracks().length)) camera = stream;
    }
    if (screen && !screen.getVideoTracks().length) screen = null;
    this.mesh.emit("media", { peerId: this.peerId, peer: this.peer, hidden: this.hidden, camera, screen });
  }

  /** Make an offer and send it (perfect negotiation's negotiationneeded handler). */
  async offer() {
    const { pc } = this;
    try {
      this.makingOffer = true;
      await pc.setLocalDescription();
      this.mesh.signalling.sendOffer(this.peerId, pc.localDescription, this.mesh.link);
      this.checkGathering();
    } catch (error) {
      this.mesh.report(this, error);
    } finally {
      this.makingOffer = false;
    }
  }

  /**
   * Offer at once, as the side that offers first (impolite, towards a newcomer), instead of waiting for
   * negotiationneeded: Chromium fires it in a task of its own, which queues behind whatever the page does next
   * (the newcomer's tile, the layout it sets off: 20-30 ms here), and the whole call waits for this offer.
   * The event that comes anyway finds the operations chain busy or the state not stable, and Chromium drops it.
   */
  offerNow() {
    if (this.spare) {
      this.sendSpareOffer(this.spare);
      return;
    }
    if (this.polite || this.hidden || this.closed || this.pc.signalingState !== "stable") return;
    this.offer();
  }

  /**
   * Send the offer a spare connection made before this peer came. The candidates gathered meanwhile are in the
   * description, so the other side can check them as soon as it has answered (any later ones trickle). While the
   * spare's setLocalDescription is still under way, this is an offer being made (an offer that comes meanwhile is
   * a collision); if it failed, make one the usual way. A ready offer goes at once, in this task: the page's other
   * handlers of the same message (the room's panels) run before a promise's continuation would.
   * @param {PreparedConnection} spare
   */
  async sendSpareOffer(spare) {
    this.spare = null;
    if (spare.ready && this.pc.signalingState === "have-local-offer") {
      this.sendSpareDescription(spare);
      return;
    }
    this.makingOffer = true;
    try {
      await spare.offered;
      if (this.closed) return;
      this.sendSpareDescription(spare);
    } catch {
      this.makingOffer = false;
      if (!this.closed && this.pc.signalingState === "stable") await this.offer();
    } finally {
      this.makingOffer = false;
    }
  }

  /**
   * Send the spare's offer, then any candidate it gathered before we took it that the description does not hold
   * (one surfaced just before): nothing the other side needs is left behind. The others are not sent again: each
   * relayed candidate costs the newcomer's page a message and an addIceCandidate just while it answers (sending them
   * all anyway put nine messages there and made negotiation longer in paired runs). Nor is the end of gathering:
   * ICE does not need it to connect.
   * @param {PreparedConnection} spare
   */
  sendSpareDescription(spare) {
    const { signalling, link } = this.mesh;
    const description = this.pc.localDescription;
    signalling.sendOffer(this.peerId, description, link);
    const sdp = description ? description.sdp : "";
    for (const candidate of (spare.gathered || []).splice(0)) {
      if (candidate && candidate.candidate && !sdp.includes(candidateKey(candidate.candidate))) {
        signalling.sendCandidate(this.peerId, candidate.toJSON(), link);
      }
    }
  }

  /** Take an offer or answer from the peer (perfect negotiation). @param {RTCSessionDescriptionInit} description */
  async acceptDescription(description) {
    const { pc } = this;
    // A second answer to an offer we sent twice (recover): the first one was taken already.
    if (description.type === "answer" && pc.signalingState !== "have-local-offer") return;
    const readyForOffer =
      !this.makingOffer && (pc.signalingState === "stable" || this.settingRemoteAnswerPending);
    const offerCollision = description.type === "offer" && !readyForOffer;
    this.ignoreOffer = !this.polite && offerCollision;
    if (this.ignoreOffer) return;
    this.settingRemoteAnswerPending = description.type === "answer";
    this.answering = description.type === "offer";
    try {
      // A polite peer's pending offer is rolled back implicitly by setRemoteDescription. Chromium takes the start
      // bitrate of what it sends from the remote description, so the one we set says ours.
      await pc.setRemoteDescription({ type: description.type, sdp: withStartBitrate(description.sdp, START_BITRATE_KBPS) });
      this.remoteFingerprints = fingerprintsOf(description.sdp);
      this.settingRemoteAnswerPending = false;
      // Our offer is answered: the page may draw now. Drawn as soon as the offer was out, the tile and its layout
      // held up reading this answer (25 ms in a timeline at load 8), and DTLS waits for it.
      if (description.type === "answer") this.markDescribed();
      if (description.type === "offer") {
        await pc.setLocalDescription();
        this.mesh.signalling.sendAnswer(this.peerId, pc.localDescription, this.mesh.link);
        this.markDescribed();
        this.checkGathering();
      }
    } finally {
      this.answering = false;
      if (this.mediaPending) this.emitMedia();
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
   * After the signalling socket was away, or the server shed some of our messages, messages may have been lost: an
   * offer, an answer, candidates, a restart request. Unless this connection is plainly fine, send our unanswered
   * offer again, or restart its negotiation (the impolite side offers, the polite side asks).
   */
  recover() {
    const { pc } = this;
    if (pc.signalingState === "closed") return;
    if (pc.connectionState === "connected" && pc.signalingState === "stable") return;
    if (this.hidden) return;
    if (pc.signalingState === "have-local-offer" && pc.localDescription && !this.makingOffer) {
      // The offer we made, or its answer, may be what was lost: send it again as it is (its SDP holds the candidates
      // gathered since). Rolling it back instead would leave a data-only connection's first offer with nothing in
      // it, and Chromium refuses that offer. If it still does not connect, the watchdog restarts ICE once stable.
      this.mesh.signalling.sendOffer(this.peerId, pc.localDescription, this.mesh.link);
      return;
    }
    if (this.polite) this.mesh.signalling.sendRestartIce(this.peerId, this.mesh.link);
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
    this.closed = true;
    this.markDescribed();
    window.clearTimeout(this.watchdog);
    window.clearTimeout(this.gatheringCheck);
    if (this.control) this.control.close();
    this.pc.close();
  }
}

/** GATHERING_STUCK_MS, here so the Node cases can shorten it. */
PeerLink.gatheringStuckMs = GATHERING_STUCK_MS;
