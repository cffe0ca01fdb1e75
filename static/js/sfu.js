// Media through the server (docs/protocol.md, "Media through the server"; docs/client.md). No DOM access.
//
// One connection sends our camera and microphone to Confer's media server (video as three simulcast encodings) and
// a screen we share (a second video, one encoding), one connection receives: everyone's audio and shared screens,
// and only the camera videos on screen, each at the layer that fits its tile and what our link carries. The
// browser never talks to the media server: every description and candidate goes through the signalling socket.
// It emits the same events as PeerMesh (peers.js), so the page draws tiles the same way for both routes.

/**
 * @typedef {import("./protocol.js").SignallingClient} SignallingClient
 * @typedef {import("./protocol.js").Peer} Peer
 */

import { withStartBitrate } from "./sdp.js";
import { START_BITRATE_KBPS } from "./peerlink.js";
import { watchReceiving } from "./congestion.js";
import { SCREEN_ENCODING, SIMULCAST_ENCODINGS, TOP_LAYER, layerForTile } from "./simulcast.js";

const SUBSCRIPTION = "main";

/**
 * Return what to subscribe to: everyone's audio and shared screen, and the camera video of those on screen. The
 * server keeps the subscription so as people start and stop publishing (or sharing), so this changes only with the
 * roster and the tiles on screen.
 * @param {Iterable<string>} peerIds  everyone in the room but us
 * @param {Set<string> | null} visible  peer ids on screen; null: all
 */
export function wantedStreams(peerIds, visible) {
  const streams = [];
  for (const feed of [...peerIds].sort()) {
    streams.push({ feed, kind: "audio" });
    if (!visible || visible.has(feed)) streams.push({ feed, kind: "video" });
    streams.push({ feed, kind: "screen" });
  }
  return streams;
}

/**
 * Events (CustomEvent, payload in `detail`): `peer-added`, `peer-updated`, `peer-removed`, `media`,
 * `connection-state`, `failure` as PeerMesh's; and `speaker`: {peerId, other} from the media server's audio
 * levels (peerId: who speaks, "" for us, null for nobody; other: which of the others speaks, or null);
 * `flowing`: {peerId} when a peer's video first plays through the server;
 * `congestion`: {cap, limited} when the receiving connection is first measured and whenever the highest layer it
 * carries changes (`limited`: some tile gets less than its size asks for).
 */
export class SfuClient extends EventTarget {
  /**
   * @param {object} options
   * @param {SignallingClient} options.signalling  already welcomed
   * @param {MediaStream | null} options.localStream
   */
  constructor({ signalling, localStream }) {
    super();
    this.signalling = signalling;
    this.localStream = localStream;
    this.iceServers = signalling.welcome.ice_servers || [];
    this.iceTransportPolicy = signalling.welcome.ice_transport_policy || "all";
    /** @type {RTCPeerConnection | null} */
    this.publisher = null;
    /** @type {RTCPeerConnection | null} */
    this.subscriber = null;
    /** @type {Map<string, RTCRtpSender>} our senders by kind */
    this.senders = new Map();
    /** @type {MediaStream | null} a screen we share */
    this.screenStream = null;
    /** @type {RTCRtpTransceiver | null} the publisher's screen section, once made (kept, inactive, after a share) */
    this.screenTransceiver = null;
    /** An offer of ours waits for its answer, and the publication changed meanwhile: offer again after it. */
    this.renegotiate = false;
    /** @type {Map<string, {mid: string, type: string}[]>} who publishes what, by peer id */
    this.feeds = new Map();
    /** @type {Map<string, {feed: string, type: string, screen: boolean}>} the subscription's mids */
    this.mids = new Map();
    /** @type {Map<string, MediaStream>} a stream per remote peer, holding its audio and video */
    this.streams = new Map();
    /** @type {Map<string, MediaStream>} a stream per remote peer that shares its screen */
    this.screens = new Map();
    /** @type {Map<string, Peer>} the peers we show, by peer id */
    this.peers = new Map();
    /** @type {Set<string> | null} peers whose video is on screen; null until the page says */
    this.visible = null;
    /** @type {Map<string, {width: number, height: number}>} */
    this.tileSizes = new Map();
    /** @type {Map<string, number>} the layer asked for, by subscription mid */
    this.layers = new Map();
    /** @type {import("./congestion.js").ReceivingWatch | null} caps the layers asked for while our link congests */
    this.congestion = null;
    this.lastWanted = "";
    this.connected = false; // no subscription is asked for before connect()
    this.closed = false;
    this.listeners = {
      "peer-joined": (/** @type {CustomEvent} */ e) => this.addPeer(e.detail.peer),
      "peer-updated": (/** @type {CustomEvent} */ e) => this.updatePeer(e.detail.peer),
      "peer-left": (/** @type {CustomEvent} */ e) => this.removePeer(e.detail.peer_id, e.detail.reason),
      state: () => this.reconcile(),
      "ice-servers": (/** @type {CustomEvent} */ e) => {
        this.iceServers = e.detail.ice_servers || [];
        this.iceTransportPolicy = e.detail.ice_transport_policy || this.iceTransportPolicy;
      },
      "sfu-answer": (/** @type {CustomEvent} */ e) => this.onAnswer(e.detail),
      "sfu-offer": (/** @type {CustomEvent} */ e) => this.onOffer(e.detail),
      "sfu-feeds": (/** @type {CustomEvent} */ e) => this.onFeeds(e.detail.feeds),
      "sfu-talking": (/** @type {CustomEvent} */ e) => this.onTalking(e.detail),
      "sfu-reset": () => this.restart(),
    };
    this.talking = new Set();
  }

  listen() {
    for (const [type, listener] of Object.entries(this.listeners)) this.signalling.addEventListener(type, listener);
  }

  unlisten() {
    for (const [type, listener] of Object.entries(this.listeners)) this.signalling.removeEventListener(type, listener);
  }

  /** Start: show everyone in the room, publish if we send anything, subscribe. */
  start() {
    this.listen();
    this.reconcile();
    this.connect();
  }

  /**
   * Carry on over a new signalling client that resumed our seat. When the server kept our media (`mediaKept`:
   * welcome's `media_kept`), our connections to the media server carry on and only their signalling moves to the
   * new socket: the server sends who publishes now and any offer we have not answered. Otherwise it dropped our
   * media with the old socket, so start over.
   * @param {SignallingClient} signalling @param {boolean} [mediaKept]
   */
  rebind(signalling, mediaKept = false) {
    this.unlisten();
    this.signalling = signalling;
    if (mediaKept) this.resumeSignalling();
    else this.restart();
    this.listen();
    this.reconcile();
  }

  /** Our media was kept: send again what the old socket may have lost, and ask for what we want now. */
  resumeSignalling() {
    const pc = this.publisher;
    if (pc && pc.signalingState === "have-local-offer") {
      // Its answer (or the offer itself) went with the old socket: offer again over the new one.
      pc.setLocalDescription({ type: "rollback" })
        .then(() => this.offer())
        .catch((error) => this.emit("failure", { peerId: "", error }));
    } else if (pc && this.renegotiate) {
      void this.offer();
    }
    this.updateSubscription(true);
  }

  connect() {
    const tracks = this.localStream ? this.localStream.getTracks() : [];
    // Subscribe first: the server joins the media server's room for it and answers with an offer at once.
    this.lastWanted = "";
    this.connected = true;
    this.updateSubscription(true);
    if (this.signalling.can("publish") && (tracks.length || this.screenStream)) this.publish();
  }

  /** The media server was replaced (or our seat resumed): drop both connections and do it all again. */
  restart() {
    this.closeConnections();
    this.feeds = new Map();
    if (!this.closed) this.connect();
  }

  newConnection() {
    return new RTCPeerConnection({ iceServers: this.iceServers, iceTransportPolicy: this.iceTransportPolicy });
  }

  async publish() {
    const pc = this.newConnection();
    this.publisher = pc;
    const stream = this.localStream;
    const audio = stream ? stream.getAudioTracks()[0] : null;
    const video = stream ? stream.getVideoTracks()[0] : null;
    // Both kinds always, so a device switched on later is a replaceTrack, not a renegotiation.
    this.senders.set("audio", pc.addTransceiver(audio || "audio", {
      direction: "sendonly", streams: stream ? [stream] : [],
    }).sender);
    this.senders.set("video", pc.addTransceiver(video || "video", {
      direction: "sendonly", streams: stream ? [stream] : [], sendEncodings: SIMULCAST_ENCODINGS.map((e) => ({ ...e })),
    }).sender);
    if (this.screenStream) this.addScreenSection(pc, this.screenStream);
    pc.addEventListener("icecandidate", ({ candidate }) => {
      if (candidate && !candidate.candidate) return;
      this.signalling.sfuCandidate("publish", candidate ? candidate.toJSON() : null);
    });
    pc.addEventListener("connectionstatechange", () => this.emit("publisher-state", { state: pc.connectionState }));
    await this.offer();
  }

  /** Offer our publication to the server (again): the screen's section is named, so the server knows it. */
  async offer() {
    const pc = this.publisher;
    if (!pc) return;
    if (pc.signalingState !== "stable") {
      this.renegotiate = true;
      return;
    }
    this.renegotiate = false;
    try {
      await pc.setLocalDescription(await pc.createOffer());
      this.signalling.sfuPublish(pc.localDescription, this.screenTransceiver?.mid ?? null);
    } catch (error) {
      this.emit("failure", { peerId: "", error });
    }
  }

  /**
   * Add the publisher's screen section: one encoding, and a hint that keeps text sharp over motion.
   * @param {RTCPeerConnection} pc @param {MediaStream} stream
   */
  addScreenSection(pc, stream) {
    const track = stream.getVideoTracks()[0];
    if (!track) return;
    if ("contentHint" in track) track.contentHint = "detail";
    this.screenTransceiver = pc.addTransceiver(track, {
      direction: "sendonly", streams: [stream], sendEncodings: [{ ...SCREEN_ENCODING }],
    });
  }

  async onAnswer({ description }) {
    if (!this.publisher || this.publisher.signalingState !== "have-local-offer") return;
    try {
      // As in the mesh (peerlink.js): Chromium takes its start bitrate from the remote description.
      await this.publisher.setRemoteDescription({ type: description.type, sdp: withStartBitrate(description.sdp, START_BITRATE_KBPS) });
    } catch (error) {
      this.emit("failure", { peerId: "", error });
    }
    if (this.renegotiate) await this.offer();
  }

  /** Who publishes what (for the page to know; the server follows it for our subscription itself). @param {{peer_id: string, streams: {mid: string, type: string}[]}[]} feeds */
  onFeeds(feeds) {
    this.feeds = new Map(feeds.map((feed) => [feed.peer_id, feed.streams]));
  }

  /** Ask for the streams we want now, if that changed (or always, with `force`). */
  updateSubscription(force = false) {
    if (this.closed || !this.connected) return;
    const streams = wantedStreams(this.peers.keys(), this.visible);
    const key = JSON.stringify(streams);
    if (key === this.lastWanted && !force) return;
    this.lastWanted = key;
    this.signalling.sfuSubscribe(SUBSCRIPTION, streams);
  }

  async onOffer({ subscription, description, streams }) {
    if (subscription !== SUBSCRIPTION) return;
    const mids = new Map(streams.map((s) => [s.mid, { feed: s.feed, type: s.type, screen: !!s.screen }]));
    // A mid that now carries another feed starts over at the smallest layer on the server.
    for (const [mid, entry] of mids) if (this.mids.get(mid)?.feed !== entry.feed) this.layers.delete(mid);
    this.mids = mids;
    if (!this.subscriber) {
      const pc = this.newConnection();
      this.subscriber = pc;
      pc.addEventListener("track", ({ track, transceiver }) => this.onTrack(track, transceiver));
      pc.addEventListener("icecandidate", ({ candidate }) => {
        if (candidate && !candidate.candidate) return;
        this.signalling.sfuCandidate(SUBSCRIPTION, candidate ? candidate.toJSON() : null);
      });
      pc.addEventListener("connectionstatechange", () => {
        for (const peerId of this.peers.keys()) this.emit("connection-state", { peerId, state: pc.connectionState, hidden: false });
      });
      this.watchCongestion(pc);
    }
    const pc = this.subscriber;
    try {
      await pc.setRemoteDescription(description);
      await pc.setLocalDescription(await pc.createAnswer());
      this.signalling.sfuAnswer(SUBSCRIPTION, pc.localDescription);
    } catch (error) {
      this.emit("failure", { peerId: "", error });
      return;
    }
    for (const mid of this.mids.keys()) if (!this.layers.has(mid)) this.layers.set(mid, 0); // the server starts there
    this.sortTracks();
    this.applyLayers();
  }

  /** @param {MediaStreamTrack} track @param {RTCRtpTransceiver} transceiver */
  onTrack(track, transceiver) {
    track.addEventListener("unmute", () => this.sortTracks());
    this.sortTracks();
    void transceiver;
  }

  /** Put each received track in its peer's stream (camera or screen), as the subscription's mids say, and tell the page. */
  sortTracks() {
    if (!this.subscriber) return;
    const cameras = new Map();
    const screens = new Map();
    for (const transceiver of this.subscriber.getTransceivers()) {
      const entry = transceiver.mid !== null ? this.mids.get(transceiver.mid) : undefined;
      const track = transceiver.receiver.track;
      if (!entry || !track || transceiver.currentDirection === "inactive") continue;
      const wanted = entry.screen ? screens : cameras;
      if (!wanted.has(entry.feed)) wanted.set(entry.feed, []);
      wanted.get(entry.feed).push(track);
    }
    const changed = new Set([...this.sortInto(this.streams, cameras), ...this.sortInto(this.screens, screens)]);
    for (const peerId of changed) this.emitMedia(peerId);
  }

  /**
   * Make `streams` hold exactly the wanted tracks per peer; return the peers whose stream changed.
   * @param {Map<string, MediaStream>} streams @param {Map<string, MediaStreamTrack[]>} wanted
   */
  sortInto(streams, wanted) {
    const touched = [];
    for (const [peerId, tracks] of wanted) {
      let stream = streams.get(peerId);
      let changed = false;
      if (!stream) {
        stream = new MediaStream();
        streams.set(peerId, stream);
        changed = true;
      }
      for (const track of stream.getTracks()) {
        if (!tracks.includes(track)) {
          stream.removeTrack(track);
          changed = true;
        }
      }
      for (const track of tracks) {
        if (!stream.getTracks().includes(track)) {
          stream.addTrack(track);
          changed = true;
        }
      }
      if (changed) touched.push(peerId);
    }
    for (const [peerId, stream] of streams) {
      if (!wanted.has(peerId) && stream.getTracks().length) {
        for (const track of stream.getTracks()) stream.removeTrack(track);
        touched.push(peerId);
      }
    }
    return touched;
  }

  /** @param {string} peerId */
  emitMedia(peerId) {
    const peer = this.peers.get(peerId);
    if (!peer) return;
    const stream = this.streams.get(peerId) || null;
    const screen = this.screens.get(peerId) || null;
    this.emit("media", { peerId, peer, hidden: false, camera: stream && stream.getTracks().length ? stream : null,
      screen: screen && screen.getVideoTracks().length ? screen : null });
  }

  /**
   * The page's layout changed: which peers' videos are on screen (null: all) and how big their tiles are.
   * @param {Set<string> | null} visible @param {Map<string, {width: number, height: number}>} [sizes]
   */
  setLayout(visible, sizes) {
    this.visible = visible;
    if (sizes) this.tileSizes = sizes;
    this.updateSubscription();
    this.applyLayers();
  }

  /** Return the layer each received camera video's tile asks for, by subscription mid. */
  tileLayers() {
    const ratio = typeof window !== "undefined" ? window.devicePixelRatio || 1 : 1;
    const layers = new Map();
    for (const [mid, { feed, type, screen }] of this.mids) {
      if (type !== "video" || screen) continue; // a screen has one layer
      layers.set(mid, layerForTile(this.tileSizes.get(feed), ratio));
    }
    return layers;
  }

  /** Ask for each received video's layer: its tile's size, under what our link carries now. */
  applyLayers() {
    const cap = this.congestion ? this.congestion.monitor.cap : TOP_LAYER;
    for (const [mid, tileLayer] of this.tileLayers()) {
      const layer = Math.min(tileLayer, cap);
      if (this.layers.get(mid) === layer) continue;
      this.layers.set(mid, layer);
      this.signalling.sfuQuality(SUBSCRIPTION, mid, layer);
    }
  }

  /** Cap the layers we ask for while the receiving connection congests (congestion.js). @param {RTCPeerConnection} pc */
  watchCongestion(pc) {
    this.stopWatchingCongestion();
    const watch = watchReceiving(pc, {
      tileLayers: () => this.tileLayers(),
      onCap: (cap, limited) => {
        if (this.congestion !== watch) return;
        this.applyLayers();
        this.emit("congestion", { cap, limited });
      },
    });
    this.congestion = watch;
  }

  stopWatchingCongestion() {
    if (this.congestion) this.congestion.stop();
    this.congestion = null;
  }

  /** @param {{peer_id: string, talking: boolean}} detail */
  onTalking({ peer_id: peerId, talking }) {
    if (talking) this.talking.add(peerId);
    else this.talking.delete(peerId);
    const me = this.signalling.peerId;
    const speaker = talking ? peerId : [...this.talking].pop() ?? null;
    // The speaker view's stage shows the others: while we talk over someone, it is them.
    const others = [...this.talking].filter((id) => id !== me);
    const other = talking && peerId !== me ? peerId : others.pop() ?? null;
    this.emit("speaker", { peerId: speaker === me ? "" : speaker, other });
  }

  // The roster, as PeerMesh shows it.

  reconcile() {
    const roster = this.signalling.roster;
    for (const peerId of [...this.peers.keys()]) if (!roster.has(peerId)) this.removePeer(peerId, "gone");
    for (const peer of roster.values()) {
      if (this.peers.has(peer.peer_id)) this.updatePeer(peer);
      else this.addPeer(peer);
    }
  }

  /** @param {Peer} peer */
  addPeer(peer) {
    if (this.peers.has(peer.peer_id)) return this.updatePeer(peer);
    this.peers.set(peer.peer_id, peer);
    this.emit("peer-added", { peerId: peer.peer_id, peer, polite: true, hidden: false });
    if (this.streams.has(peer.peer_id)) this.emitMedia(peer.peer_id);
    this.updateSubscription();
  }

  /** @param {Peer} peer */
  updatePeer(peer) {
    if (!this.peers.has(peer.peer_id)) return;
    this.peers.set(peer.peer_id, peer);
    this.emit("peer-updated", { peerId: peer.peer_id, peer });
  }

  removePeer(peerId, reason) {
    const peer = this.peers.get(peerId);
    if (!peer) return;
    this.peers.delete(peerId);
    this.streams.delete(peerId);
    this.screens.delete(peerId);
    this.emit("peer-removed", { peerId, peer, reason });
    this.updateSubscription();
  }

  // What the controls ask of a media route (PeerMesh has the same).

  /** @param {MediaStreamTrack} track */
  async replaceTrack(track) {
    const sender = this.senders.get(track.kind);
    if (sender) await sender.replaceTrack(track);
  }

  /**
   * Share a screen through the server, or stop (null): the publisher's screen section gets the track (made the
   * first time) or goes inactive, and the server hears the new offer. A viewer publishes nothing.
   * @param {MediaStream | null} stream
   */
  setScreen(stream) {
    this.screenStream = stream;
    if (this.closed || !this.connected || !this.signalling.can("publish")) return;
    const pc = this.publisher;
    if (!pc) {
      if (stream) this.publish();
      return;
    }
    const transceiver = this.screenTransceiver;
    const track = stream ? stream.getVideoTracks()[0] || null : null;
    if (!transceiver) {
      if (!stream) return;
      this.addScreenSection(pc, stream);
    } else {
      if (track && "contentHint" in track) track.contentHint = "detail";
      transceiver.sender.replaceTrack(track).catch((error) => this.emit("failure", { peerId: "", error }));
      if (stream) transceiver.sender.setStreams(stream);
      transceiver.direction = track ? "sendonly" : "inactive";
    }
    this.offer();
  }

  get visibleLinks() {
    return [];
  }

  sendControl() {
    return false;
  }

  openChannel() {
    return null;
  }

  /** Return our outbound and the inbound RTP stats (tests and the quality monitor). */
  async stats() {
    const read = async (/** @type {RTCPeerConnection | null} */ pc) => (pc ? [...(await pc.getStats()).values()] : []);
    return { publisher: await read(this.publisher), subscriber: await read(this.subscriber) };
  }

  /** @param {string} type @param {any} detail */
  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  closeConnections() {
    for (const pc of [this.publisher, this.subscriber]) if (pc) pc.close();
    this.publisher = null;
    this.subscriber = null;
    this.senders = new Map();
    this.screenTransceiver = null;
    this.renegotiate = false;
    this.mids = new Map();
    this.layers = new Map();
    this.stopWatchingCongestion();
    for (const peerId of new Set([...this.streams.keys(), ...this.screens.keys()])) {
      this.streams.delete(peerId);
      this.screens.delete(peerId);
      this.emitMedia(peerId);
    }
  }

  /** Stop: close both connections and stop listening. Peers are not announced as removed: the page decides. */
  close() {
    this.closed = true;
    this.unlisten();
    this.closeConnections();
  }
}
