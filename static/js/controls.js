// The local side of the call: camera, microphone, screen share and hand, their buttons, and switching devices
// mid-call (replaceTrack, so nothing is renegotiated).

import { gettext } from "./i18n.js";
import { listDevices, openTrack, stopMedia } from "./media.js";
import { deviceOf, fillDeviceSelects, saveDevices, savedDevices } from "./devices.js";
import { canShareScreen, pickScreen } from "./screenshare.js";
import { CameraEffect, NoiseSuppression, canProcessCamera, canSuppressNoise } from "./effects.js";

const EFFECTS_KEY = "confer.effects";

/** The effects chosen last time: {background, noise}. */
function savedEffects() {
  try {
    const saved = JSON.parse(window.localStorage.getItem(EFFECTS_KEY) || "{}") || {};
    return { background: typeof saved.background === "string" ? saved.background : "", noise: saved.noise === true };
  } catch {
    return { background: "", noise: false };
  }
}

export class LocalControls {
  /**
   * @param {HTMLElement} root #room
   * @param {object} options
   * @param {import("./tiles.js").TileGrid} options.tiles
   * @param {() => import("./protocol.js").SignallingClient | null} options.getClient
   * @param {() => import("./peers.js").PeerMesh | null} options.getMesh
   * @param {import("./speaker.js").AudioLevels} options.levels
   * @param {(text: string) => void} options.warn
   */
  constructor(root, { tiles, getClient, getMesh, levels, warn }) {
    this.root = root;
    this.tiles = tiles;
    this.getClient = getClient;
    this.getMesh = getMesh;
    this.levels = levels;
    this.warn = warn;
    this.micButton = /** @type {HTMLButtonElement} */ (root.querySelector("#toggle-mic"));
    this.cameraButton = /** @type {HTMLButtonElement} */ (root.querySelector("#toggle-camera"));
    this.screenButton = /** @type {HTMLButtonElement} */ (root.querySelector("#toggle-screen"));
    this.handButton = /** @type {HTMLButtonElement} */ (root.querySelector("#toggle-hand"));
    this.settingsPanel = /** @type {HTMLElement} */ (root.querySelector("#settings-panel"));
    /** @type {MediaStream | null} */
    this.stream = null;
    /** @type {MediaStream | null} */
    this.screenStream = null;
    this.hand = false;
    this.micButton.addEventListener("click", () => this.toggle("audio"));
    this.cameraButton.addEventListener("click", () => this.toggle("video"));
    this.screenButton.addEventListener("click", () => this.toggleScreen());
    this.handButton.addEventListener("click", () => this.toggleHand());
    this.settingsPanel.addEventListener("change", (event) => this.switchDevice(/** @type {HTMLSelectElement} */ (event.target)));
    /** The camera and microphone as the devices give them, when an effect processes what is sent. */
    this.raw = { video: /** @type {MediaStreamTrack | null} */ (null), audio: /** @type {MediaStreamTrack | null} */ (null) };
    /** @type {CameraEffect | null} */
    this.cameraEffect = null;
    /** @type {NoiseSuppression | null} */
    this.noiseSuppression = null;
    this.backgroundSelect = /** @type {HTMLSelectElement} */ (root.querySelector("#settings-background"));
    this.noiseBox = /** @type {HTMLInputElement} */ (root.querySelector("#settings-noise"));
    this.effectsStatus = /** @type {HTMLElement} */ (root.querySelector("#effects-status"));
    this.backgroundSelect.disabled = !canProcessCamera();
    this.noiseBox.disabled = !canSuppressNoise();
    this.backgroundSelect.addEventListener("change", () => this.setBackground(this.backgroundSelect.value));
    this.noiseBox.addEventListener("change", () => this.setNoiseSuppression(this.noiseBox.checked));
  }

  /** Apply the effects chosen last time, where the browser can. */
  async applySavedEffects() {
    const saved = savedEffects();
    if (saved.background && canProcessCamera()) await this.setBackground(saved.background);
    if (saved.noise && canSuppressNoise()) await this.setNoiseSuppression(true);
  }

  /** @param {{background?: string, noise?: boolean}} change */
  saveEffects(change) {
    try {
      window.localStorage.setItem(EFFECTS_KEY, JSON.stringify({ ...savedEffects(), ...change }));
    } catch {
      // storage may be disabled
    }
  }

  /**
   * Put a processed track in the place of what is sent now (to everyone, and in the stream the page shows).
   * @param {MediaStreamTrack} old @param {MediaStreamTrack} track
   */
  async swapTrack(old, track) {
    track.enabled = old.enabled;
    await this.getMesh()?.replaceTrack(track);
    this.stream.removeTrack(old);
    this.stream.addTrack(track);
    if (track.kind === "video") this.tiles.showSelf(this.stream);
    else this.levels.watch("", track);
  }

  /** Blur the background, replace it, or (with "") show the camera as it is. @param {string} effect */
  async setBackground(effect) {
    this.backgroundSelect.value = effect;
    this.saveEffects({ background: effect });
    const sent = this.track("video");
    if (!sent || !this.stream) return;
    try {
      if (!effect) {
        if (this.cameraEffect && this.raw.video) {
          const raw = this.raw.video;
          await this.swapTrack(sent, raw);
          this.cameraEffect.stop();
          this.cameraEffect = null;
          this.raw.video = null;
        }
      } else if (this.cameraEffect) {
        this.cameraEffect.setEffect(effect);
      } else {
        this.effectsStatus.textContent = gettext("Starting the background effect…");
        const camera = new CameraEffect();
        const processed = await camera.start(sent, effect);
        this.cameraEffect = camera;
        this.raw.video = sent;
        await this.swapTrack(sent, processed);
      }
      this.effectsStatus.textContent = "";
      this.tiles.selfTile.dataset.effect = effect || "none";
    } catch (error) {
      console.warn("background effect:", error);
      this.effectsStatus.textContent = gettext("The background effect could not start in this browser.");
    }
  }

  /** Clean the microphone's sound with RNNoise, or stop. @param {boolean} on */
  async setNoiseSuppression(on) {
    this.noiseBox.checked = on;
    this.saveEffects({ noise: on });
    const sent = this.track("audio");
    if (!sent || !this.stream) return;
    try {
      if (!on && this.noiseSuppression && this.raw.audio) {
        await this.swapTrack(sent, this.raw.audio);
        this.noiseSuppression.stop();
        this.noiseSuppression = null;
        this.raw.audio = null;
      } else if (on && !this.noiseSuppression) {
        const suppression = new NoiseSuppression();
        const cleaned = await suppression.start(sent);
        this.noiseSuppression = suppression;
        this.raw.audio = sent;
        await this.swapTrack(sent, cleaned);
      }
      this.tiles.selfTile.dataset.noiseSuppression = String(!!this.noiseSuppression);
    } catch (error) {
      console.warn("noise suppression:", error);
      this.noiseBox.checked = false;
      this.effectsStatus.textContent = gettext("Noise suppression could not start in this browser.");
    }
  }

  /** Take the stream chosen on the pre-join screen. @param {MediaStream | null} stream */
  useStream(stream) {
    this.stream = stream;
    this.tiles.showSelf(stream);
    this.levels.watch("", this.track("audio"));
    this.render();
  }

  /** @param {"audio" | "video"} kind */
  track(kind) {
    if (!this.stream) return null;
    return this.stream.getTracks().find((t) => t.kind === kind) || null;
  }

  /** What this client sends, for `join` and `state`. */
  presence() {
    const audio = this.track("audio");
    const video = this.track("video");
    return {
      audio: !!audio && audio.enabled,
      video: !!video && video.enabled,
      screen: !!this.screenStream,
      hand: this.hand,
    };
  }

  /** Let the buttons be used (once in the call) or not (after it). @param {boolean} enabled */
  enable(enabled) {
    for (const button of this.root.querySelectorAll(".room-controls button")) {
      /** @type {HTMLButtonElement} */ (button).disabled = !enabled;
    }
    if (enabled) this.render();
  }

  render() {
    for (const [button, kind, tileState] of /** @type {const} */ ([
      [this.micButton, "audio", "mic"],
      [this.cameraButton, "video", "camera"],
    ])) {
      const track = this.track(kind);
      if (!track) {
        button.disabled = true;
        button.dataset.off = "true";
        button.setAttribute("aria-label", button.dataset.labelMissing);
      } else {
        button.dataset.off = String(!track.enabled);
        button.setAttribute("aria-label", track.enabled ? button.dataset.labelOn : button.dataset.labelOff);
      }
      this.tiles.setSelfState(tileState, !!track && track.enabled);
      this.updateTooltip(button);
    }
    const sharing = !!this.screenStream;
    this.screenButton.hidden = !canShareScreen();
    this.screenButton.setAttribute("aria-pressed", String(sharing));
    this.screenButton.setAttribute("aria-label", sharing ? this.screenButton.dataset.labelOn : this.screenButton.dataset.labelOff);
    this.updateTooltip(this.screenButton);
    this.handButton.setAttribute("aria-pressed", String(this.hand));
    this.handButton.setAttribute("aria-label", this.hand ? this.handButton.dataset.labelOn : this.handButton.dataset.labelOff);
    this.updateTooltip(this.handButton);
    this.tiles.setSelfState("hand", this.hand);
  }

  /** Show the button's name as a tooltip, and its short label (wide screens) for the state it is in. @param {HTMLElement} button */
  updateTooltip(button) {
    const tip = button.querySelector(".control-tip");
    if (tip) tip.textContent = button.getAttribute("aria-label");
    const label = button.querySelector(".control-label");
    const active = button.dataset.off === "true" || button.getAttribute("aria-pressed") === "true";
    if (label && button.dataset.short) {
      label.textContent = active && button.dataset.shortActive ? button.dataset.shortActive : button.dataset.short;
    }
  }

  /** @param {object} presence */
  send(presence) {
    const client = this.getClient();
    if (client) client.sendPresence(presence);
  }

  /**
   * Turn a source on or off: the track keeps flowing (silence or black), so nothing needs renegotiating.
   * @param {"audio" | "video"} kind @param {boolean} [on]  the new state; flips it when left out
   */
  toggle(kind, on) {
    const track = this.track(kind);
    if (!track) return;
    track.enabled = on === undefined ? !track.enabled : on;
    this.render();
    this.send({ [kind]: track.enabled });
  }

  /** @param {boolean} [up] */
  toggleHand(up) {
    this.hand = up === undefined ? !this.hand : up;
    this.render();
    this.send({ hand: this.hand });
  }

  async toggleScreen() {
    if (this.screenStream) {
      this.stopScreen();
      return;
    }
    if (!canShareScreen()) return;
    let stream;
    try {
      stream = await pickScreen();
    } catch (error) {
      this.warn(/** @type {Error} */ (error).message);
      return;
    }
    if (!stream) return;
    this.screenStream = stream;
    // The browser's own "Stop sharing" button ends the track.
    stream.getVideoTracks()[0].addEventListener("ended", () => {
      if (this.screenStream === stream) this.stopScreen();
    });
    this.getMesh()?.setScreen(stream);
    this.tiles.showScreen("", "", stream);
    this.render();
    this.send({ screen: true });
  }

  stopScreen() {
    const stream = this.screenStream;
    if (!stream) return;
    this.screenStream = null;
    this.getMesh()?.setScreen(null);
    stopMedia(stream);
    this.tiles.removeScreen("");
    this.render();
    this.send({ screen: false });
  }

  /** Show the devices in the settings panel (labels are known once the camera or microphone was allowed). */
  async fillDevices() {
    const lists = await listDevices(navigator.mediaDevices);
    fillDeviceSelects(this.settingsPanel, lists, {
      ...savedDevices(),
      audioinput: this.raw.audio ? this.raw.audio.getSettings().deviceId || "" : deviceOf(this.stream, "audio"),
      videoinput: this.raw.video ? this.raw.video.getSettings().deviceId || "" : deviceOf(this.stream, "video"),
      audiooutput: this.tiles.sinkId || savedDevices().audiooutput,
    });
  }

  /** Switch a camera, microphone or speaker mid-call. @param {HTMLSelectElement} select */
  async switchDevice(select) {
    const kind = select.dataset.deviceKind;
    if (!kind || !select.value) return;
    saveDevices({ [kind]: select.value });
    if (kind === "audiooutput") {
      this.tiles.setSink(select.value);
      return;
    }
    const trackKind = kind === "audioinput" ? "audio" : "video";
    const old = this.track(trackKind);
    if (!this.stream || !old) return;
    const track = await openTrack(navigator.mediaDevices, trackKind, select.value);
    if (!track) {
      this.warn(gettext("That device could not be started."));
      return;
    }
    track.enabled = old.enabled;
    // With an effect on, the new device goes through it too.
    const effect = trackKind === "video" ? this.cameraEffect : this.noiseSuppression;
    if (effect) {
      const raw = this.raw[trackKind];
      effect.stop();
      if (trackKind === "video") {
        this.cameraEffect = null;
        this.raw.video = null;
        await this.swapTrack(old, track);
        old.stop();
        if (raw) raw.stop();
        await this.setBackground(this.backgroundSelect.value);
      } else {
        this.noiseSuppression = null;
        this.raw.audio = null;
        await this.swapTrack(old, track);
        old.stop();
        if (raw) raw.stop();
        await this.setNoiseSuppression(true);
      }
      return;
    }
    await this.getMesh()?.replaceTrack(track);
    this.stream.removeTrack(old);
    old.stop();
    this.stream.addTrack(track);
    if (trackKind === "video") this.tiles.showSelf(this.stream);
    else this.levels.watch("", track);
  }

  /** Stop the camera, microphone and any shared screen. */
  stop() {
    if (this.cameraEffect) this.cameraEffect.stop();
    if (this.noiseSuppression) this.noiseSuppression.stop();
    for (const raw of [this.raw.video, this.raw.audio]) if (raw) raw.stop();
    this.cameraEffect = null;
    this.noiseSuppression = null;
    stopMedia(this.screenStream);
    this.screenStream = null;
    stopMedia(this.stream);
    this.stream = null;
  }
}
