// The live room page: local media, the signalling connection, the peer mesh, the tiles and the controls.

import { SignallingClient } from "./protocol.js";
import { PeerMesh } from "./peers.js";
import { openLocalMedia, stopMedia } from "./media.js";
import { TileGrid } from "./tiles.js";
import { Notices } from "./notices.js";
import { TokenRequestError, requestToken } from "./tokens.js";

/** Waits before each reconnection attempt after the connection dropped; the list's length is the limit. */
const RECONNECT_DELAYS_MS = [1000, 2000, 4000, 8000, 15000, 15000, 15000, 15000];
/** The server closes a socket it has not heard from for 30 s; docs/protocol.md asks for a ping every 10 s at least. */
const KEEPALIVE_MS = 8000;
/** Ask for fresh TURN credentials this long before the current ones expire (or halfway, if sooner). */
const ICE_REFRESH_MARGIN_MS = 60000;

/** What the end screen says for the common refusals, by close code; the rest use the close code's own message. */
const REFUSALS = {
  4003: {
    title: "You can't join this meeting",
    text: "Your account may not enter this room. Ask its owner to add you as a member.",
  },
  4004: {
    title: "This meeting doesn't exist",
    text: "The room may have been deleted, or the link may be mistyped.",
  },
  4005: { title: "This meeting is full", text: "Try again when someone leaves." },
  4006: {
    title: "This meeting is locked",
    text: "Nobody new can join right now. Ask the host to unlock it, then try again.",
  },
  4010: { title: "You weren't let in", text: "The host did not admit you to this meeting." },
  4011: {
    title: "You joined from somewhere else",
    text: "You are in this meeting in another tab or on another device, so this one was disconnected.",
  },
  4012: { title: "You were removed from the meeting", text: "A moderator removed you from this meeting." },
  4013: { title: "The meeting has ended", text: "A moderator ended the meeting for everyone." },
};
/** Close codes after which the seat is gone for good, so a saved resume ticket is useless. */
const SEAT_GONE = new Set([1000, 4010, 4011, 4012, 4013]);
const DEVICE_NAMES = { audio: "microphone", video: "camera", screen: "screen sharing" };

class RoomPage {
  /** @param {HTMLElement} root */
  constructor(root) {
    this.root = root;
    this.config = {
      slug: root.dataset.slug,
      tokenUrl: root.dataset.tokenUrl,
      roomUrl: root.dataset.roomUrl,
    };
    /** @type {HTMLInputElement} */
    const csrfInput = root.querySelector("input[name=csrfmiddlewaretoken]");
    this.csrfToken = csrfInput ? csrfInput.value : "";
    this.notices = new Notices(root.querySelector("#room-notices"));
    this.tiles = new TileGrid(root.querySelector("#tiles"));
    this.tiles.onSoundBlocked = () =>
      this.notices.set("sound", "Your browser paused the others' sound.", {
        tone: "warning",
        action: { label: "Turn on sound", run: () => this.tiles.unmuteAll() },
      });
    this.status = root.querySelector("#room-status");
    this.micButton = root.querySelector("#toggle-mic");
    this.cameraButton = root.querySelector("#toggle-camera");
    this.leaveButton = root.querySelector("#leave");
    this.screen = root.querySelector("#room-ended");
    /** @type {MediaStream | null} */
    this.localStream = null;
    /** @type {SignallingClient | null} */
    this.client = null;
    /** @type {PeerMesh | null} */
    this.mesh = null;
    /** @type {string | null} */
    this.password = null;
    this.reconnectAttempts = 0;
    this.reconnectTimer = undefined;
    this.keepaliveTimer = undefined;
    this.iceRefreshTimer = undefined;
    this.finished = false;
  }

  async start() {
    this.micButton.addEventListener("click", () => this.toggle("audio"));
    this.cameraButton.addEventListener("click", () => this.toggle("video"));
    this.leaveButton.addEventListener("click", () => this.leave());
    this.root.querySelector("#copy-link").addEventListener("click", () => this.copyLink());
    this.screen.querySelector("#room-password-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.password = new FormData(/** @type {HTMLFormElement} */ (event.target)).get("password") || null;
      this.hideScreen();
      this.reconnectAttempts = 0;
      this.join();
    });
    this.leaveButton.disabled = false;

    const { stream, problem } = await openLocalMedia({
      isSecureContext: window.isSecureContext,
      mediaDevices: navigator.mediaDevices,
    });
    this.localStream = stream;
    this.tiles.showSelf(stream);
    this.setupToggle(this.micButton, "audio", "mic");
    this.setupToggle(this.cameraButton, "video", "camera");
    if (problem) this.notices.set("media", problem, { tone: "warning" });
    await this.join();
  }

  // Local media and presence.

  /** Enable a control if there is a track of its kind. */
  setupToggle(button, kind, device) {
    const track = this.track(kind);
    button.disabled = !track;
    if (!track) {
      button.dataset.off = "true";
      button.setAttribute("aria-label", button.dataset.labelMissing);
      this.tiles.setSelfState(device, false);
    }
    this.updateTooltip(button);
  }

  /** @param {"audio" | "video"} kind */
  track(kind) {
    if (!this.localStream) return null;
    return (kind === "audio" ? this.localStream.getAudioTracks() : this.localStream.getVideoTracks())[0] || null;
  }

  /** What this client sends, for `join` and `state`. */
  presence() {
    const audio = this.track("audio");
    const video = this.track("video");
    return { audio: !!audio && audio.enabled, video: !!video && video.enabled };
  }

  /**
   * Turn a source on or off: the track keeps flowing (silence or black), so nothing needs renegotiating.
   * @param {"audio" | "video"} kind @param {boolean} [on]  the new state; flips it when left out
   */
  toggle(kind, on) {
    const track = this.track(kind);
    if (!track) return;
    track.enabled = on === undefined ? !track.enabled : on;
    const button = kind === "audio" ? this.micButton : this.cameraButton;
    button.dataset.off = String(!track.enabled);
    button.setAttribute("aria-label", track.enabled ? button.dataset.labelOn : button.dataset.labelOff);
    this.updateTooltip(button);
    this.tiles.setSelfState(kind === "audio" ? "mic" : "camera", track.enabled);
    if (this.client) this.client.sendPresence({ [kind]: track.enabled });
  }

  updateTooltip(button) {
    button.querySelector(".control-tip").textContent = button.getAttribute("aria-label");
  }

  // Resume tickets: kept per tab, so a reload takes the seat back and another tab is a new seat.

  get resumeKey() {
    return `confer.resume.${this.config.slug}`;
  }

  resumeTicket() {
    try {
      return JSON.parse(window.sessionStorage.getItem(this.resumeKey) || "null");
    } catch {
      return null;
    }
  }

  /** @param {import("./protocol.js").Welcome} welcome */
  saveResumeTicket(welcome) {
    try {
      window.sessionStorage.setItem(
        this.resumeKey,
        JSON.stringify({ peer_id: welcome.peer_id, secret: welcome.resume_secret })
      );
    } catch {
      // storage may be disabled: a reload then joins as a new peer
    }
  }

  forgetResumeTicket() {
    try {
      window.sessionStorage.removeItem(this.resumeKey);
    } catch {
      // nothing saved
    }
  }

  // Joining, and the connection's life.

  async join() {
    if (this.finished) return;
    this.setStatus(this.reconnectAttempts ? "Reconnecting…" : "Connecting…");
    let grant;
    try {
      grant = await requestToken(this.config.tokenUrl, this.csrfToken);
    } catch (error) {
      if (error instanceof TokenRequestError && !error.retry) {
        this.end(REFUSALS[error.status === 404 ? 4004 : 4003].title, error.message);
      } else {
        this.reconnectLater(error.message);
      }
      return;
    }
    if (this.finished) return;
    const client = new SignallingClient({ url: grant.websocket_url, token: grant.token });
    this.client = client;
    client.addEventListener("close", (event) => this.onClose(client, event.detail));
    client.addEventListener("error", ({ detail }) => {
      if (!detail.fatal) console.warn("signalling:", detail.code, detail.message);
    });
    client.addEventListener("lobby", () => {
      this.root.dataset.state = "lobby";
      this.setStatus("Waiting to be let in…");
      this.notices.set("lobby", "The host lets people into this meeting. You will join as soon as they let you in.");
    });
    client.addEventListener("mute", ({ detail }) => this.onMuteRequest(client, detail, true));
    client.addEventListener("unmute-request", ({ detail }) => this.onMuteRequest(client, detail, false));
    try {
      await client.connect({ state: this.presence(), password: this.password, resume: this.resumeTicket() });
    } catch {
      return; // the close handler decides what happens next
    }
    this.onWelcome(client);
  }

  /** @param {SignallingClient} client */
  onWelcome(client) {
    const welcome = client.welcome;
    if (this.finished || client !== this.client) {
      client.leave();
      return;
    }
    this.reconnectAttempts = 0;
    this.notices.clear("connection");
    this.notices.clear("lobby");
    this.saveResumeTicket(welcome);
    if (this.mesh && welcome.resumed && this.mesh.signalling.peerId === welcome.peer_id) {
      // Our seat was kept: the media connections carried on peer to peer while the socket was away.
      this.mesh.rebind(client);
    } else {
      this.dropConnection();
      this.mesh = this.createMesh(client);
      this.mesh.start();
    }
    client.addEventListener("peer-joined", ({ detail }) => {
      this.notices.set("presence", `${detail.peer.name} joined.`, { fadeAfterMs: 4000 });
      this.updatePeopleCount();
    });
    client.addEventListener("ice-servers", ({ detail }) => this.scheduleIceRefresh(client, detail.ice_servers_expire_at));
    this.scheduleIceRefresh(client, welcome.ice_servers_expire_at);
    window.clearInterval(this.keepaliveTimer);
    this.keepaliveTimer = window.setInterval(() => client.ping(), KEEPALIVE_MS);
    // Toggles made while the socket was away have not reached the room yet.
    const me = client.me;
    const presence = this.presence();
    if (me && (me.audio !== presence.audio || me.video !== presence.video)) client.sendPresence(presence);
    this.root.dataset.state = "joined";
    this.updatePeopleCount();
  }

  /** @param {SignallingClient} client */
  createMesh(client) {
    const mesh = new PeerMesh({ signalling: client, localStream: this.localStream });
    mesh.addEventListener("peer-added", ({ detail }) => {
      this.tiles.ensure(detail.peerId, detail.peer.name);
      this.tiles.setPresence(detail.peerId, detail.peer);
      this.updatePeopleCount();
    });
    mesh.addEventListener("peer-updated", ({ detail }) => this.tiles.setPresence(detail.peerId, detail.peer));
    mesh.addEventListener("track", ({ detail }) => this.tiles.attach(detail.peerId, detail.peer.name, detail.stream));
    mesh.addEventListener("peer-removed", ({ detail }) => {
      this.tiles.remove(detail.peerId);
      if (detail.reason === "closed" || detail.reason === "replaced") return;
      this.updatePeopleCount();
      if (detail.peer.name) this.notices.set("presence", `${detail.peer.name} left.`, { fadeAfterMs: 4000 });
    });
    mesh.addEventListener("connection-state", ({ detail }) => this.tiles.setConnectionState(detail.peerId, detail.state));
    mesh.addEventListener("failure", ({ detail }) => console.warn("peer", detail.peerId, detail.error));
    return mesh;
  }

  /** A moderator turned one of our sources off, or asks us to turn it on. */
  onMuteRequest(client, { kind, by }, isMute) {
    if (kind !== "audio" && kind !== "video") return;
    const who = (client.roster.get(by) || { name: "A moderator" }).name;
    const device = DEVICE_NAMES[kind];
    if (isMute) {
      this.toggle(kind, false);
      this.notices.set("moderation", `${who} turned your ${device} off.`, { tone: "warning" });
    } else if (this.track(kind)) {
      this.notices.set("moderation", `${who} asks you to turn your ${device} on.`, {
        action: { label: `Turn ${device} on`, run: () => this.toggle(kind, true) },
      });
    }
  }

  /** @param {SignallingClient} client @param {string | null | undefined} expiresAt */
  scheduleIceRefresh(client, expiresAt) {
    window.clearTimeout(this.iceRefreshTimer);
    if (!expiresAt) return;
    const remaining = Date.parse(expiresAt) - Date.now();
    if (Number.isNaN(remaining)) return;
    const delay = Math.max(1000, Math.min(remaining - ICE_REFRESH_MARGIN_MS, remaining / 2));
    this.iceRefreshTimer = window.setTimeout(() => client.requestIceServers(), delay);
  }

  updatePeopleCount() {
    const count = this.tiles.count;
    this.setStatus(count === 1 ? "Only you are here" : `${count} people in the meeting`);
  }

  /** @param {string} text */
  setStatus(text) {
    this.status.textContent = text;
  }

  /** @param {SignallingClient} client @param {import("./protocol.js").CloseInfo & {left: boolean}} info */
  onClose(client, info) {
    if (client !== this.client) return;
    window.clearInterval(this.keepaliveTimer);
    window.clearTimeout(this.iceRefreshTimer);
    if (info.left || this.finished) return;
    if (SEAT_GONE.has(info.code)) this.forgetResumeTicket();
    if (info.reconnect === "retry" || info.reconnect === "new-token") {
      // The media connections may well live on: keep them, and take the seat back with `resume`.
      this.reconnectLater(info.message, info.reconnect === "new-token");
    } else if (info.reconnect === "password") {
      this.dropConnection();
      this.askForPassword(info.message);
    } else {
      const refusal = REFUSALS[info.code] || { title: "You were disconnected", text: info.message };
      this.end(refusal.title, refusal.text, { retryLabel: info.reconnect === "later" ? "Try again" : "Rejoin" });
    }
  }

  /** Forget the media connections and everyone in them; the local media stays. */
  dropConnection() {
    if (this.mesh) this.mesh.close();
    this.mesh = null;
    this.tiles.removeAll();
  }

  /** @param {string} reason @param {boolean} [immediately] */
  reconnectLater(reason, immediately = false) {
    if (this.reconnectAttempts >= RECONNECT_DELAYS_MS.length) {
      this.end("Connection lost", `${reason} Confer tried to reconnect ${RECONNECT_DELAYS_MS.length} times and gave up.`);
      return;
    }
    const delay = immediately && this.reconnectAttempts === 0 ? 0 : RECONNECT_DELAYS_MS[this.reconnectAttempts];
    this.reconnectAttempts += 1;
    this.root.dataset.state = "reconnecting";
    this.setStatus("Reconnecting…");
    this.notices.set("connection", "Connection lost — reconnecting…", { tone: "warning" });
    window.clearTimeout(this.reconnectTimer);
    this.reconnectTimer = window.setTimeout(() => this.join(), delay);
  }

  leave() {
    if (this.finished) return;
    if (this.client) this.client.leave();
    this.forgetResumeTicket();
    this.end("You left the meeting", "");
  }

  // Screens over the room.

  /** @param {{title: string, text: string, retryLabel?: string, password?: boolean}} options */
  showScreen({ title, text, retryLabel = "Rejoin", password = false }) {
    const heading = this.screen.querySelector("#room-ended-title");
    heading.textContent = title;
    this.screen.querySelector("#room-ended-text").textContent = text;
    const rejoin = this.screen.querySelector("#room-ended-rejoin");
    rejoin.textContent = retryLabel;
    rejoin.hidden = password;
    const form = this.screen.querySelector("#room-password-form");
    form.hidden = !password;
    this.screen.hidden = false;
    if (password) form.querySelector("input").focus();
    else heading.focus();
  }

  hideScreen() {
    this.screen.hidden = true;
  }

  /** @param {string} message */
  askForPassword(message) {
    this.root.dataset.state = "password";
    this.setStatus("Password needed");
    this.showScreen({ title: message, text: "Enter the room's password to join.", password: true });
  }

  /**
   * Stop everything and show the end screen.
   * @param {string} title @param {string} text @param {{retryLabel?: string}} [options]
   */
  end(title, text, { retryLabel = "Rejoin" } = {}) {
    this.finished = true;
    window.clearTimeout(this.reconnectTimer);
    window.clearInterval(this.keepaliveTimer);
    window.clearTimeout(this.iceRefreshTimer);
    this.dropConnection();
    if (this.client && !this.client.left) this.client.close();
    stopMedia(this.localStream);
    this.localStream = null;
    this.root.dataset.state = "ended";
    this.notices.clear("connection");
    this.notices.clear("lobby");
    for (const button of this.root.querySelectorAll(".room-controls button")) button.disabled = true;
    this.showScreen({ title, text, retryLabel });
  }

  async copyLink() {
    const url = new URL(this.config.roomUrl, window.location.href).href;
    try {
      await navigator.clipboard.writeText(url);
      this.notices.set("copy", "Meeting link copied.", { fadeAfterMs: 3000 });
    } catch {
      this.notices.set("copy", `Copy this link to invite someone: ${url}`);
    }
  }
}

const root = document.getElementById("room");
if (root) {
  const page = new RoomPage(root);
  page.start().catch((error) => {
    console.error(error);
    page.end("Something went wrong", "The meeting page could not start. Reload it to try again.");
  });
}
