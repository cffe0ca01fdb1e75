// The grid of video tiles: the self view (already in the page) and one tile per remote peer.

/** Return a name's first letter for the placeholder avatar. @param {string} name */
function initial(name) {
  return (name.trim()[0] || "?").toUpperCase();
}

export class TileGrid {
  /** @param {HTMLElement} grid  holds the self tile, #self-tile */
  constructor(grid) {
    this.grid = grid;
    /** @type {HTMLElement} */
    this.selfTile = grid.querySelector("#self-tile");
    /** @type {HTMLVideoElement} */
    this.selfVideo = grid.querySelector("#self-video");
    /** @type {Map<string, HTMLElement>} */
    this.tiles = new Map();
    /** Called when a remote video may not play sound until the person clicks (autoplay policy). */
    this.onSoundBlocked = () => {};
  }

  /** @param {MediaStream | null} stream */
  showSelf(stream) {
    if (stream && stream.getVideoTracks().length) {
      this.selfVideo.srcObject = stream;
    } else {
      this.selfTile.dataset.camera = "off";
    }
  }

  /** @param {"camera" | "mic"} device @param {boolean} on */
  setSelfState(device, on) {
    this.selfTile.dataset[device] = on ? "on" : "off";
  }

  /** Return the tile for a peer, creating it. @param {string} peerId @param {string} name */
  ensure(peerId, name) {
    let tile = this.tiles.get(peerId);
    if (!tile) {
      tile = document.createElement("div");
      tile.className = "tile";
      tile.dataset.tileFor = peerId;
      tile.dataset.video = "waiting";

      const video = document.createElement("video");
      video.autoplay = true;
      video.playsInline = true;
      video.dataset.peerId = peerId;
      video.addEventListener("playing", () => (tile.dataset.video = "playing"));

      const placeholder = document.createElement("div");
      placeholder.className = "tile-placeholder";
      placeholder.setAttribute("aria-hidden", "true");
      const avatar = document.createElement("span");
      avatar.className = "tile-avatar";
      placeholder.append(avatar);

      const caption = document.createElement("figcaption");
      caption.className = "tile-name";
      const micOff = this.selfTile.querySelector(".tile-mic-off").cloneNode(true);
      const label = document.createElement("span");
      label.className = "tile-label";
      const micOffText = document.createElement("span");
      micOffText.className = "visually-hidden tile-mic-off-text";
      micOffText.textContent = "(microphone off)";
      caption.append(micOff, label, micOffText);

      const frame = document.createElement("figure");
      frame.className = "tile-frame";
      frame.append(video, placeholder, caption);
      tile.append(frame);
      this.grid.append(tile);
      this.tiles.set(peerId, tile);
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
  }

  /**
   * Show what a peer says it sends, and whether its socket is away.
   * @param {string} peerId @param {import("./protocol.js").Peer} peer
   */
  setPresence(peerId, peer) {
    const tile = this.tiles.get(peerId);
    if (!tile) return;
    this.rename(peerId, peer.name);
    tile.dataset.mic = peer.audio === false ? "off" : "on";
    tile.dataset.camera = peer.video === false ? "off" : "on";
    tile.dataset.away = String(peer.connected === false);
  }

  /** @param {string} peerId @param {RTCPeerConnectionState} state */
  setConnectionState(peerId, state) {
    const tile = this.tiles.get(peerId);
    if (tile) tile.dataset.connection = state;
  }

  /** @param {string} peerId @param {string} name @param {MediaStream} stream */
  attach(peerId, name, stream) {
    const tile = this.ensure(peerId, name);
    /** @type {HTMLVideoElement} */
    const video = tile.querySelector("video");
    if (video.srcObject !== stream) video.srcObject = stream;
    video.play().catch((error) => {
      if (error.name !== "NotAllowedError") return;
      // The browser wants a click before playing sound: play muted now, offer sound in a notice.
      video.muted = true;
      video.play().catch(() => {});
      this.onSoundBlocked();
    });
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
    const tile = this.tiles.get(peerId);
    if (!tile) return;
    tile.querySelector("video").srcObject = null;
    tile.remove();
    this.tiles.delete(peerId);
    this.updateCount();
  }

  removeAll() {
    for (const peerId of [...this.tiles.keys()]) this.remove(peerId);
  }

  get count() {
    return this.tiles.size + 1;
  }

  updateCount() {
    this.grid.dataset.count = String(this.count);
  }
}
