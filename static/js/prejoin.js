// The pre-join screen: a camera preview, a microphone level meter, device choice, a name, and joining with the
// camera or microphone off.

import { gettext } from "./i18n.js";
import { listDevices, openLocalMedia, openTrack } from "./media.js";
import { deviceOf, fillDeviceSelects, saveDevices, savedDevices } from "./devices.js";

/**
 * @typedef {object} JoinChoice
 * @property {MediaStream | null} stream
 * @property {string | null} problem    why there is no camera or microphone, in English (translate to show)
 * @property {string} name
 * @property {boolean} audio            join with the microphone on
 * @property {boolean} video            join with the camera on
 * @property {string} speaker           the chosen speaker's device id, or ""
 */

export class PreJoin {
  /** @param {HTMLElement} section #prejoin @param {import("./speaker.js").AudioLevels} levels */
  constructor(section, levels) {
    this.section = section;
    this.levels = levels;
    this.form = /** @type {HTMLFormElement} */ (section.querySelector("#prejoin-form"));
    this.video = /** @type {HTMLVideoElement} */ (section.querySelector("#prejoin-video"));
    this.preview = /** @type {HTMLElement} */ (section.querySelector(".prejoin-preview"));
    this.micButton = /** @type {HTMLButtonElement} */ (section.querySelector("#prejoin-mic"));
    this.cameraButton = /** @type {HTMLButtonElement} */ (section.querySelector("#prejoin-camera"));
    this.meter = /** @type {HTMLMeterElement} */ (section.querySelector("#prejoin-level"));
    this.bar = /** @type {HTMLElement} */ (section.querySelector("#prejoin-level-bar"));
    this.nameInput = /** @type {HTMLInputElement} */ (section.querySelector("#prejoin-name"));
    this.problemText = section.querySelector("#prejoin-problem");
    this.joinButton = /** @type {HTMLButtonElement} */ (section.querySelector("#prejoin-join"));
    /** @type {MediaStream | null} */
    this.stream = null;
    /** @type {string | null} */
    this.problem = null;
    this.frame = 0;
    this.lastMeterUpdate = 0;
    /** Pressed "Join now" before the camera was ready: join as soon as it is. */
    this.joinWhenReady = false;
    this.earlySubmit = (/** @type {SubmitEvent} */ event) => {
      event.preventDefault();
      this.joinWhenReady = true;
      this.joinButton.setAttribute("aria-busy", "true");
      this.problemText.textContent = gettext("Joining as soon as your camera and microphone are ready…");
    };
    // "Join now" works from the start: no pale, disabled button while the browser opens the camera. (It is
    // disabled in the page only until this script runs, so that a click cannot submit the form as a plain GET.)
    this.form.addEventListener("submit", this.earlySubmit);
    this.joinButton.disabled = false;
  }

  /**
   * Open the camera and microphone, show them, and resolve with the person's choices when they join.
   * @param {{joinAtOnce?: boolean}} [options]  skip the waiting (a reload that takes its seat back)
   * @returns {Promise<JoinChoice>}
   */
  async run({ joinAtOnce = false } = {}) {
    const saved = savedDevices();
    const { stream, problem } = await openLocalMedia({
      isSecureContext: window.isSecureContext,
      mediaDevices: navigator.mediaDevices,
      audioDeviceId: saved.audioinput,
      videoDeviceId: saved.videoinput,
    });
    this.stream = stream;
    this.problem = problem;
    this.problemText.textContent = problem ? gettext(problem) : "";
    this.showPreview();
    this.setupToggle(this.micButton, "audio");
    this.setupToggle(this.cameraButton, "video");
    await this.fillDevices();
    this.section.addEventListener("change", (event) => this.onDeviceChange(/** @type {HTMLSelectElement} */ (event.target)));
    this.levels.watch("", this.track("audio"));
    this.section.addEventListener("pointerdown", () => this.levels.resume());
    this.measure();
    this.form.removeEventListener("submit", this.earlySubmit);
    this.joinButton.dataset.ready = "true";
    return new Promise((resolve) => {
      if (joinAtOnce || this.joinWhenReady) queueMicrotask(() => this.form.requestSubmit());
      this.form.addEventListener("submit", (event) => {
        event.preventDefault();
        cancelAnimationFrame(this.frame);
        this.video.srcObject = null; // the self view takes over
        this.levels.resume();
        const speaker = /** @type {HTMLSelectElement} */ (this.section.querySelector("#prejoin-speaker-select")).value;
        resolve({
          stream: this.stream,
          problem: this.problem,
          name: this.nameInput.value.trim(),
          audio: this.isOn("audio"),
          video: this.isOn("video"),
          speaker,
        });
      });
    });
  }

  /** @param {"audio" | "video"} kind */
  track(kind) {
    return this.stream ? this.stream.getTracks().find((t) => t.kind === kind) || null : null;
  }

  /** @param {"audio" | "video"} kind */
  isOn(kind) {
    const track = this.track(kind);
    return !!track && track.enabled;
  }

  showPreview() {
    this.video.srcObject = this.stream;
    this.preview.dataset.camera = this.isOn("video") ? "on" : "off";
  }

  /** @param {HTMLButtonElement} button @param {"audio" | "video"} kind */
  setupToggle(button, kind) {
    const render = () => {
      const on = this.isOn(kind);
      button.setAttribute("aria-pressed", String(on));
      button.dataset.off = String(!on);
      button.disabled = !this.track(kind);
      this.preview.dataset.camera = this.isOn("video") ? "on" : "off";
    };
    button.addEventListener("click", () => {
      const track = this.track(kind);
      if (track) track.enabled = !track.enabled;
      render();
    });
    render();
  }

  async fillDevices() {
    const lists = await listDevices(navigator.mediaDevices);
    fillDeviceSelects(this.section, lists, {
      ...savedDevices(),
      audioinput: deviceOf(this.stream, "audio"),
      videoinput: deviceOf(this.stream, "video"),
    });
  }

  /** Switch the preview to another camera or microphone. @param {HTMLSelectElement} select */
  async onDeviceChange(select) {
    const kind = select.dataset.deviceKind;
    if (!kind || !select.value) return;
    saveDevices({ [kind]: select.value });
    if (kind === "audiooutput" || !this.stream) return;
    const trackKind = kind === "audioinput" ? "audio" : "video";
    const track = await openTrack(navigator.mediaDevices, trackKind, select.value);
    if (!track) return;
    const old = this.track(trackKind);
    if (old) {
      track.enabled = old.enabled;
      this.stream.removeTrack(old);
      old.stop();
    }
    this.stream.addTrack(track);
    this.showPreview();
    if (trackKind === "audio") this.levels.watch("", track);
  }

  /** Move the level meter with the microphone, while the screen shows. */
  measure() {
    const level = Math.min(1, this.levels.level("") * 6);
    this.bar.style.transform = `scaleX(${level.toFixed(3)})`;
    const now = performance.now();
    if (now - this.lastMeterUpdate > 250) {
      this.meter.value = level;
      this.lastMeterUpdate = now;
    }
    this.frame = requestAnimationFrame(() => this.measure());
  }
}
