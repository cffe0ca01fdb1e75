// The signalling protocol of docs/protocol.md, as a client. No DOM access: the UI listens to its events.

import { gettext_noop } from "./i18n.js";
import { CLOSE_CODES, PROTOCOL_VERSIONS, ROLES, SEQUENCED_EVENTS } from "./contract.js";

export { PROTOCOL_VERSIONS };

/**
 * @typedef {"no" | "later" | "new-token" | "retry" | "password"} ReconnectAdvice
 *   no: stay away; later: the room may let you in later (a person decides);
 *   new-token: connect again at once with a fresh token;
 *   retry: the connection dropped: back off, then join again with a fresh token and `resume`;
 *   password: join again with a (different) room password.
 */

/**
 * @typedef {object} CloseInfo
 * @property {number} code
 * @property {string} name      the close code's name in docs/protocol.md
 * @property {ReconnectAdvice} reconnect
 * @property {boolean} seatGone  the seat is gone for good: a saved resume ticket is useless
 * @property {boolean} rejoin    whether an end screen may offer to join again by hand
 * @property {string} title     what to tell a person, as a heading (in English: the UI translates)
 * @property {string} text      and in a sentence
 */

/**
 * Return what a close code means (contract.js); codes outside the table (1001, 1006...) mean the connection dropped.
 * @param {number} code
 * @returns {CloseInfo}
 */
export function describeClose(code) {
  const known = CLOSE_CODES[code];
  if (known) return { code, ...known };
  return {
    code, name: "connection-lost", reconnect: "retry", seatGone: false, rejoin: true,
    title: gettext_noop("Connection lost"), text: gettext_noop("Connection lost."),
  };
}

/**
 * @typedef {object} Presence
 * @property {boolean} [audio]
 * @property {boolean} [video]
 * @property {boolean} [screen]
 * @property {boolean} [hand]
 */

/**
 * @typedef {object} Peer
 * @property {string} peer_id
 * @property {string} name
 * @property {string} role
 * @property {string} joined_at
 * @property {boolean} [audio]
 * @property {boolean} [video]
 * @property {boolean} [screen]
 * @property {boolean} [hand]
 * @property {string | null} [hand_raised_at]  when the hand went up: the raised hands' queue order
 * @property {boolean} [connected]  false while its socket is away (it may resume)
 */

/**
 * @typedef {object} RoomState
 * @property {number} seq
 * @property {object} room
 * @property {Peer[]} peers       everyone, this client included, oldest first
 * @property {number} lobby_count
 * @property {object[]} [lobby]
 * @property {object[]} chat
 */

/** @param {Peer[]} peers */
function sortPeers(peers) {
  const key = (/** @type {Peer} */ peer) => [peer.joined_at, peer.peer_id];
  return [...peers].sort((a, b) => {
    const [ka, kb] = [key(a), key(b)];
    return ka[0] < kb[0] ? -1 : ka[0] > kb[0] ? 1 : ka[1] < kb[1] ? -1 : ka[1] > kb[1] ? 1 : 0;
  });
}

/**
 * Return the state after one sequenced room event, as signalling/state.py does; old events change nothing.
 * @param {RoomState} state @param {any} event @param {number} [chatHistory]
 * @returns {RoomState}
 */
export function applyRoomEvent(state, event, chatHistory = 50) {
  if (event.seq === undefined || event.seq === null || event.seq <= state.seq) return state;
  const next = structuredClone(state);
  next.seq = event.seq;
  switch (event.type) {
    case "peer-joined":
    case "peer-updated":
      next.peers = sortPeers([...next.peers.filter((p) => p.peer_id !== event.peer.peer_id), event.peer]);
      break;
    case "peer-left":
      next.peers = next.peers.filter((p) => p.peer_id !== event.peer_id);
      break;
    case "room-updated":
      next.room = { ...next.room, ...event.room };
      break;
    case "chat":
      next.chat = chatHistory ? [...next.chat, event.message].slice(-chatHistory) : [];
      break;
    case "lobby-updated":
      next.lobby_count = event.lobby_count;
      if ("lobby" in event) next.lobby = event.lobby;
      break;
  }
  return next;
}

/**
 * Return whether `me` is the polite side towards `other`: the one who joined later is, as the newcomer is.
 * Both sides compute the same answer from the roster, also after a resume.
 * @param {Peer} me @param {Peer} other
 */
export function isPoliteTowards(me, other) {
  if (me.joined_at !== other.joined_at) return me.joined_at > other.joined_at;
  return me.peer_id > other.peer_id;
}

/**
 * @typedef {object} Welcome
 * @property {"welcome"} type
 * @property {number} version
 * @property {string} peer_id
 * @property {{slug: string, name: string, max_participants: number, is_locked: boolean}} room
 * @property {Peer & {permissions: string[]}} you
 * @property {Peer[]} roster
 * @property {RoomState} state
 * @property {string} resume_secret   keep it (sessionStorage) to take the seat back after a drop
 * @property {boolean} resumed        true when this join took an earlier seat back (same peer_id)
 * @property {boolean} [media_kept]   true when the server kept our media through the server across the drop
 * @property {RTCIceServer[]} ice_servers
 * @property {RTCIceTransportPolicy} ice_transport_policy
 * @property {string | null} [ice_servers_expire_at]  ISO 8601; ask for fresh servers before then
 */

/**
 * @typedef {object} IceServers
 * @property {RTCIceServer[]} ice_servers
 * @property {RTCIceTransportPolicy} ice_transport_policy
 * @property {string | null} ice_servers_expire_at
 */

/**
 * A candidate on the wire: snake_case, or null for the end of candidates.
 * @typedef {{candidate: string, sdp_mid: string | null, sdp_mline_index: number | null} | null} WireCandidate
 */

/** The `link` field of a relayed message: none for the media connection. @param {string | null} link */
function linked(link) {
  return link ? { link } : {};
}

/**
 * Return the wire form of an ICE candidate (RTCIceCandidate or its init dictionary); null stays null.
 * @param {RTCIceCandidateInit | null | undefined} candidate
 * @returns {WireCandidate}
 */
export function candidateToWire(candidate) {
  if (!candidate) return null;
  return {
    candidate: candidate.candidate ?? "",
    sdp_mid: candidate.sdpMid ?? null,
    sdp_mline_index: candidate.sdpMLineIndex ?? null,
  };
}

/**
 * Return the RTCIceCandidateInit for a wire candidate, or null for the end of candidates.
 * @param {WireCandidate} wire
 * @returns {RTCIceCandidateInit | null}
 */
export function candidateFromWire(wire) {
  if (!wire) return null;
  return { candidate: wire.candidate, sdpMid: wire.sdp_mid, sdpMLineIndex: wire.sdp_mline_index };
}

/**
 * @typedef {object} JoinOptions
 * @property {Presence} [state]                       presence to start with
 * @property {string | null} [password]              the room password, if it has one
 * @property {{peer_id: string, secret: string, keep_media?: boolean} | null} [resume]  an earlier seat to take
 *   back; `keep_media`: this page's connections to the media server live on, keep them
 */

/**
 * One participant's signalling socket.
 *
 * Events (CustomEvent, payload in `detail`):
 * - `lobby`: {peer_id, resume_secret, room}: the room makes newcomers wait; `welcome` follows if admitted.
 * - `welcome`: the Welcome message (also after waiting in the lobby).
 * - `peer-joined`: {peer}; `peer-left`: {peer_id, reason}; `peer-updated`: {peer}; `room-updated`: {room};
 *   `chat`: {message}; `lobby-updated`: {lobby_count, lobby?}: room events, already applied to `state`.
 * - `state`: {state}: the state was replaced after a gap in the events (resync); reconcile with it.
 * - `offer`, `answer`: {from, description}; `candidate`: {from, candidate: RTCIceCandidateInit | null};
 *   `restart-ice`: {from}. Each with `link`: "data" for the data-only connection (datalinks.js), else absent.
 * - `mute`, `unmute-request`: {kind, by}: a moderator asks this client to turn a source off, or on.
 * - `reaction`: {from, emoji}: someone (this client included) reacted.
 * - `ice-servers`: fresh IceServers, the answer to requestIceServers().
 * - `error`: the server's error message ({code, message, fatal, in_reply_to}).
 * - `pong`: {}.
 * - `sfu-answer`, `sfu-offer`, `sfu-feeds`, `sfu-talking`, `sfu-reset`: media through the server (docs/protocol.md,
 *   "Media through the server"), the message itself without its type.
 * - `close`: CloseInfo and {left, serverError}: `left` is true after leave() or close().
 */
export class SignallingClient extends EventTarget {
  /**
   * @param {object} options
   * @param {string} options.url        the websocket_url the token endpoint returned
   * @param {string} options.token      the room token
   * @param {typeof WebSocket} [options.WebSocketImpl]
   */
  constructor({ url, token, WebSocketImpl = WebSocket }) {
    super();
    this.url = url;
    this.token = token;
    this.WebSocketImpl = WebSocketImpl;
    /** @type {WebSocket | null} */
    this.socket = null;
    /** @type {Welcome | null} */
    this.welcome = null;
    /** @type {RoomState | null} */
    this.state = null;
    this.resyncing = false;
    this.left = false;
    this.closed = false;
    /** The fatal error the server sent before closing, if any. */
    this.lastFatalError = null;
  }

  /** @returns {string | null} */
  get peerId() {
    return this.welcome ? this.welcome.peer_id : null;
  }

  /** This client's own entry in the room state. @returns {Peer | null} */
  get me() {
    if (!this.state) return null;
    return this.state.peers.find((peer) => peer.peer_id === this.peerId) || null;
  }

  /** The other visible peers, by peer id. @returns {Map<string, Peer>} */
  get roster() {
    const peers = this.state ? this.state.peers.filter((peer) => peer.peer_id !== this.peerId) : [];
    return new Map(peers.map((peer) => [peer.peer_id, peer]));
  }

  /**
   * Open the socket and join; resolve with the welcome (after the lobby, if the room has one),
   * or reject with the close info if the socket closes first.
   * @param {JoinOptions} [options]
   * @returns {Promise<Welcome>}
   */
  connect({ state = {}, password = null, resume = null } = {}) {
    return new Promise((resolve, reject) => {
      const socket = new this.WebSocketImpl(this.url);
      this.socket = socket;
      socket.addEventListener("open", () => {
        this.send({ type: "join", token: this.token, versions: PROTOCOL_VERSIONS, state, password, resume });
      });
      socket.addEventListener("message", (event) => {
        const message = this.decode(event.data);
        if (!message) return;
        if (message.type === "welcome") {
          this.welcome = /** @type {Welcome} */ (message);
          this.state = message.state;
          resolve(this.welcome);
        }
        this.dispatch(message);
      });
      socket.addEventListener("close", (event) => {
        this.closed = true;
        const info = { ...describeClose(event.code), left: this.left, serverError: this.lastFatalError };
        if (!this.welcome) reject(Object.assign(new Error(info.text), info));
        this.emit("close", info);
      });
    });
  }

  /** @param {unknown} data */
  decode(data) {
    if (typeof data !== "string") return null;
    try {
      const message = JSON.parse(data);
      return message && typeof message.type === "string" ? message : null;
    } catch {
      return null;
    }
  }

  /** @param {any} message */
  dispatch(message) {
    const { type, ...detail } = message;
    if (SEQUENCED_EVENTS.includes(type) && message.seq !== undefined && message.seq !== null) {
      this.applyEvent(message);
      return;
    }
    switch (type) {
      case "welcome":
        this.emit("welcome", message);
        break;
      case "state":
        this.state = message.state;
        this.resyncing = false;
        this.emit("state", { state: this.state });
        break;
      case "candidate":
        this.emit("candidate", { from: message.from, link: message.link ?? null, candidate: candidateFromWire(message.candidate) });
        break;
      case "ice-servers":
        this.emit("ice-servers", {
          ice_servers: message.ice_servers,
          ice_transport_policy: message.ice_transport_policy,
          ice_servers_expire_at: message.ice_servers_expire_at ?? null,
        });
        break;
      case "error":
        if (message.fatal) this.lastFatalError = message;
        this.emit("error", message);
        break;
      case "lobby":
      case "offer":
      case "answer":
      case "restart-ice":
      case "mute":
      case "unmute-request":
      case "reaction": // {from, emoji}: to everyone at once, not part of the room state
      case "chat": // a private message: no seq, not part of the room state
      case "pong":
      case "sfu-answer":
      case "sfu-offer":
      case "sfu-feeds":
      case "sfu-talking":
      case "sfu-reset":
        this.emit(type, detail);
        break;
      default:
        // Unknown types from a newer server are ignored, as unknown fields are.
        break;
    }
  }

  /** Apply a sequenced room event in order; on a gap, ask for the whole state again. @param {any} event */
  applyEvent(event) {
    if (!this.state || this.resyncing || event.seq <= this.state.seq) return;
    if (event.seq > this.state.seq + 1) {
      this.resyncing = true;
      this.send({ type: "resync" });
      return;
    }
    this.state = applyRoomEvent(this.state, event);
    const { type, seq, ...detail } = event;
    this.emit(type, detail);
  }

  /** @param {string} type @param {any} detail */
  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  /** Send one message if the socket is open; return whether it was sent. @param {object} message */
  send(message) {
    if (!this.socket || this.socket.readyState !== this.WebSocketImpl.OPEN) return false;
    this.socket.send(JSON.stringify(message));
    return true;
  }

  /**
   * @param {string} to @param {RTCSessionDescriptionInit} description
   * @param {string | null} [link]  "data" for the data-only connection of a meeting through the server
   */
  sendOffer(to, description, link = null) {
    return this.send({ type: "offer", to, ...linked(link), description: { type: description.type, sdp: description.sdp } });
  }

  /** @param {string} to @param {RTCSessionDescriptionInit} description @param {string | null} [link] */
  sendAnswer(to, description, link = null) {
    return this.send({ type: "answer", to, ...linked(link), description: { type: description.type, sdp: description.sdp } });
  }

  /**
   * Send a candidate, or null for the end of candidates.
   * @param {string} to @param {RTCIceCandidateInit | null} candidate @param {string | null} [link]
   */
  sendCandidate(to, candidate, link = null) {
    return this.send({ type: "candidate", to, ...linked(link), candidate: candidateToWire(candidate) });
  }

  /** Ask a peer to restart ICE on its connection to us. @param {string} to @param {string | null} [link] */
  sendRestartIce(to, link = null) {
    return this.send({ type: "restart-ice", to, ...linked(link) });
  }

  /** Tell the room what this client now sends (or that its hand is up). @param {Presence} presence */
  sendPresence(presence) {
    return this.send({ type: "state", ...presence });
  }

  /** Ask for fresh ICE servers (new TURN credentials); the answer comes as an `ice-servers` event. */
  requestIceServers() {
    return this.send({ type: "ice-servers" });
  }

  ping() {
    return this.send({ type: "ping" });
  }

  /** Send a chat message to the room, or privately to one peer. @param {string} text @param {string | null} [to] */
  sendChat(text, to = null) {
    return this.send(to ? { type: "chat", text, to } : { type: "chat", text });
  }

  /** Send a reaction to everyone in the room (one of REACTIONS in contract.js). @param {string} emoji */
  sendReaction(emoji) {
    return this.send({ type: "reaction", emoji });
  }

  /**
   * Send a moderation message (docs/protocol.md, "Moderation"); the server refuses it with `not-allowed`
   * unless this peer may moderate.
   * @param {"remove" | "mute" | "ask-unmute" | "lock" | "unlock" | "end-meeting" | "set-role" | "admit" | "deny" |
   *         "start-recording" | "stop-recording" | "mute-everyone"} type
   * @param {{peer_id?: string, kind?: "audio" | "video" | "screen", role?: "moderator" | "participant"}} [fields]
   */
  moderate(type, fields = {}) {
    return this.send({ type, ...fields });
  }

  /** Return whether this peer's current role allows an action ("moderate", "publish", "chat"...). @param {string} permission */
  can(permission) {
    const role = (this.me && this.me.role) || (this.welcome && this.welcome.you.role);
    if (role && ROLES[role]) return ROLES[role].permissions.includes(permission);
    const you = this.welcome ? this.welcome.you : null;
    return !!you && Array.isArray(you.permissions) && you.permissions.includes(permission);
  }

  // Media through the server (sfu.js drives these).

  /**
   * Publish our media to the server, or renegotiate it.
   * @param {RTCSessionDescriptionInit} description @param {string | null} [screen]  the mid of our shared screen
   */
  sfuPublish(description, screen = null) {
    const message = { type: "sfu-publish", description: { type: description.type, sdp: description.sdp } };
    return this.send(screen === null ? message : { ...message, screen });
  }

  sfuUnpublish() {
    return this.send({ type: "sfu-unpublish" });
  }

  /**
   * Make a subscription carry exactly these streams: a publisher's (its peer id) stream by mid, or all its streams
   * of a kind, now and as it publishes.
   * @param {string} subscription @param {({feed: string, mid: string} | {feed: string, kind: "audio" | "video"})[]} streams
   */
  sfuSubscribe(subscription, streams) {
    return this.send({ type: "sfu-subscribe", subscription, streams });
  }

  /** @param {string} subscription @param {RTCSessionDescriptionInit} description */
  sfuAnswer(subscription, description) {
    return this.send({ type: "sfu-answer", subscription, description: { type: description.type, sdp: description.sdp } });
  }

  /** @param {string} target "publish" or a subscription @param {RTCIceCandidateInit | null} candidate */
  sfuCandidate(target, candidate) {
    return this.send({ type: "sfu-candidate", target, candidate: candidateToWire(candidate) });
  }

  /** Ask for simulcast layer 0 (smallest) to 2 of one video. @param {string} subscription @param {string} mid @param {number} substream */
  sfuQuality(subscription, mid, substream) {
    return this.send({ type: "sfu-quality", subscription, mid, substream });
  }

  /** Say goodbye and give the seat up; the server answers by closing with 1000. */
  leave() {
    this.left = true;
    if (!this.send({ type: "leave" }) && this.socket) this.socket.close(1000);
  }

  /** Drop the socket without `leave` (the seat is kept for a resume until the grace window passes). */
  close() {
    this.left = true;
    if (this.socket && this.socket.readyState <= this.WebSocketImpl.OPEN) this.socket.close(1000);
  }
}
