// Sound levels from WebAudio analysers, and who is speaking, with hysteresis so the mark does not flicker.
//
// Two answers come from the same levels: who speaks now, ourselves included (the mark on the tiles), and which of
// the others speaks (the stage of the speaker view). They differ when we talk over someone: our own microphone is
// always the loudest in our page, yet the stage should show the person we are listening to, as Jitsi Meet's and
// LiveKit's speaker views do.

/** A level (RMS of the waveform, 0..1) above which someone counts as speaking. */
const SPEAKING_LEVEL = 0.015;
/** Samples in a row someone must be the loudest before the mark moves to them. */
const SAMPLES_TO_SWITCH = 3;
/** Samples of silence before the mark goes. */
const SAMPLES_TO_CLEAR = 8;
const SAMPLE_MS = 200;
/**
 * Samples the analyser keeps: 8192 at 48 kHz is 170 ms, nearly the time between two samples, so a short sound
 * between samples is not missed (a 512-sample window heard 11 ms in every 200 and caught a beep, or a plosive,
 * by chance).
 */
const WINDOW_SAMPLES = 8192;

/** The sound level of any number of audio tracks, by key. */
export class AudioLevels {
  constructor() {
    /** @type {AudioContext | null} */
    this.context = null;
    /** @type {Map<string, {track: MediaStreamTrack, source: MediaStreamAudioSourceNode, analyser: AnalyserNode, data: Float32Array}>} */
    this.sources = new Map();
  }

  /** Browsers start an AudioContext suspended until the person has clicked: call again after a click. */
  resume() {
    if (this.context && this.context.state === "suspended") this.context.resume().catch(() => {});
  }

  /** @param {string} key @param {MediaStreamTrack | null | undefined} track */
  watch(key, track) {
    const current = this.sources.get(key);
    if (current && current.track === track) return;
    this.unwatch(key);
    if (!track || track.kind !== "audio") return;
    const AudioContextImpl = window.AudioContext || /** @type {any} */ (window).webkitAudioContext;
    if (!AudioContextImpl) return;
    if (!this.context) this.context = new AudioContextImpl();
    this.resume();
    const source = this.context.createMediaStreamSource(new MediaStream([track]));
    const analyser = this.context.createAnalyser();
    analyser.fftSize = WINDOW_SAMPLES;
    source.connect(analyser);
    this.sources.set(key, { track, source, analyser, data: new Float32Array(analyser.fftSize) });
  }

  /** @param {string} key */
  unwatch(key) {
    const entry = this.sources.get(key);
    if (!entry) return;
    entry.source.disconnect();
    this.sources.delete(key);
  }

  /** Return the level now, 0 (silent, muted or unknown) to 1. @param {string} key */
  level(key) {
    const entry = this.sources.get(key);
    if (!entry || !entry.track.enabled || entry.track.readyState !== "live") return 0;
    entry.analyser.getFloatTimeDomainData(entry.data);
    let sum = 0;
    for (const sample of entry.data) sum += sample * sample;
    return Math.sqrt(sum / entry.data.length);
  }

  keys() {
    return [...this.sources.keys()];
  }

  close() {
    for (const key of this.keys()) this.unwatch(key);
    if (this.context) this.context.close().catch(() => {});
    this.context = null;
  }
}

/** One answer to "who speaks": the loudest above a threshold, kept until someone else is louder a while. */
class Pick {
  /** @param {(key: string | null) => void} onChange */
  constructor(onChange) {
    this.onChange = onChange;
    /** @type {string | null} */
    this.current = null;
    /** @type {string | null} */
    this.candidate = null;
    this.candidateSamples = 0;
    this.silentSamples = 0;
  }

  /** @param {string | null} loudest  the loudest key above the threshold in this sample, or null */
  sample(loudest) {
    if (loudest === null) {
      this.candidate = null;
      this.silentSamples += 1;
      if (this.silentSamples >= SAMPLES_TO_CLEAR) this.set(null);
      return;
    }
    this.silentSamples = 0;
    if (loudest === this.current) {
      this.candidate = null;
      return;
    }
    this.candidateSamples = loudest === this.candidate ? this.candidateSamples + 1 : 1;
    this.candidate = loudest;
    if (this.current === null || this.candidateSamples >= SAMPLES_TO_SWITCH) this.set(loudest);
  }

  /** @param {string | null} key */
  set(key) {
    if (key === this.current) return;
    this.current = key;
    this.onChange(key);
  }
}

/**
 * Pick the active speaker from levels, twice: among everyone (our own key is "") and among the others only.
 * onSpeaker(key): who speaks now, null after a silence; onOtherSpeaker(key): which of the others speaks.
 */
export class ActiveSpeaker {
  /**
   * @param {{keys: () => string[], level: (key: string) => number}} levels
   * @param {{onSpeaker?: (key: string | null) => void, onOtherSpeaker?: (key: string | null) => void}} handlers
   */
  constructor(levels, { onSpeaker = () => {}, onOtherSpeaker = () => {} }) {
    this.levels = levels;
    this.everyone = new Pick(onSpeaker);
    this.others = new Pick(onOtherSpeaker);
    /** Smoothed levels by key. @type {Map<string, number>} */
    this.smoothed = new Map();
    this.timer = undefined;
  }

  start() {
    window.clearInterval(this.timer);
    this.timer = window.setInterval(() => this.sample(), SAMPLE_MS);
  }

  stop() {
    window.clearInterval(this.timer);
    this.everyone.set(null);
    this.others.set(null);
  }

  sample() {
    let loudest = null;
    let loudestLevel = SPEAKING_LEVEL;
    let loudestOther = null;
    let loudestOtherLevel = SPEAKING_LEVEL;
    const keys = this.levels.keys();
    for (const key of keys) {
      const level = 0.6 * (this.smoothed.get(key) || 0) + 0.4 * this.levels.level(key);
      this.smoothed.set(key, level);
      if (level > loudestLevel) [loudest, loudestLevel] = [key, level];
      if (key !== "" && level > loudestOtherLevel) [loudestOther, loudestOtherLevel] = [key, level];
    }
    for (const key of this.smoothed.keys()) if (!keys.includes(key)) this.smoothed.delete(key); // left, or unwatched
    this.everyone.sample(loudest);
    this.others.sample(loudestOther);
  }
}
