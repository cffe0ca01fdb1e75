// The grid of video tiles: the self view (already in the page), one tile per remote peer, and shared screens.

import { gettext, interpolate } from "./i18n.js";
import { SCREEN_PREFIX, SELF } from "./layout.js";

/** Return a name's first letter for the placeholder avatar. @param {string} name */
function initial(name) {
  return (name.trim()[0] || "?").toUpperCase();
}

/** Play a video; if the browser wants a click first, play it muted and say so. */
function play(video, onSoundBlocked) {
  video.play().catch((error) => {
    if (error.name !== "NotAllowedError") return;
    video.muted = true;
    video.play().catch(() => {});
    onSoundBlocked();
  });
}

export class TileGrid {
  /**
   * @param {HTMLElement} grid  holds the self tile, #self-tile, and new tiles (StageLayout moves them about)
   * @param {HTMLTemplateElement} tileTemplate @param {HTMLTemplateElement} screenTemplate
   */
  constructor(grid, tileTemplate, screenTemplate) {
    this.grid = grid;
    this.tileTemplate = tileTemplate;
    this.screenTemplate = screenTemplate;
    /** @type {HTMLElement} */
    this.selfTile = grid.querySelector("#self-tile");
    /** @type {HTMLVideoElement} */
    this.selfVideo = grid.querySelector("#self-video");
    /** @type {Map<string, HTMLElement>} */
    this.tiles = new Map();
    /** Shared screens by peer id ("" for our own). @type {Map<string, HTMLElement>} */
    this.screenTiles = new Map();
    /** The speaker chosen for remote sound, where the browser lets us choose. */
    this.sinkId = "";
    /** Called when a remote video may not play sound until the person clicks (autoplay policy). */
    this.onSoundBlocked = () => {};
    /**
     * Called when what is on screen changes: tiles laid out again (paging, pinning, a tile come or gone) or resized.
     * The one hook for everything that follows the visible tiles (visiblePeerIds, tileSizes): media through the
     * server subscribes to the videos on screen, each at the layer that fits; the page announces the visible peers.
     */
    this.onLayout = () => {};
    /** Called when tiles come or go: the layout places them, then calls onLayout. Without a layout, onLayout at once. */
    this.onTilesChanged = () => this.onLayout();
    this.resizes = typeof ResizeObserver === "function" ? new ResizeObserver(() => this.onLayout()) : null;
  }

  /** The peers whose tiles are on screen now (laid out, not hidden: on this page). @returns {Set<string>} */
  visiblePeerIds() {
    const visible = new Set();
    for (const [peerId, tile] of this.tiles) {
      if (!tile.hidden && tile.isConnected && tile.getClientRects().length) visible.add(peerId);
    }
    return visible;
  }

  /** Each visible peer's video size on screen, in CSS pixels. @returns {Map<string, {width: number, height: number}>} */
  tileSizes() {
    const sizes = new Map();
    for (const [peerId, tile] of this.tiles) {
      const video = tile.querySelector("video");
      sizes.set(peerId, { width: video.clientWidth, height: video.clientHeight });
    }
    return sizes;
  }

  /** Every tile by layout key (see layout.js): shared screens, the self view, then the others as they joined. */
  elementsByKey() {
    /** @type {Map<string, HTMLElement>} */
    const elements = new Map();
    for (const [peerId, tile] of this.screenTiles) elements.set(SCREEN_PREFIX + peerId, tile);
    elements.set(SELF, this.selfTile);
    for (const [peerId, tile] of this.tiles) elements.set(peerId, tile);
    return elements;
  }

  /** The tile a layout key names, if it exists. @param {string} key */
  tileOf(key) {
    return this.elementsByKey().get(key) || null;
  }

  /**
   * Float an emoji up over someone's tile (a reaction), then let it go.
   * @param {string} key  a peer id, or SELF @param {string} emoji
   */
  float(key, emoji) {
    const tile = this.tileOf(key);
    if (!tile) return;
    const bubble = document.createElement("span");
    bubble.className = "tile-reaction";
    bubble.setAttribute("aria-hidden", "true"); // the page announces it in words
    bubble.textContent = emoji;
    bubble.style.left = `${15 + Math.random() * 55}%`;
    const frame = tile.querySelector(".tile-frame");
    frame.append(bubble);
    const drop = () => bubble.remove();
    bubble.addEventListener("animationend", drop);
    window.setTimeout(drop, 4000); // where animations are off (reduced motion)
  }

  /** @param {MediaStream | null} stream */
  showSelf(stream) {
    if (stream && stream.getVideoTracks().length) {
      this.selfVideo.srcObject = stream;
    } else {
      this.selfTile.dataset.camera = "off";
    }
  }

  /** @param {"camera" | "mic" | "hand"} state @param {boolean} on */
  setSelfState(state, on) {
    this.selfTile.dataset[state] = state === "hand" ? String(on) : on ? "on" : "off";
  }

  /** Return the tile for a peer, creating it. @param {string} peerId @param {string} name */
  ensure(peerId, name) {
    let tile = this.tiles.get(peerId);
    if (!tile) {
      tile = /** @type {HTMLElement} */ (this.tileTemplate.content.firstElementChild.cloneNode(true));
      tile.dataset.tileFor = peerId;
      const video = tile.querySelector("video");
      video.dataset.peerId = peerId;
      video.addEventListener("playing", () => (tile.dataset.video = "playing"));
      this.applySink(video);
      this.grid.append(tile);
      this.tiles.set(peerId, tile);
      if (this.resizes) this.resizes.observe(tile);
      this.updateCount();
    }
    this.rename(peerId, name);
    return tile;
  }

  /** @param {string} peerId @param {string} name */
  rename(peerId, name) {
    const tile = this.tiles.get(peerId);
    if (!tile || !name) return;
    tile.querySelector(".tile-label").textContent = name;
    tile.querySelector(".tile-avatar").textContent = initial(name);
    const screen = this.screenTiles.get(peerId);
    if (screen) screen.querySelector(".tile-label").textContent = interpolate(gettext("%(name)s's screen"), { name });
  }

  /**
   * Show what a peer says it sends, whether its hand is up, and whether its socket is away.
   * @param {string} peerId @param {import("./protocol.js").Peer} peer
   */
  setPresence(peerId, peer) {
    const tile = this.tiles.get(peerId);
    if (!tile) return;
    this.rename(peerId, peer.name);
    tile.dataset.mic = peer.audio === false ? "off" : "on";
    tile.dataset.camera = peer.video === false ? "off" : "on";
    tile.dataset.hand = String(!!peer.hand);
    tile.dataset.away = String(peer.connected === false);
    if (peer.screen === false) this.removeScreen(peerId);
  }

  /** @param {string} peerId @param {RTCPeerConnectionState} state */
  setConnectionState(peerId, state) {
    const tile = this.tiles.get(peerId);
    if (tile) tile.dataset.connection = state;
  }

  /** Mark the active speaker's tile ("" for ourselves, null for nobody). @param {string | null} peerId */
  setSpeaker(peerId) {
    this.selfTile.dataset.speaking = String(peerId === "");
    for (const [id, tile] of this.tiles) tile.dataset.speaking = String(id === peerId);
  }

  /**
   * Show a peer's connection quality on its tile.
   * @param {string} peerId @param {{level: string, label: string}} quality
   */
  setQuality(peerId, { level, label }) {
    const tile = this.tiles.get(peerId);
    if (!tile) return;
    const indicator = tile.querySelector(".tile-quality");
    indicator.dataset.level = level;
    indicator.setAttribute("aria-label", label);
    indicator.title = label;
  }

  /**
   * Show a peer's camera-and-microphone stream and its shared screen.
   * @param {string} peerId @param {string} name @param {MediaStream | null} camera @param {MediaStream | null} screen
   */
  attach(peerId, name, camera, screen) {
    const tile = this.ensure(peerId, name);
    /** @type {HTMLVideoElement} */
    const video = tile.querySelector("video");
    if (camera) {
      if (video.srcObject !== camera) video.srcObject = camera;
      play(video, this.onSoundBlocked);
    } else if (video.srcObject) {
      // Their media stopped coming (through the server: Janus took their streams out until they publish again):
      // show their initial, as before their first frame, not a picture frozen on its last frame.
      video.srcObject = null;
      tile.dataset.video = "waiting";
    }
    if (screen) this.showScreen(peerId, name, screen);
    else this.removeScreen(peerId);
  }

  /** Show a shared screen as a tile of its own ("" for our own share). @param {string} peerId @param {string} name @param {MediaStream} stream */
  showScreen(peerId, name, stream) {
    let tile = this.screenTiles.get(peerId);
    if (!tile) {
      tile = /** @type {HTMLElement} */ (this.screenTemplate.content.firstElementChild.cloneNode(true));
      tile.dataset.screenFor = peerId;
      const created = tile;
      tile.querySelector("video").addEventListener("playing", () => (created.dataset.video = "playing"));
      this.grid.prepend(tile);
      this.screenTiles.set(peerId, tile);
    }
    tile.querySelector(".tile-label").textContent = peerId
      ? interpolate(gettext("%(name)s's screen"), { name: name || "?" })
      : gettext("Your screen");
    const video = tile.querySelector("video");
    if (video.srcObject !== stream) video.srcObject = stream;
    video.play().catch(() => {});
    this.updateCount();
  }

  /** @param {string} peerId */
  removeScreen(peerId) {
    const tile = this.screenTiles.get(peerId);
    if (!tile) return;
    tile.querySelector("video").srcObject = null;
    tile.remove();
    this.screenTiles.delete(peerId);
    this.updateCount();
  }

  /** Play remote sound on a chosen speaker (where setSinkId exists). @param {string} sinkId */
  setSink(sinkId) {
    this.sinkId = sinkId;
    for (const tile of this.tiles.values()) this.applySink(tile.querySelector("video"));
  }

  /** @param {HTMLVideoElement} video */
  applySink(video) {
    if (this.sinkId && "setSinkId" in video) /** @type {any} */ (video).setSinkId(this.sinkId).catch(() => {});
  }

  /** Unmute the remote videos that autoplay forced to play silently. */
  unmuteAll() {
    for (const tile of this.tiles.values()) {
      const video = tile.querySelector("video");
      video.muted = false;
      video.play().catch(() => {});
    }
  }

  /** @param {string} peerId */
  remove(peerId) {
    this.removeScreen(peerId);
    const tile = this.tiles.get(peerId);
    if (!tile) return;
    tile.querySelector("video").srcObject = null;
    if (this.resizes) this.resizes.unobserve(tile);
    tile.remove();
    this.tiles.delete(peerId);
    this.updateCount();
  }

  removeAll() {
    for (const peerId of [...this.tiles.keys()]) this.remove(peerId);
    for (const peerId of [...this.screenTiles.keys()]) if (peerId) this.removeScreen(peerId);
  }

  /** How many people are in the call, us included; not those whose page is gone (away, the seat kept a while). */
  get count() {
    return [...this.tiles.values()].filter((tile) => tile.dataset.away !== "true").length + 1;
  }

  updateCount() {
    this.grid.closest("#stage").dataset.screens = String(this.screenTiles.size);
    this.onTilesChanged();
  }
}
