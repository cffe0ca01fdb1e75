// The live room page: the pre-join screen, the signalling connection and its life, the peer mesh, and the
// panels, tiles and controls that show them.

import { SignallingClient } from "./protocol.js";
import { PeerMesh } from "./peers.js";
import { TileGrid } from "./tiles.js";
import { Notices } from "./notices.js";
import { TokenRequestError, requestToken } from "./tokens.js";
import { gettext, interpolate } from "./i18n.js";
import { PreJoin } from "./prejoin.js";
import { LocalControls } from "./controls.js";
import { AudioLevels, ActiveSpeaker } from "./speaker.js";
import { QualityMonitor } from "./quality.js";
import { ChatPanel } from "./chat.js";
import { FileTransfers } from "./files.js";
import { PeoplePanel } from "./participants.js";
import { Panels } from "./panels.js";
import { REFUSALS, Screens } from "./screens.js";
import { installShortcuts } from "./shortcuts.js";

/** Waits before each reconnection attempt after the connection dropped; the list's length is the limit. */
const RECONNECT_DELAYS_MS = [1000, 2000, 4000, 8000, 15000, 15000, 15000, 15000];
/** The server closes a socket it has not heard from for 30 s; docs/protocol.md asks for a ping every 10 s at least. */
const KEEPALIVE_MS = 8000;
/** Ask for fresh TURN credentials this long before the current ones expire (or halfway, if sooner). */
const ICE_REFRESH_MARGIN_MS = 60000;
/** Close codes after which the seat is gone for good, so a saved resume ticket is useless. */
const SEAT_GONE = new Set([1000, 4010, 4011, 4012, 4013]);
/** What the server's user errors mean to a person; the others are for the console. */
const USER_ERRORS = {
  "no-recorder": () => gettext("Recording is not available on this server."),
  "already-recording": () => gettext("A recording is already running."),
  "not-recording": () => gettext("No recording is running."),
  "room-full": () => gettext("The meeting is full: nobody else can be let in."),
  "not-allowed": () => gettext("You are not allowed to do that."),
  "too-long": () => gettext("That message is too long."),
  "rate-limited": () => gettext("Slow down: some of your messages were not sent."),
};

class RoomPage {
  /** @param {HTMLElement} root */
  constructor(root) {
    this.root = root;
    this.config = { slug: root.dataset.slug, tokenUrl: root.dataset.tokenUrl, roomUrl: root.dataset.roomUrl };
    this.defaultName = root.dataset.displayName || "";
    /** @type {HTMLInputElement} */
    const csrfInput = root.querySelector("input[name=csrfmiddlewaretoken]");
    this.csrfToken = csrfInput ? csrfInput.value : "";
    this.notices = new Notices(root.querySelector("#room-notices"));
    this.announcer = root.querySelector("#room-announcer");
    this.status = root.querySelector("#room-status");
    this.recordingBadge = /** @type {HTMLElement} */ (root.querySelector("#room-recording"));
    this.screens = new Screens(root);
    this.tiles = new TileGrid(
      root.querySelector("#tiles"), root.querySelector("#screen-tiles"),
      root.querySelector("#tile-template"), root.querySelector("#screen-tile-template")
    );
    this.tiles.onSoundBlocked = () =>
      this.notices.set("sound", gettext("Your browser paused the others' sound."), {
        tone: "warning",
        action: { label: gettext("Turn on sound"), run: () => this.tiles.unmuteAll() },
      });
    this.levels = new AudioLevels();
    this.speaker = new ActiveSpeaker(this.levels, (key) => this.tiles.setSpeaker(key));
    this.quality = new QualityMonitor(() => this.mesh, (peerId, _quality, label) =>
      this.tiles.setQuality(peerId, { level: _quality.level, label }));
    this.controls = new LocalControls(root, {
      tiles: this.tiles, getClient: () => this.client, getMesh: () => this.mesh, levels: this.levels,
      warn: (text) => this.notices.set("media", text, { tone: "warning", fadeAfterMs: 8000 }),
    });
    this.panels = new Panels(root, (name, open) => this.onPanel(name, open));
    this.chat = new ChatPanel(root.querySelector("#chat-panel"), {
      send: (text, to) => !!this.client && this.client.sendChat(text, to),
      myPeerId: () => (this.client ? this.client.peerId : null),
      nameOf: (peerId) => this.nameOf(peerId),
      announce: (text) => this.announce(text),
      isOpen: () => this.panels.current === "chat",
      onUnread: (count) => this.panels.setUnread(count),
    });
    this.files = new FileTransfers({
      getMesh: () => this.mesh, nameOf: (peerId) => this.nameOf(peerId), show: (item) => this.chat.append(item),
      announce: (text) => this.announce(text), onIncoming: () => this.chat.noteUnread(),
    });
    this.people = new PeoplePanel(root.querySelector("#people-panel"), {
      moderate: (type, fields) => !!this.client && this.client.moderate(type, fields),
      confirm: (title, text, yes) => this.screens.confirm(title, text, yes),
    });
    /** @type {SignallingClient | null} */
    this.client = null;
    /** @type {PeerMesh | null} */
    this.mesh = null;
    /** @type {string | null} */
    this.password = null;
    this.name = "";
    this.reconnectAttempts = 0;
    this.reconnectTimer = undefined;
    this.keepaliveTimer = undefined;
    this.iceRefreshTimer = undefined;
    this.finished = false;
    this.wasRecording = false;
  }

  async start() {
    this.root.querySelector("#leave").addEventListener("click", () => this.leave());
    this.root.querySelector("#copy-link").addEventListener("click", () => this.copyLink());
    this.root.querySelector("#chat-file").addEventListener("change", (event) => {
      const input = /** @type {HTMLInputElement} */ (event.target);
      this.files.send([...(input.files || [])], this.chat.selectedRecipient);
      input.value = "";
    });
    this.screens.onPassword((password) => {
      this.password = password;
      this.reconnectAttempts = 0;
      this.join();
    });
    installShortcuts(
      {
        m: () => this.controls.toggle("audio"),
        v: () => this.controls.toggle("video"),
        s: () => this.controls.toggleScreen(),
        h: () => this.controls.toggleHand(),
        c: () => this.panels.toggle("chat"),
        p: () => this.panels.toggle("people"),
        "?": () => this.panels.showShortcuts(),
      },
      () => this.root.dataset.state === "joined" || this.root.dataset.state === "reconnecting"
    );

    const prejoin = new PreJoin(this.root.querySelector("#prejoin"), this.levels);
    // A reload in the middle of a call takes the seat back at once, with the devices chosen before.
    const resuming = this.resumeTicket() !== null;
    const choice = await prejoin.run({ joinAtOnce: resuming });
    this.root.querySelector("#prejoin").hidden = true;
    this.name = choice.name && choice.name !== this.defaultName ? choice.name : "";
    if (choice.speaker) this.tiles.setSink(choice.speaker);
    this.controls.useStream(choice.stream);
    if (choice.problem) this.notices.set("media", gettext(choice.problem), { tone: "warning" });
    this.root.dataset.state = resuming ? "reconnecting" : "connecting";
    this.controls.enable(true);
    this.controls.fillDevices();
    this.speaker.start();
    this.quality.start();
    await this.join();
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
      window.sessionStorage.setItem(this.resumeKey, JSON.stringify({ peer_id: welcome.peer_id, secret: welcome.resume_secret }));
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
    this.setStatus(this.reconnectAttempts ? gettext("Reconnecting…") : gettext("Connecting…"));
    let grant;
    try {
      grant = await requestToken(this.config.tokenUrl, this.csrfToken, { name: this.name });
    } catch (error) {
      if (error instanceof TokenRequestError && !error.retry) {
        this.end(gettext(REFUSALS[error.status === 404 ? 4004 : 4003].title), error.message);
      } else {
        this.reconnectLater(error.message);
      }
      return;
    }
    if (this.finished) return;
    const client = new SignallingClient({ url: grant.websocket_url, token: grant.token });
    this.client = client;
    client.addEventListener("close", (event) => this.onClose(client, event.detail));
    client.addEventListener("error", ({ detail }) => this.onServerError(detail));
    client.addEventListener("lobby", () => {
      this.root.dataset.state = "lobby";
      this.setStatus(gettext("Waiting to be let in…"));
      this.screens.showLobby();
    });
    client.addEventListener("mute", ({ detail }) => this.onMuteRequest(client, detail, true));
    client.addEventListener("unmute-request", ({ detail }) => this.onMuteRequest(client, detail, false));
    try {
      await client.connect({ state: this.controls.presence(), password: this.password, resume: this.resumeTicket() });
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
    this.screens.hide();
    this.notices.clear("connection");
    this.saveResumeTicket(welcome);
    if (this.mesh && welcome.resumed && this.mesh.signalling.peerId === welcome.peer_id) {
      // Our seat was kept: the media connections carried on peer to peer while the socket was away.
      this.mesh.rebind(client);
    } else {
      this.dropConnection();
      this.mesh = this.createMesh(client);
      this.mesh.start();
    }
    for (const type of ["peer-joined", "peer-left", "peer-updated", "room-updated", "lobby-updated", "state"]) {
      client.addEventListener(type, (event) => this.onRoomEvent(client, type, /** @type {CustomEvent} */ (event).detail));
    }
    client.addEventListener("chat", ({ detail }) => this.chat.add(detail.message));
    client.addEventListener("ice-servers", ({ detail }) => this.scheduleIceRefresh(client, detail.ice_servers_expire_at));
    this.scheduleIceRefresh(client, welcome.ice_servers_expire_at);
    window.clearInterval(this.keepaliveTimer);
    this.keepaliveTimer = window.setInterval(() => client.ping(), KEEPALIVE_MS);
    this.chat.loadHistory(welcome.state.chat, welcome.private_chat);
    // Toggles made while the socket was away have not reached the room yet.
    const me = client.me;
    const presence = this.controls.presence();
    if (me && Object.entries(presence).some(([key, value]) => !!me[key] !== value)) client.sendPresence(presence);
    this.root.dataset.state = "joined";
    this.wasRecording = !!welcome.state.room.recording;
    this.refresh();
  }

  /** A room event or a resync: redraw what depends on the room state, and say what changed. */
  onRoomEvent(client, type, detail) {
    if (client !== this.client) return;
    if (type === "peer-joined") this.announce(interpolate(gettext("%(name)s joined."), { name: detail.peer.name }));
    if (type === "lobby-updated" && client.can("moderate") && detail.lobby_count > 0) {
      this.notices.set("lobby", interpolate(gettext("Someone is waiting in the lobby (%(count)s)."), { count: detail.lobby_count }), {
        action: { label: gettext("Show"), run: () => this.panels.open("people") },
      });
    }
    if (type === "lobby-updated" && detail.lobby_count === 0) this.notices.clear("lobby");
    this.refresh();
  }

  /** Redraw the participants panel, the recipients, the count and the recording indicator from the room state. */
  refresh() {
    const client = this.client;
    if (!client || !client.state) return;
    const canModerate = client.can("moderate");
    this.people.render(client.state, client.peerId, canModerate);
    this.chat.setRecipients(client.roster);
    this.panels.setLobbyWaiting(canModerate ? client.state.lobby_count || 0 : 0);
    const recording = !!client.state.room.recording;
    this.recordingBadge.hidden = !recording;
    if (recording !== this.wasRecording) {
      this.announce(recording ? gettext("This meeting is being recorded.") : gettext("The recording has stopped."));
      this.wasRecording = recording;
    }
    this.updatePeopleCount();
  }

  /** @param {SignallingClient} client */
  createMesh(client) {
    const mesh = new PeerMesh({ signalling: client, localStream: this.controls.stream });
    mesh.screenStream = this.controls.screenStream;
    mesh.addEventListener("peer-added", ({ detail }) => {
      if (detail.hidden) return;
      this.tiles.ensure(detail.peerId, detail.peer.name);
      this.tiles.setPresence(detail.peerId, detail.peer);
      this.updatePeopleCount();
    });
    mesh.addEventListener("peer-updated", ({ detail }) => this.tiles.setPresence(detail.peerId, detail.peer));
    mesh.addEventListener("media", ({ detail }) => {
      if (detail.hidden) return;
      this.tiles.attach(detail.peerId, detail.peer.name, detail.camera, detail.screen);
      const audio = detail.camera ? detail.camera.getAudioTracks()[0] : null;
      this.levels.watch(detail.peerId, audio);
    });
    mesh.addEventListener("peer-removed", ({ detail }) => {
      this.levels.unwatch(detail.peerId);
      this.files.peerGone(detail.peerId);
      if (!this.tiles.tiles.has(detail.peerId)) return; // hidden
      this.tiles.remove(detail.peerId);
      if (detail.reason === "closed" || detail.reason === "replaced") return;
      this.updatePeopleCount();
      if (detail.peer.name) this.announce(interpolate(gettext("%(name)s left."), { name: detail.peer.name }));
    });
    mesh.addEventListener("connection-state", ({ detail }) => {
      if (!detail.hidden) this.tiles.setConnectionState(detail.peerId, detail.state);
    });
    mesh.addEventListener("control", ({ detail }) => this.files.onControl(detail.peerId, detail.message));
    mesh.addEventListener("datachannel", ({ detail }) => this.files.onDataChannel(detail.peerId, detail.channel));
    mesh.addEventListener("failure", ({ detail }) => console.warn("peer", detail.peerId, detail.error));
    return mesh;
  }

  /** @param {string} peerId */
  nameOf(peerId) {
    const peer = this.client ? this.client.roster.get(peerId) : null;
    return peer ? peer.name : gettext("someone");
  }

  /** A moderator turned one of our sources off, or asks us to turn it on. */
  onMuteRequest(client, { kind, by }, isMute) {
    const who = (client.roster.get(by) || { name: gettext("A moderator") }).name;
    const messages = {
      audio: [gettext("%(name)s turned your microphone off."), gettext("%(name)s asks you to turn your microphone on."), gettext("Turn microphone on")],
      video: [gettext("%(name)s turned your camera off."), gettext("%(name)s asks you to turn your camera on."), gettext("Turn camera on")],
      screen: [gettext("%(name)s stopped your screen sharing."), "", ""],
    }[kind];
    if (!messages) return;
    if (isMute) {
      if (kind === "screen") this.controls.stopScreen();
      else this.controls.toggle(kind, false);
      this.notices.set("moderation", interpolate(messages[0], { name: who }), { tone: "warning" });
    } else if (kind !== "screen" && this.controls.track(kind)) {
      this.notices.set("moderation", interpolate(messages[1], { name: who }), {
        action: { label: messages[2], run: () => this.controls.toggle(kind, true) },
      });
    }
  }

  /** @param {{code: string, message: string, fatal: boolean}} error */
  onServerError(error) {
    if (error.fatal) return;
    const explain = USER_ERRORS[error.code];
    if (explain) this.notices.set("server-error", explain(), { tone: "error", fadeAfterMs: 8000 });
    else console.warn("signalling:", error.code, error.message);
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
    this.panels.setPeopleCount(count);
    if (this.root.dataset.state !== "joined") return;
    this.setStatus(count === 1 ? gettext("Only you are here") : interpolate(gettext("%(count)s people in the meeting"), { count }));
  }

  /** @param {string} text */
  setStatus(text) {
    this.status.textContent = text;
  }

  /** Say something to screen readers (joins, leaves, chat). @param {string} text */
  announce(text) {
    const line = document.createElement("p");
    line.textContent = text;
    this.announcer.append(line);
    while (this.announcer.childElementCount > 5) this.announcer.firstElementChild.remove();
  }

  /** @param {string} name @param {boolean} open */
  onPanel(name, open) {
    if (name === "chat" && open) this.chat.markRead();
    if (name === "settings" && open) this.controls.fillDevices();
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
      this.reconnectLater(gettext(info.message), info.reconnect === "new-token");
    } else if (info.reconnect === "password") {
      this.dropConnection();
      this.root.dataset.state = "password";
      this.setStatus(gettext("Password needed"));
      this.screens.show({ title: gettext(info.message), text: gettext("Enter the room's password to join."), password: true });
    } else {
      const refusal = REFUSALS[info.code];
      const title = refusal ? gettext(refusal.title) : gettext("You were disconnected");
      this.end(title, gettext(refusal ? refusal.text : info.message), {
        retryLabel: info.reconnect === "later" ? gettext("Try again") : gettext("Rejoin"),
      });
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
      const gaveUp = interpolate(gettext("Confer tried to reconnect %(count)s times and gave up."), { count: RECONNECT_DELAYS_MS.length });
      this.end(gettext("Connection lost"), `${reason} ${gaveUp}`);
      return;
    }
    const delay = immediately && this.reconnectAttempts === 0 ? 0 : RECONNECT_DELAYS_MS[this.reconnectAttempts];
    this.reconnectAttempts += 1;
    this.root.dataset.state = "reconnecting";
    this.setStatus(gettext("Reconnecting…"));
    this.notices.set("connection", gettext("Connection lost — reconnecting…"), { tone: "warning" });
    window.clearTimeout(this.reconnectTimer);
    this.reconnectTimer = window.setTimeout(() => this.join(), delay);
  }

  leave() {
    if (this.finished) return;
    if (this.client) this.client.leave();
    this.forgetResumeTicket();
    this.end(gettext("You left the meeting"), "");
  }

  /**
   * Stop everything and show the end screen.
   * @param {string} title @param {string} text @param {{retryLabel?: string}} [options] (translated)
   */
  end(title, text, { retryLabel = gettext("Rejoin") } = {}) {
    this.finished = true;
    window.clearTimeout(this.reconnectTimer);
    window.clearInterval(this.keepaliveTimer);
    window.clearTimeout(this.iceRefreshTimer);
    this.speaker.stop();
    this.quality.stop();
    this.dropConnection();
    if (this.client && !this.client.left) this.client.close();
    this.controls.stop();
    this.levels.close();
    this.root.dataset.state = "ended";
    this.root.querySelector("#prejoin").hidden = true;
    this.notices.clear("connection");
    this.notices.clear("lobby");
    this.panels.close();
    this.controls.enable(false);
    this.screens.show({ title, text, retryLabel });
  }

  async copyLink() {
    const url = new URL(this.config.roomUrl, window.location.href).href;
    try {
      await navigator.clipboard.writeText(url);
      this.notices.set("copy", gettext("Meeting link copied."), { fadeAfterMs: 3000 });
    } catch {
      this.notices.set("copy", interpolate(gettext("Copy this link to invite someone: %(url)s"), { url }));
    }
  }
}

const root = document.getElementById("room");
if (root) {
  const page = new RoomPage(root);
  page.start().catch((error) => {
    console.error(error);
    page.end(gettext("Something went wrong"), gettext("The meeting page could not start. Reload it to try again."));
  });
}
