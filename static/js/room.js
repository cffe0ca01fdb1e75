// The live room page: the pre-join screen, the peer mesh, and the panels, tiles and controls that show them.
// The connection's life (tokens, resume, back-off, keepalive) is connection.js's.

import { RoomConnection, RECONNECT_DELAYS_MS } from "./connection.js";
import { PeerMesh } from "./peers.js";
import { closePrepared } from "./peerlink.js";
import { SfuClient } from "./sfu.js";
import { TileGrid } from "./tiles.js";
import { Notices } from "./notices.js";
import { requestToken } from "./tokens.js";
import { gettext, interpolate } from "./i18n.js";
import { PreJoin } from "./prejoin.js";
import { LocalControls } from "./controls.js";
import { AudioLevels, ActiveSpeaker } from "./speaker.js";
import { QualityMonitor, linkQuality } from "./quality.js";
import { ChatPanel } from "./chat.js";
import { FileTransfers } from "./files.js";
import { PeoplePanel } from "./participants.js";
import { Panels } from "./panels.js";
import { Screens } from "./screens.js";
import { installShortcuts } from "./shortcuts.js";
import { SELF, StageLayout } from "./layout.js";
import { TileMenu } from "./tilemenu.js";
import { Reactions } from "./reactions.js";
import { HostPanel } from "./host.js";
import { InviteDialog, copyText } from "./invite.js";
import { closePopover, openPopover } from "./popover.js";
import { handQueue } from "./participants.js";
import { chime } from "./sounds.js";

/** What the server's user errors mean to a person; the others are for the console. */
const USER_ERRORS = {
  "no-recorder": () => gettext("Recording is not available on this server."),
  "already-recording": () => gettext("A recording is already running."),
  "not-recording": () => gettext("No recording is running."),
  "room-full": () => gettext("The meeting is full: nobody else can be let in."),
  "not-allowed": () => gettext("You are not allowed to do that."),
  "too-long": () => gettext("That message is too long."),
  "rate-limited": () => gettext("Slow down: some of your messages were not sent."),
  "overloaded": () => gettext("The server is busy: connections may take a moment longer."),
  "sfu-unavailable": () => gettext("The media server is not answering; Confer keeps trying."),
};
/** How long browser-to-browser connections are kept after the meeting moved through the server, at most. */
const MESH_RETIRE_MS = 8000;

class RoomPage {
  /** @param {HTMLElement} root */
  constructor(root) {
    this.root = root;
    this.config = {
      slug: root.dataset.slug, tokenUrl: root.dataset.tokenUrl, roomUrl: root.dataset.roomUrl,
      roomApiUrl: root.dataset.roomApiUrl,
    };
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
      root.querySelector("#tiles"), root.querySelector("#tile-template"), root.querySelector("#screen-tile-template")
    );
    this.layout = new StageLayout(root, this.tiles);
    this.tiles.onTilesChanged = () => this.layout.update();
    this.tileMenu = new TileMenu(root, this.layout);
    this.setUpLayoutMenu();
    this.tiles.onSoundBlocked = () =>
      this.notices.set("sound", gettext("Your browser paused the others' sound."), {
        tone: "warning",
        action: { label: gettext("Turn on sound"), run: () => this.tiles.unmuteAll() },
      });
    this.levels = new AudioLevels();
    this.speaker = new ActiveSpeaker(this.levels, {
      onSpeaker: (key) => this.tiles.setSpeaker(key),
      onOtherSpeaker: (key) => this.layout.setSpeaker(key),
    });
    this.quality = new QualityMonitor(() => this.mesh, (peerId, _quality, label) =>
      this.tiles.setQuality(peerId, { level: _quality.level, label }));
    this.controls = new LocalControls(root, {
      tiles: this.tiles, getClient: () => this.client, getMesh: () => this.sfu || this.mesh, levels: this.levels,
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
      toast: (message) => this.chatToast(message),
    });
    this.files = new FileTransfers({
      getMesh: () => (this.sfu ? this.dataLinks : this.mesh), nameOf: (peerId) => this.nameOf(peerId),
      show: (item) => this.chat.append(item),
      announce: (text) => this.announce(text), onIncoming: () => this.chat.noteUnread(),
    });
    this.people = new PeoplePanel(root.querySelector("#people-panel"), {
      moderate: (type, fields) => !!this.client && this.client.moderate(type, fields),
      confirm: (title, text, yes) => this.screens.confirm(title, text, yes),
    });
    this.reactions = new Reactions(root, { send: (emoji) => !!this.client && this.client.sendReaction(emoji) });
    this.host = new HostPanel(root.querySelector("#host-panel"), {
      moderate: (type, fields) => !!this.client && this.client.moderate(type, fields),
      confirm: (title, text, yes) => this.screens.confirm(title, text, yes),
      roomApiUrl: this.config.roomApiUrl,
      csrfToken: this.csrfToken,
      onAccess: (access) => this.invite.setAccess(access),
      copy: copyText,
    });
    this.invite = new InviteDialog(root, { copy: copyText, makeGuestLink: () => this.host.createInvite() });
    /** Whose hands were up at the last room state, to tell hosts about new ones. @type {Set<string>} */
    this.handsUp = new Set();
    /** @type {import("./protocol.js").SignallingClient | null} */
    this.client = null;
    /** @type {PeerMesh | null} */
    this.mesh = null;
    /** Media through the server, when the room state's route is "sfu". @type {SfuClient | null} */
    this.sfu = null;
    /** Beside it, data-only browser-to-browser connections made when a file is sent. @type {PeerMesh | null} */
    this.dataLinks = null;
    this.visibleKey = "";
    this.tiles.onLayout = () => this.onLayout();
    this.connection = new RoomConnection({
      slug: this.config.slug,
      getToken: (name) => requestToken(this.config.tokenUrl, this.csrfToken, { name }),
      presence: () => this.controls.presence(),
      storage: sessionStorageIfAny(),
      keepsMedia: () => !!this.sfu,
    });
    this.finished = false;
    this.wasRecording = false;
    /** The first peer's connection, made before the welcome. @type {import("./peerlink.js").PreparedConnection | null} */
    this.early = null;
  }

  async start() {
    this.root.querySelector("#leave").addEventListener("click", () => this.leave());

    this.root.querySelector("#chat-file").addEventListener("change", (event) => {
      const input = /** @type {HTMLInputElement} */ (event.target);
      this.files.send([...(input.files || [])], this.chat.selectedRecipient);
      input.value = "";
    });
    this.screens.onPassword((password) => this.connection.usePassword(password));
    this.listenToConnection();
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
    const resuming = this.connection.resumeTicket() !== null;
    const choice = await prejoin.run({ joinAtOnce: resuming });
    this.root.querySelector("#prejoin").hidden = true;
    const name = choice.name && choice.name !== this.defaultName ? choice.name : "";
    if (choice.speaker) this.tiles.setSink(choice.speaker);
    this.controls.useStream(choice.stream);
    await this.controls.applySavedEffects();
    if (choice.problem) this.notices.set("media", gettext(choice.problem), { tone: "warning" });
    this.root.dataset.state = resuming ? "reconnecting" : "connecting";
    this.controls.enable(true);
    this.controls.fillDevices();
    this.speaker.start();
    this.quality.start();
    const joining = this.connection.start(name);
    // While the token is fetched and the socket opens (connection.start has sent the request): the connection to
    // the first peer, ready before the welcome (PeerMesh.prepareEarly).
    this.early = PeerMesh.prepareEarly(this.controls.stream, this.controls.screenStream);
    await joining;
  }

  // The connection's events.

  listenToConnection() {
    const on = (type, handler) =>
      this.connection.addEventListener(type, (event) => handler(/** @type {CustomEvent} */ (event).detail));
    on("connecting", ({ reconnecting }) => this.setStatus(reconnecting ? gettext("Reconnecting…") : gettext("Connecting…")));
    on("client", ({ client }) => {
      this.client = client;
      client.addEventListener("error", ({ detail }) => this.onServerError(detail));
      client.addEventListener("mute", ({ detail }) => this.onMuteRequest(client, detail, true));
      client.addEventListener("unmute-request", ({ detail }) => this.onMuteRequest(client, detail, false));
      client.addEventListener("reaction", ({ detail }) => this.onReaction(client, detail));
    });
    on("lobby", () => {
      this.root.dataset.state = "lobby";
      this.setStatus(gettext("Waiting to be let in…"));
      this.screens.showLobby();
    });
    on("joined", (detail) => this.onJoined(detail));
    on("reconnecting", ({ reason }) => {
      this.root.dataset.state = "reconnecting";
      this.setStatus(gettext("Reconnecting…"));
      this.notices.set("connection", gettext("Connection lost — reconnecting…"), { tone: "warning" });
      if (reason) console.warn("reconnecting:", reason);
    });
    on("password", ({ info }) => {
      this.dropConnection();
      this.root.dataset.state = "password";
      this.setStatus(gettext("Password needed"));
      this.screens.show({ title: gettext(info.title), text: gettext(info.text), password: true });
    });
    on("ended", ({ title, text, gaveUp, retry, rejoin, code, by }) => {
      let said = gettext(text);
      if (code === 4013) said = this.whoEnded(by) || said;
      if (gaveUp) {
        const count = RECONNECT_DELAYS_MS.length;
        said = `${said} ${interpolate(gettext("Confer tried to reconnect %(count)s times and gave up."), { count })}`;
      }
      this.end(gettext(title), said, {
        retryLabel: retry === "later" ? gettext("Try again") : gettext("Rejoin"),
        rejoin: rejoin !== false,
      });
    });
  }

  /** @param {{client: import("./protocol.js").SignallingClient, welcome: import("./protocol.js").Welcome, keptSeat: boolean}} joined */
  onJoined({ client, welcome, keptSeat }) {
    this.screens.hide();
    this.notices.clear("connection");
    const route = welcome.state.room.route || "mesh";
    let early = this.early;
    this.early = null;
    if (keptSeat && route === "mesh" && this.mesh && !this.sfu) {
      // Our seat was kept: the media connections carried on peer to peer while the socket was away.
      this.mesh.rebind(client);
    } else if (keptSeat && route === "sfu" && this.sfu) {
      // Our connections to the media server carried on if the server kept them (welcome's media_kept); if not,
      // publish and subscribe again over the new socket.
      this.sfu.rebind(client, !!welcome.media_kept);
      this.dataLinks?.rebind(client);
    } else {
      this.dropConnection();
      if (route === "sfu") this.startSfu(client);
      else {
        this.mesh = this.createMesh(client, early);
        early = null;
        this.mesh.start();
      }
    }
    if (early) closePrepared(early); // no new mesh to take it
    for (const type of ["peer-joined", "peer-left", "peer-updated", "room-updated", "lobby-updated", "state"]) {
      client.addEventListener(type, (event) => this.onRoomEvent(client, type, /** @type {CustomEvent} */ (event).detail));
    }
    client.addEventListener("chat", ({ detail }) => this.chat.add(detail.message));
    this.chat.loadHistory(welcome.state.chat, welcome.private_chat);
    this.root.dataset.state = "joined";
    this.wasRecording = !!welcome.state.room.recording;
    this.handsUp = new Set(handQueue(welcome.state.peers).map((peer) => peer.peer_id));
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
    if (type === "room-updated" || type === "state") this.followRoute(client);
    this.refresh();
  }

  /** Redraw the participants panel, the recipients, the count and the recording indicator from the room state. */
  refresh() {
    const client = this.client;
    if (!client || !client.state) return;
    const canModerate = client.can("moderate");
    this.people.render(client.state, client.peerId, canModerate);
    this.host.render(client.state.room);
    const hostButton = /** @type {HTMLElement} */ (this.root.querySelector("#toggle-host"));
    hostButton.hidden = !canModerate;
    if (!canModerate && this.panels.current === "host") this.panels.close();
    this.noticeNewHands(client, canModerate);
    this.chat.setRecipients(client.roster);
    this.panels.setLobbyWaiting(canModerate ? client.state.lobby_count || 0 : 0);
    // How this meeting's media flows now ("mesh" or "sfu"): for styles, and for people who look.
    this.root.dataset.route = client.state.room.route || "mesh";
    const recording = !!client.state.room.recording;
    this.recordingBadge.hidden = !recording;
    if (recording !== this.wasRecording) {
      this.announce(recording ? gettext("This meeting is being recorded.") : gettext("The recording has stopped."));
      this.wasRecording = recording;
    }
    this.updatePeopleCount();
  }

  /** Tell hosts and moderators when a hand goes up, with its place in the queue, and a soft chime. */
  noticeNewHands(client, canModerate) {
    const queue = handQueue(client.state.peers);
    const fresh = queue.filter((peer) => !this.handsUp.has(peer.peer_id) && peer.peer_id !== client.peerId);
    this.handsUp = new Set(queue.map((peer) => peer.peer_id));
    if (!fresh.length) return;
    for (const peer of fresh) this.announce(interpolate(gettext("%(name)s raised their hand."), { name: peer.name }));
    if (!canModerate) return;
    const peer = fresh[fresh.length - 1];
    const place = queue.indexOf(peer) + 1;
    this.notices.set("hand", interpolate(gettext("%(name)s raised their hand (number %(place)s in line)."), { name: peer.name, place }), {
      action: { label: gettext("Show"), run: () => this.panels.open("people") },
      fadeAfterMs: 10000,
    });
    if (chime()) this.root.dataset.chimes = String(Number(this.root.dataset.chimes || 0) + 1);
  }

  /**
   * The tiles on screen changed (a page turned, a tile pinned, resized, come or gone): media through the server
   * receives only the videos on screen, each at the layer its tile needs; the stage says which peers those are
   * (`confer:visible-change` {peerIds}), for whoever watches the page.
   */
  onLayout() {
    const visible = this.tiles.visiblePeerIds();
    this.sfu?.setLayout(visible, this.tiles.tileSizes());
    const key = [...visible].sort().join(" ");
    if (key === this.visibleKey) return;
    this.visibleKey = key;
    const stage = /** @type {HTMLElement} */ (this.root.querySelector("#stage"));
    stage.dispatchEvent(new CustomEvent("confer:visible-change", { detail: { peerIds: [...visible] } }));
  }

  /** Someone reacted: float it over their tile and say it. @param {any} client @param {{from: string, emoji: string}} reaction */
  onReaction(client, { from, emoji }) {
    if (client !== this.client) return;
    const mine = from === client.peerId;
    this.tiles.float(mine ? SELF : from, emoji);
    this.announce(mine
      ? interpolate(gettext("You reacted %(emoji)s"), { emoji })
      : interpolate(gettext("%(name)s reacted %(emoji)s"), { name: this.nameOf(from), emoji }));
  }

  /** A chat message while the chat is closed: a short preview, and a way to it. @param {{name: string, text: string, to?: string}} message */
  chatToast(message) {
    const preview = message.text.length > 90 ? `${message.text.slice(0, 90)}…` : message.text;
    const format = message.to ? gettext("%(name)s (privately): %(text)s") : gettext("%(name)s: %(text)s");
    this.notices.set("chat", interpolate(format, { name: message.name, text: preview }), {
      action: { label: gettext("Open chat"), run: () => this.panels.open("chat") },
      fadeAfterMs: 7000,
    });
  }

  /** The layout button's menu: grid or speaker, our own view shown or not, unpin. */
  setUpLayoutMenu() {
    const button = /** @type {HTMLElement} */ (this.root.querySelector("#toggle-layout"));
    const menu = /** @type {HTMLElement} */ (this.root.querySelector("#layout-menu"));
    const render = () => {
      for (const item of menu.querySelectorAll("[data-layout-mode]")) {
        item.setAttribute("aria-checked", String(/** @type {HTMLElement} */ (item).dataset.layoutMode === this.layout.mode));
      }
      menu.querySelector("#layout-hide-self").setAttribute("aria-checked", String(this.layout.hideSelf));
      /** @type {HTMLElement} */ (menu.querySelector("#layout-unpin")).hidden = !this.layout.pinned;
    };
    this.layout.addEventListener("change", render);
    render();
    button.addEventListener("click", () => {
      if (!menu.hidden) closePopover();
      else openPopover(menu, button);
    });
    for (const item of menu.querySelectorAll("[data-layout-mode]")) {
      item.addEventListener("click", () => {
        closePopover();
        this.layout.setMode(/** @type {any} */ (/** @type {HTMLElement} */ (item).dataset.layoutMode));
      });
    }
    menu.querySelector("#layout-hide-self").addEventListener("click", () => {
      closePopover();
      this.layout.setHideSelf(!this.layout.hideSelf);
    });
    menu.querySelector("#layout-unpin").addEventListener("click", () => {
      closePopover();
      this.layout.pin(null);
    });
  }

  /**
   * The meeting's media route changed (room-updated): move without a reload. To the server: make before break,
   * publishing and subscribing there first and closing the browser-to-browser connections once its videos play.
   * @param {import("./protocol.js").SignallingClient} client
   */
  followRoute(client) {
    const route = client.state.room.route || "mesh";
    if (route === "sfu" && !this.sfu) {
      this.startSfu(client);
      this.retireMesh();
    } else if (route === "mesh" && this.sfu) {
      const sfu = this.sfu;
      this.sfu = null;
      sfu.close();
      this.closeDataLinks();
      this.speaker.start();
      this.mesh = this.createMesh(client);
      this.mesh.start();
    }
  }

  /** @param {import("./protocol.js").SignallingClient} client */
  startSfu(client) {
    if (this.mesh) this.mesh.freeze(); // no new browser-to-browser connections from now on
    const sfu = new SfuClient({ signalling: client, localStream: this.controls.stream });
    sfu.screenStream = this.controls.screenStream;
    this.sfu = sfu;
    this.watchMedia(sfu, () => this.sfu === sfu, false);
    this.openDataLinks(client);
    // The media server's audio levels say who speaks: no analyser per remote voice in the page.
    this.speaker.stop();
    sfu.addEventListener("speaker", ({ detail }) => {
      this.tiles.setSpeaker(detail.peerId);
      this.layout.setSpeaker(detail.other);
    });
    // Through the server, each tile's quality is our own link's: congestion there is what shrinks its video.
    let link = null;
    const showLink = (peerIds) => {
      if (link && this.sfu === sfu) for (const peerId of peerIds) this.tiles.setQuality(peerId, link);
    };
    sfu.addEventListener("congestion", ({ detail }) => {
      link = linkQuality(detail.cap);
      showLink(sfu.peers.keys());
    });
    sfu.addEventListener("peer-added", ({ detail }) => showLink([detail.peerId]));
    sfu.start();
    this.tiles.onLayout();
  }

  /**
   * Files in a meeting through the server: a data-only mesh whose connections are made when a file is offered.
   * @param {import("./protocol.js").SignallingClient} client
   */
  openDataLinks(client) {
    this.closeDataLinks();
    const links = new PeerMesh({ signalling: client, localStream: null, link: "data" });
    this.dataLinks = links;
    const on = (type, handler) => links.addEventListener(type, (event) => {
      if (this.dataLinks === links) handler(/** @type {CustomEvent} */ (event).detail);
    });
    on("control", (detail) => this.files.onControl(detail.peerId, detail.message));
    on("datachannel", (detail) => this.files.onDataChannel(detail.peerId, detail.channel));
    on("failure", (detail) => console.warn("data link", detail.peerId, detail.error));
  }

  closeDataLinks() {
    if (this.dataLinks) this.dataLinks.close();
    this.dataLinks = null;
  }

  /** Close the browser-to-browser connections once every video plays through the server (or after a while). */
  retireMesh() {
    const mesh = this.mesh;
    if (!mesh) return;
    const started = Date.now();
    const check = () => {
      if (this.mesh !== mesh) return;
      const sfu = this.sfu;
      const waiting = sfu ? [...mesh.visibleLinks].filter((link) => {
        const stream = sfu.streams.get(link.peerId);
        return link.peer.video !== false && !(stream && stream.getVideoTracks().some((t) => !t.muted));
      }) : [];
      if (waiting.length && Date.now() - started < MESH_RETIRE_MS) {
        window.setTimeout(check, 200);
        return;
      }
      this.mesh = null;
      mesh.close();
    };
    check();
  }

  /**
   * @param {import("./protocol.js").SignallingClient} client
   * @param {import("./peerlink.js").PreparedConnection | null} [early]  made before the welcome
   */
  createMesh(client, early = null) {
    const mesh = new PeerMesh({ signalling: client, localStream: this.controls.stream, early });
    mesh.screenStream = this.controls.screenStream;
    this.watchMedia(mesh, () => this.mesh === mesh, true);
    return mesh;
  }

  /**
   * Draw what a media route (PeerMesh or SfuClient) reports, while `current()` says it is the page's.
   * @param {PeerMesh | SfuClient} media @param {() => boolean} current @param {boolean} watchLevels
   */
  watchMedia(media, current, watchLevels) {
    const on = (type, handler) => media.addEventListener(type, (event) => {
      if (current()) handler(/** @type {CustomEvent} */ (event).detail);
    });
    on("peer-added", (detail) => {
      if (detail.hidden) return;
      this.tiles.ensure(detail.peerId, detail.peer.name);
      this.tiles.setPresence(detail.peerId, detail.peer);
      this.updatePeopleCount();
    });
    on("peer-updated", (detail) => {
      this.tiles.setPresence(detail.peerId, detail.peer);
      this.updatePeopleCount();
    });
    on("media", (detail) => {
      if (detail.hidden) return;
      // While moving through the server, a peer's video from there wins over its old direct one.
      if (media !== this.sfu && this.sfu && this.sfu.streams.has(detail.peerId)) return;
      this.tiles.attach(detail.peerId, detail.peer.name, detail.camera, detail.screen);
      if (watchLevels) this.levels.watch(detail.peerId, detail.camera ? detail.camera.getAudioTracks()[0] : null);
    });
    on("peer-removed", (detail) => {
      this.levels.unwatch(detail.peerId);
      this.files.peerGone(detail.peerId);
      if (!this.tiles.tiles.has(detail.peerId)) return; // hidden
      this.tiles.remove(detail.peerId);
      if (detail.reason === "closed" || detail.reason === "replaced") return;
      this.updatePeopleCount();
      if (detail.peer.name) this.announce(interpolate(gettext("%(name)s left."), { name: detail.peer.name }));
    });
    on("connection-state", (detail) => {
      if (!detail.hidden) this.tiles.setConnectionState(detail.peerId, detail.state);
    });
    on("control", (detail) => this.files.onControl(detail.peerId, detail.message));
    on("datachannel", (detail) => this.files.onDataChannel(detail.peerId, detail.channel));
    on("failure", (detail) => console.warn("media", detail.peerId, detail.error));
  }

  /** Say who ended the meeting: this person, or someone they know by name; null when nobody is named. @param {string | null} by */
  whoEnded(by) {
    if (!by) return null;
    if (this.client && by === this.client.peerId) return gettext("You ended the meeting for everyone.");
    const peer = this.client ? this.client.roster.get(by) : null;
    return peer ? interpolate(gettext("%(name)s ended the meeting for everyone."), { name: peer.name }) : null;
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
    // The server dropped some of our offers, answers or candidates: once it has had a moment, negotiate again
    // the connections that are not plainly fine (the same repair as after a resume).
    if (error.code === "overloaded" && !this.recoverTimer) {
      this.recoverTimer = window.setTimeout(() => {
        this.recoverTimer = 0;
        // Both meshes: the media one, and in a meeting through the server the data-only one (files).
        this.mesh?.recover();
        this.dataLinks?.recover();
      }, 2000);
    }
    const explain = USER_ERRORS[error.code];
    if (explain) this.notices.set("server-error", explain(), { tone: "error", fadeAfterMs: 8000 });
    else console.warn("signalling:", error.code, error.message);
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
    if (name === "host" && open) this.host.opened();
    if (name === "chat" && open) this.notices.clear("chat");
  }

  /** Forget the media connections and everyone in them; the local media stays. */
  dropConnection() {
    if (this.early) closePrepared(this.early);
    this.early = null;
    if (this.mesh) this.mesh.close();
    this.mesh = null;
    if (this.sfu) this.sfu.close();
    this.sfu = null;
    this.closeDataLinks();
    this.tiles.removeAll();
  }

  leave() {
    if (this.finished) return;
    this.connection.leave();
    this.end(gettext("You left the meeting"), "");
  }

  /**
   * Stop everything and show the end screen.
   * @param {string} title @param {string} text @param {{retryLabel?: string, rejoin?: boolean}} [options] (translated)
   */
  end(title, text, { retryLabel = gettext("Rejoin"), rejoin = true } = {}) {
    this.finished = true;
    this.connection.stop();
    this.speaker.stop();
    this.quality.stop();
    this.dropConnection();
    this.controls.stop();
    this.levels.close();
    this.root.dataset.state = "ended";
    this.root.querySelector("#prejoin").hidden = true;
    this.notices.clear("connection");
    this.notices.clear("lobby");
    this.panels.close();
    this.reactions.close();
    this.notices.clear("hand");
    this.notices.clear("chat");
    this.controls.enable(false);
    this.screens.show({ title, text, retryLabel, rejoin });
  }
}

/** The tab's sessionStorage, or null where storage is disabled. */
function sessionStorageIfAny() {
  try {
    return window.sessionStorage;
  } catch {
    return null;
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
