// A participant's connection to one room for its whole life: getting room tokens, joining, keeping the resume
// ticket, reconnecting with back-off, keepalive pings and fresh TURN credentials. No DOM: the room page listens to
// its events and draws; what it needs from the browser (the token request, storage, timers) is passed in.

import { SignallingClient, describeClose } from "./protocol.js";

/** Waits before each reconnection attempt after the connection dropped; the list's length is the limit. */
export const RECONNECT_DELAYS_MS = [1000, 2000, 4000, 8000, 15000, 15000, 15000, 15000];
/** The server closes a socket it has not heard from for 30 s; docs/protocol.md asks for a ping every 10 s at least. */
export const KEEPALIVE_MS = 8000;
/** Ask for fresh TURN credentials this long before the current ones expire (or halfway, if sooner). */
export const ICE_REFRESH_MARGIN_MS = 60000;

/**
 * @typedef {object} TokenGrant
 * @property {string} token
 * @property {string} websocket_url
 */

/**
 * The connection to one room.
 *
 * Events (CustomEvent, payload in `detail`):
 * - `connecting`: {reconnecting}: asking for a token and opening a socket.
 * - `client`: {client}: a new SignallingClient, before it joins: listen to its `mute`, `error`... here.
 * - `lobby`: {client}: waiting to be let in.
 * - `joined`: {client, welcome, keptSeat}: in the meeting. keptSeat: the same seat was taken back and the media
 *   connections may carry on; otherwise start them anew.
 * - `reconnecting`: {reason, attempt, delay}: the connection dropped; trying again after `delay` ms.
 * - `password`: {info}: the room wants a (different) password: ask, then call usePassword().
 * - `ended`: {title, text, code, retry, rejoin, by, gaveUp}: it is over (refused, removed, gave up...); `code` is the
 *   close code (null when it gave up), `retry` is "later" (offer to try again), "rejoin" or null; `rejoin` says
 *   whether joining again by hand can work (the close-code table's `rejoin`); `by` is who ended the meeting (4013:
 *   a peer id, or null). Titles and texts are in English, for the page to translate.
 */
export class RoomConnection extends EventTarget {
  /**
   * @param {object} options
   * @param {string} options.slug
   * @param {(name: string) => Promise<TokenGrant>} options.getToken   throws {status, retry, message} on refusal
   * @param {() => object} options.presence        what this client sends now ({audio, video, screen, hand})
   * @param {Storage | null} [options.storage]     where the resume ticket is kept (sessionStorage: per tab)
   * @param {() => boolean} [options.keepsMedia]   whether the page holds connections to the media server that a
   *   resume of this page's own seat could carry on with (the server then keeps its side: `keep_media`)
   * @param {typeof SignallingClient} [options.Client]
   * @param {{setTimeout: Function, clearTimeout: Function, setInterval: Function, clearInterval: Function}} [options.timers]
   */
  constructor({ slug, getToken, presence, storage = null, Client = SignallingClient, timers = globalThis,
                keepsMedia = () => false }) {
    super();
    this.slug = slug;
    this.getToken = getToken;
    this.presence = presence;
    this.storage = storage;
    this.Client = Client;
    this.timers = timers;
    this.keepsMedia = keepsMedia;
    /** @type {SignallingClient | null} */
    this.client = null;
    this.name = "";
    /** @type {string | null} */
    this.password = null;
    this.attempts = 0;
    this.finished = false;
    this.reconnectTimer = undefined;
    this.keepaliveTimer = undefined;
    this.iceRefreshTimer = undefined;
  }

  // The resume ticket: kept per tab, so a reload takes the seat back and another tab is a new seat.

  get ticketKey() {
    return `confer.resume.${this.slug}`;
  }

  /** @returns {{peer_id: string, secret: string} | null} */
  resumeTicket() {
    try {
      return JSON.parse((this.storage && this.storage.getItem(this.ticketKey)) || "null");
    } catch {
      return null;
    }
  }

  /**
   * The resume ticket to join with: after a drop of this page's own socket, it asks the server to keep the media
   * its connections to the media server carry (a reloaded page has none to keep).
   * @param {import("./protocol.js").SignallingClient | null} previous
   */
  resumeFor(previous) {
    const ticket = this.resumeTicket();
    if (ticket && previous && previous.peerId === ticket.peer_id && this.keepsMedia()) {
      return { ...ticket, keep_media: true };
    }
    return ticket;
  }

  saveTicket(welcome) {
    try {
      if (this.storage) this.storage.setItem(this.ticketKey, JSON.stringify({ peer_id: welcome.peer_id, secret: welcome.resume_secret }));
    } catch {
      // storage may be disabled: a reload then joins as a new peer
    }
  }

  forgetTicket() {
    try {
      if (this.storage) this.storage.removeItem(this.ticketKey);
    } catch {
      // nothing saved
    }
  }

  /** Join with a display name for this meeting (empty: the account's own). @param {string} [name] */
  start(name = "") {
    this.name = name;
    return this.join();
  }

  /** Join again with this room password. @param {string | null} password */
  usePassword(password) {
    this.password = password;
    this.attempts = 0;
    return this.join();
  }

  async join() {
    if (this.finished) return;
    this.emit("connecting", { reconnecting: this.attempts > 0 });
    let grant;
    try {
      grant = await this.getToken(this.name);
    } catch (error) {
      if (error && error.retry === false) {
        const refusal = describeClose(error.status === 404 ? 4004 : 4003);
        this.finish({ title: refusal.title, text: error.message, code: refusal.code, retry: null, rejoin: false });
      } else {
        this.reconnectLater(error ? error.message : "");
      }
      return;
    }
    if (this.finished) return;
    const client = new this.Client({ url: grant.websocket_url, token: grant.token });
    const previous = this.client;
    this.client = client;
    client.addEventListener("close", (event) => this.onClose(client, /** @type {CustomEvent} */ (event).detail));
    client.addEventListener("lobby", () => this.emit("lobby", { client }));
    this.emit("client", { client });
    let welcome;
    try {
      welcome = await client.connect({ state: this.presence(), password: this.password, resume: this.resumeFor(previous) });
    } catch {
      return; // onClose decides what happens next
    }
    if (this.finished || client !== this.client) {
      client.leave();
      return;
    }
    this.attempts = 0;
    this.saveTicket(welcome);
    const keptSeat = !!(welcome.resumed && previous && previous.peerId === welcome.peer_id);
    client.addEventListener("ice-servers", ({ detail }) => this.scheduleIceRefresh(client, detail.ice_servers_expire_at));
    this.scheduleIceRefresh(client, welcome.ice_servers_expire_at);
    this.timers.clearInterval(this.keepaliveTimer);
    this.keepaliveTimer = this.timers.setInterval(() => client.ping(), KEEPALIVE_MS);
    // Toggles made while the socket was away have not reached the room yet.
    const me = client.me;
    const presence = this.presence();
    if (me && Object.entries(presence).some(([key, value]) => !!me[key] !== value)) client.sendPresence(presence);
    this.emit("joined", { client, welcome, keptSeat });
  }

  /** @param {SignallingClient} client @param {string | null | undefined} expiresAt */
  scheduleIceRefresh(client, expiresAt) {
    this.timers.clearTimeout(this.iceRefreshTimer);
    if (!expiresAt) return;
    const remaining = Date.parse(expiresAt) - Date.now();
    if (Number.isNaN(remaining)) return;
    const delay = Math.max(1000, Math.min(remaining - ICE_REFRESH_MARGIN_MS, remaining / 2));
    this.iceRefreshTimer = this.timers.setTimeout(() => client.requestIceServers(), delay);
  }

  /** @param {SignallingClient} client @param {import("./protocol.js").CloseInfo & {left: boolean}} info */
  onClose(client, info) {
    if (client !== this.client) return;
    this.timers.clearInterval(this.keepaliveTimer);
    this.timers.clearTimeout(this.iceRefreshTimer);
    if (info.left || this.finished) return;
    if (info.seatGone) this.forgetTicket();
    if (info.reconnect === "retry" || info.reconnect === "new-token") {
      // The media connections may well live on: keep them, and take the seat back with `resume`.
      this.reconnectLater(info.text, info.reconnect === "new-token");
    } else if (info.reconnect === "password") {
      this.emit("password", { info });
    } else {
      this.finish({
        title: info.title, text: info.text, code: info.code, retry: info.reconnect === "later" ? "later" : null,
        rejoin: info.rejoin !== false, by: (info.serverError && info.serverError.by) || null,
      });
    }
  }

  /** @param {string} reason @param {boolean} [immediately] */
  reconnectLater(reason, immediately = false) {
    if (this.attempts >= RECONNECT_DELAYS_MS.length) {
      this.finish({ title: describeClose(1006).title, text: reason, code: null, gaveUp: true, retry: "rejoin", rejoin: true });
      return;
    }
    const delay = immediately && this.attempts === 0 ? 0 : RECONNECT_DELAYS_MS[this.attempts];
    this.attempts += 1;
    this.emit("reconnecting", { reason, attempt: this.attempts, delay });
    this.timers.clearTimeout(this.reconnectTimer);
    this.reconnectTimer = this.timers.setTimeout(() => this.join(), delay);
  }

  /** Leave the meeting for good: the seat is freed and the ticket forgotten. */
  leave() {
    if (this.finished) return;
    if (this.client) this.client.leave();
    this.forgetTicket();
    this.stop();
  }

  /** Stop everything without a word to anyone (the page is ending). */
  stop() {
    this.finished = true;
    this.timers.clearTimeout(this.reconnectTimer);
    this.timers.clearInterval(this.keepaliveTimer);
    this.timers.clearTimeout(this.iceRefreshTimer);
    if (this.client && !this.client.left) this.client.close();
  }

  /**
   * @param {{title: string, text: string, code: number | null, retry: "later" | "rejoin" | null, rejoin: boolean,
   *          by?: string | null, gaveUp?: boolean}} ending
   */
  finish(ending) {
    this.stop();
    this.emit("ended", ending);
  }

  /** @param {string} type @param {any} detail */
  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}
