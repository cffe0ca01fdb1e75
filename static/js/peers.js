// A mesh of RTCPeerConnections, one per remote peer, negotiated with the W3C "perfect negotiation" pattern.
// No DOM access: the UI listens to its events.

import { isPoliteTowards } from "./protocol.js";
import { PeerLink, closePrepared, prepareConnection } from "./peerlink.js";

/**
 * How long after a spare connection is taken (or dropped) the next one is made: after the call that took it has
 * set up, not in its way (docs/client.md, "A spare connection").
 */
export const SPARE_DELAY_MS = 1000;

/**
 * @typedef {import("./protocol.js").SignallingClient} SignallingClient
 * @typedef {import("./protocol.js").Peer} Peer
 */

/**
 * Every remote peer's connection, driven by a joined SignallingClient.
 *
 * Events (CustomEvent, payload in `detail`):
 * - `peer-added`: {peerId, peer, polite}; `peer-updated`: {peerId, peer} (presence, connected, role);
 *   `peer-removed`: {peerId, peer, reason} (reason "closed" when we closed, "replaced" before a new connection).
 * - `media`: {peerId, peer, hidden, camera, screen}: the peer's camera-and-microphone stream and its shared screen
 *   (each a MediaStream or null) after a track arrived or went.
 * - `connection-state`: {peerId, state, hidden}.
 * - `control-open`: {peerId}; `control`: {peerId, message}: the peer-to-peer control channel (file offers...).
 * - `datachannel`: {peerId, channel}: the peer opened a data channel (a file on its way).
 * - `failure`: {peerId, error}: negotiation with one peer went wrong (the others are unaffected).
 *
 * With `link: "data"` it is the data-only mesh of a meeting through the server (docs/sfu.md, "Files"): no media, and
 * a connection to a peer is made only when something is sent to it (or it offers one); its relayed messages carry
 * `link: "data"` so they never reach the media mesh, nor its messages this one.
 */
export class PeerMesh extends EventTarget {
  /**
   * @param {object} options
   * @param {SignallingClient} options.signalling   already welcomed
   * @param {MediaStream | null} options.localStream  null to receive only
   * @param {string | null} [options.link]  "data": the on-demand, data-only mesh
   * @param {import("./peerlink.js").PreparedConnection | null} [options.early]  made before the welcome
   *   (PeerMesh.prepareEarly): the connection to the first peer we connect to
   */
  constructor({ signalling, localStream, link = null, early = null }) {
    super();
    this.link = link;
    /** Connections made only when a peer is sent something (or offers): the data-only mesh. */
    this.onDemand = link === "data";
    const welcome = signalling.welcome;
    if (!welcome) throw new Error("PeerMesh needs a welcomed SignallingClient.");
    this.signalling = signalling;
    this.localStream = localStream;
    /** @type {MediaStream | null} a screen we share, sent to everyone */
    this.screenStream = null;
    this.iceServers = welcome.ice_servers || [];
    this.iceTransportPolicy = welcome.ice_transport_policy || "all";
    /** @type {Map<string, PeerLink>} */
    this.links = new Map();
    /** Set when the meeting moved through the server: keep the connections there are, make no new ones. */
    this.frozen = false;
    /**
     * A connection made ahead of the next peer who joins, with its offer and candidates ready: the first offer to a
     * newcomer is then sent as soon as it is known (media mesh only). @type {import("./peerlink.js").PreparedConnection | null}
     */
    this.spare = null;
    this.spareTimer = undefined;
    this.closed = false;
    /** Taken by start() if it still fits. @type {import("./peerlink.js").PreparedConnection | null} */
    this.early = early;
    this.listeners = {
      "ice-servers": (/** @type {CustomEvent} */ e) =>
        this.updateIceServers(e.detail.ice_servers, e.detail.ice_transport_policy),
      "peer-joined": (/** @type {CustomEvent} */ e) =>
        this.onDemand ? this.update(e.detail.peer) : this.add(e.detail.peer, false, { offerNow: true }),
      "peer-updated": (/** @type {CustomEvent} */ e) => this.update(e.detail.peer),
      "peer-left": (/** @type {CustomEvent} */ e) => this.remove(e.detail.peer_id, e.detail.reason),
      state: () => this.reconcile(),
      offer: (/** @type {CustomEvent} */ e) => this.ours(e) && this.onDescription(e.detail),
      answer: (/** @type {CustomEvent} */ e) => this.ours(e) && this.onDescription(e.detail),
      candidate: (/** @type {CustomEvent} */ e) => this.ours(e) && this.onCandidate(e.detail),
      "restart-ice": (/** @type {CustomEvent} */ e) => this.ours(e) && this.links.get(e.detail.from)?.pc.restartIce(),
    };
    this.listen();
  }

  /** Whether a relayed message is for this mesh's connections (the media ones, or the data-only ones). */
  ours(/** @type {CustomEvent} */ event) {
    return (event.detail.link ?? null) === this.link;
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
    this.recover();
  }

  /** Negotiate again every connection that is not plainly fine (messages of ours may have been lost). */
  recover() {
    for (const link of this.links.values()) link.recover();
  }

  /** Match the connections to the room state: connect to new peers, drop those who are gone. */
  reconcile() {
    const roster = this.signalling.roster;
    for (const [peerId, link] of [...this.links]) {
      if (!link.hidden && !roster.has(peerId)) this.remove(peerId, "gone");
    }
    for (const peer of roster.values()) {
      if (this.links.has(peer.peer_id)) this.update(peer);
      else if (!this.onDemand) this.add(peer);
    }
  }

  /**
   * Use fresh ICE servers from now on, for new connections and for the ICE restarts of existing ones.
   * @param {RTCIceServer[]} iceServers @param {RTCIceTransportPolicy} iceTransportPolicy
   */
  updateIceServers(iceServers, iceTransportPolicy) {
    this.iceServers = iceServers || [];
    this.iceTransportPolicy = iceTransportPolicy || this.iceTransportPolicy;
    // The spare's candidates came from the old servers (a TURN allocation with old credentials): make it again.
    if (this.spare) this.renewSpare();
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

  /**
   * Make the connection to the first peer a newcomer meets before its welcome, while the token is fetched and the
   * socket opens: its tracks, control channel and (iceCandidatePoolSize) candidates are ready when the first offer
   * comes, instead of being made while it waits (docs/client.md, "A spare connection"). It has no ICE servers yet:
   * the welcome brings them, and the mesh sets them before anything is negotiated.
   * @param {MediaStream | null} localStream @param {MediaStream | null} screenStream
   */
  static prepareEarly(localStream, screenStream) {
    return prepareConnection({ iceServers: [], iceTransportPolicy: "all", onDemand: false, localStream, screenStream }, false);
  }

  /**
   * Take the early connection if it still sends what this mesh sends, with the welcome's ICE servers; else close it.
   * @param {import("./peerlink.js").PreparedConnection} early
   */
  adoptEarly(early) {
    const tracks = this.localStream ? this.localStream.getTracks() : [];
    const sends = (kind) => early.senders.get(kind)?.track ?? null;
    const same = !this.onDemand
      && ["audio", "video"].every((kind) => sends(kind) === (tracks.find((t) => t.kind === kind) ?? null))
      && (early.screenSender?.track ?? null) === (this.screenStream?.getVideoTracks()[0] ?? null);
    try {
      if (!same) throw new Error("The early connection sends other tracks.");
      early.pc.setConfiguration({
        ...early.pc.getConfiguration(),
        iceServers: this.iceServers,
        iceTransportPolicy: this.iceTransportPolicy,
      });
      return early;
    } catch {
      closePrepared(early);
      return null;
    }
  }

  /** Connect to everyone already in the room: as the newcomer, this side is polite towards them. */
  start() {
    if (this.early) this.early = this.adoptEarly(this.early);
    this.reconcile();
    const early = this.early;
    this.early = null;
    // Nobody took it (an empty room): it is the spare already made.
    if (early) this.makeSpare(early);
    else this.renewSpare();
  }

  /** The meeting moved through the server: keep the connections there are, make no new ones. */
  freeze() {
    this.frozen = true;
    this.dropSpare();
  }

  /** Drop the spare connection (if any) and make another after SPARE_DELAY_MS. */
  renewSpare() {
    this.dropSpare();
    if (this.onDemand || this.frozen || this.closed) return;
    this.spareTimer = window.setTimeout(() => this.makeSpare(), SPARE_DELAY_MS);
  }

  /**
   * Make a connection for the next peer who joins, and its offer: its tracks, control channel and transceivers as
   * PeerLink makes them, its setLocalDescription done and its candidates gathered while nobody waits for them.
   */
  makeSpare(made = null) {
    if (this.spare || this.onDemand || this.frozen || this.closed) {
      if (made) closePrepared(made);
      return;
    }
    const spare = made || prepareConnection(this, false);
    spare.gathered = [];
    spare.pc.addEventListener("icecandidate", ({ candidate }) => {
      if (!spare.taken) spare.gathered?.push(candidate);
    });
    spare.offered = spare.pc.setLocalDescription();
    // If it failed, the link that takes it finds out, and makes its offer the usual way.
    spare.offered.then(() => { spare.ready = true; }, () => {});
    this.spare = spare;
  }

  /** Take the spare connection, if there is one, and make the next one later. */
  takeSpare() {
    const spare = this.spare;
    if (!spare) return null;
    this.spare = null;
    this.renewSpare();
    return spare;
  }

  /** Close the spare connection: unused, it must not linger (its sockets, its TURN allocation). */
  dropSpare() {
    window.clearTimeout(this.spareTimer);
    const spare = this.spare;
    this.spare = null;
    if (spare) closePrepared(spare);
  }

  /** @param {Peer} peer */
  politeTowards(peer) {
    const me = this.signalling.me;
    return me ? isPoliteTowards(me, peer) : true;
  }

  /**
   * @param {Peer} peer @param {boolean} [hidden]
   * @param {{offerNow?: boolean}} [options] offerNow: a newcomer joined, so if we offer first, offer now (not when
   *   its own offer made the link: that offer is answered instead)
   */
  add(peer, hidden = false, { offerNow = false } = {}) {
    const existing = this.links.get(peer.peer_id);
    if (existing) {
      this.update(peer);
      return existing;
    }
    if (this.frozen && !hidden && !this.onDemand) return null;
    const polite = hidden || this.politeTowards(peer);
    // We offer first to a newcomer: with the spare, that offer is made already. A newcomer's first link takes the
    // connection made before the welcome.
    let prepared = offerNow && !polite ? this.takeSpare() : null;
    if (!prepared && !hidden && this.early) {
      prepared = this.early;
      this.early = null;
    }
    const link = new PeerLink(this, peer, polite, hidden, prepared);
    this.links.set(peer.peer_id, link);
    const added = () => {
      if (this.links.get(peer.peer_id) === link) this.emit("peer-added", { peerId: peer.peer_id, peer: link.peer, polite, hidden });
    };
    if (offerNow) link.offerNow();
    // The tile and the layout it sets off wait until our first answer is out, or our first offer answered
    // (link.described): the other side waits for our description, and we for its answer, Chromium resolves
    // setLocalDescription on this thread, and page work queued meanwhile holds them back; a newcomer's page would
    // handle the offer after drawing instead of before.
    if (hidden) added();
    else link.described.then(added);
    return link;
  }

  /** The visible peers' links (the recorder's is not one of them). */
  get visibleLinks() {
    return [...this.links.values()].filter((link) => !link.hidden);
  }

  /** Share a screen with everyone, or stop (null). @param {MediaStream | null} stream */
  setScreen(stream) {
    this.screenStream = stream;
    if (this.spare) this.renewSpare(); // its offer has no screen, or the one that stopped
    for (const link of this.links.values()) {
      if (stream) link.addScreen(stream);
      else link.removeScreen();
    }
  }

  /**
   * Send another camera or microphone track to everyone, without renegotiating (a device switched mid-call).
   * @param {MediaStreamTrack} track
   */
  async replaceTrack(track) {
    const spareSender = this.spare?.senders.get(track.kind);
    if (spareSender) spareSender.replaceTrack(track).catch(() => this.renewSpare());
    await Promise.all(
      [...this.links.values()].map(async (link) => {
        const sender = link.senders.get(track.kind);
        try {
          if (sender) await sender.replaceTrack(track);
        } catch (error) {
          this.report(link, error);
        }
      })
    );
  }

  /**
   * Send an app message to one peer over its control channel; return whether it went (or, on demand, will go once
   * the connection it makes now is open).
   * @param {string} peerId @param {object} message
   */
  sendControl(peerId, message) {
    if (this.onDemand) {
      const peer = this.signalling.roster.get(peerId);
      const link = this.links.get(peerId) || (peer ? this.add(peer) : null);
      return link ? link.sendControl(message, true) : false;
    }
    const link = this.links.get(peerId);
    return link ? link.sendControl(message) : false;
  }

  /** The peers a file for everyone goes to: those we are connected to, or on demand, everyone in the room. */
  get recipientIds() {
    if (this.onDemand) return [...this.signalling.roster.keys()].filter((peerId) => peerId !== this.signalling.peerId);
    return this.visibleLinks.map((link) => link.peerId);
  }

  /** Open a data channel to one peer (a file transfer). @param {string} peerId @param {string} label */
  openChannel(peerId, label) {
    const link = this.links.get(peerId);
    if (!link || link.pc.signalingState === "closed") return null;
    return link.pc.createDataChannel(label, { ordered: true });
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
    return this.add(link.peer, link.hidden);
  }

  /**
   * Start over with a peer on a new connection: ours gathered no candidate (PeerLink.checkGathering). The new one
   * offers at once, polite or not, since the other side does not know to; it sees a new connection and answers on
   * a new one of its own, as after a reload.
   * @param {PeerLink} link
   */
  startOver(link) {
    if (this.closed || this.frozen || this.links.get(link.peerId) !== link) return;
    console.warn("connection to", link.peerId, "gathered no ICE candidates: starting over with a new one");
    const fresh = this.replace(link.peerId);
    if (!fresh) return;
    fresh.startOvers = link.startOvers + 1;
    fresh.waitedForFirstOffer = true;
    fresh.offer(); // the negotiationneeded that comes anyway finds the offer under way, and Chromium drops it
  }

  /** @param {string} peerId @param {string} reason */
  remove(peerId, reason) {
    const link = this.links.get(peerId);
    if (!link) return;
    this.links.delete(peerId);
    link.close();
    this.emit("peer-removed", { peerId, peer: link.peer, reason });
  }

  /**
   * Return the link for a message's sender, creating it if its offer outran the room event (or it is hidden).
   * @param {string} from @param {boolean} [hidden]
   */
  linkFor(from, hidden = false) {
    const known = this.links.get(from);
    if (known) return known;
    const peer = this.signalling.roster.get(from) || { peer_id: from, name: "", role: "", joined_at: "\uffff" };
    return this.add(peer, hidden);
  }

  async onDescription({ from, from_hidden: hidden, description }) {
    if (!this.links.has(from) && description.type === "answer") return; // an answer to a connection we closed
    let link = this.linkFor(from, !!hidden);
    if (!link) return; // frozen: this meeting's media goes through the server now
    if (link.isFromNewConnection(description)) link = this.replace(from);
    if (!link) return;
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
    this.closed = true;
    this.dropSpare();
    if (this.early) closePrepared(this.early);
    this.early = null;
    this.unlisten();
    for (const peerId of [...this.links.keys()]) this.remove(peerId, "closed");
  }
}
