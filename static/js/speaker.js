// Sound levels from WebAudio analysers, and who is speaking, with hysteresis so the mark does not flicker.

/** A level (RMS of the waveform, 0..1) above which someone counts as speaking. */
const SPEAKING_LEVEL = 0.015;
/** Samples in a row someone must be the loudest before the mark moves to them. */
const SAMPLES_TO_SWITCH = 3;
/** Samples of silence before the mark goes. */
const SAMPLES_TO_CLEAR = 8;
const SAMPLE_MS = 200;

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
    analyser.fftSize = 512;
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

/** Pick the active speaker from levels: the loudest above a threshold, kept until someone else is louder a while. */
export class ActiveSpeaker {
  /** @param {AudioLevels} levels @param {(key: string | null) => void} onChange */
  constructor(levels, onChange) {
    this.levels = levels;
    this.onChange = onChange;
    /** @type {string | null} */
    this.current = null;
    /** @type {string | null} */
    this.candidate = null;
    this.candidateSamples = 0;
    this.silentSamples = 0;
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
    this.set(null);
  }

  sample() {
    let loudest = null;
    let loudestLevel = SPEAKING_LEVEL;
    for (const key of this.levels.keys()) {
      const level = 0.6 * (this.smoothed.get(key) || 0) + 0.4 * this.levels.level(key);
      this.smoothed.set(key, level);
      if (level > loudestLevel) [loudest, loudestLevel] = [key, level];
    }
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
