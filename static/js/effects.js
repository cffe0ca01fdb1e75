// Camera and microphone effects: background blur and virtual backgrounds (MediaPipe's selfie segmentation model on a
// TensorFlow Lite WebAssembly runtime), and noise suppression (RNNoise in an AudioWorklet). Everything they load
// comes from this site (static/vendor/, made by scripts/vendor-media-models): nothing from a CDN.
//
// The camera is processed frame by frame: MediaStreamTrackProcessor gives VideoFrames, the model says which pixels
// are the person (on a 256×144 copy), a canvas draws the person sharp over the blurred frame (or a background),
// and MediaStreamTrackGenerator makes a track of the result that goes to the others and to the self view.

const VENDOR = new URL("../vendor/", import.meta.url);

/** The effects a camera may have; "" is none. The virtual backgrounds are drawn here: no image is fetched. */
export const BACKGROUNDS = {
  blur: { blur: 12 },
  "blur-light": { blur: 5 },
  dusk: { gradient: ["#1f2a44", "#5b3a67", "#d9785a"] },
  sea: { gradient: ["#0b3d5c", "#1f7a8c", "#bfe3e0"] },
};

/** Whether this browser can process a camera track (Chromium: insertable streams for video). */
export function canProcessCamera() {
  return typeof globalThis.MediaStreamTrackProcessor === "function" && typeof globalThis.MediaStreamTrackGenerator === "function";
}

/** Whether this browser can process the microphone (an AudioWorklet). */
export function canSuppressNoise() {
  return typeof globalThis.AudioWorkletNode === "function";
}

/** @type {Promise<any> | null} */
let runtime = null;

/** Load the TFLite runtime and the segmentation model once per page. */
function loadSegmenter() {
  if (!runtime) {
    runtime = (async () => {
      await new Promise((resolve, reject) => {
        const script = document.createElement("script");
        script.src = new URL("tflite/tflite-simd.js", VENDOR).href;
        script.onload = resolve;
        script.onerror = () => reject(new Error("The background effects could not be loaded."));
        (document.head || document.documentElement).append(script);
      });
      const tflite = await /** @type {any} */ (window).createTFLiteSIMDModule({
        locateFile: (/** @type {string} */ file) => new URL(`tflite/${file}`, VENDOR).href,
      });
      const model = new Uint8Array(await (await fetch(new URL("mediapipe/selfie_segmentation_landscape.tflite", VENDOR))).arrayBuffer());
      tflite.HEAPU8.set(model, tflite._getModelBufferMemoryOffset());
      if (tflite._loadModel(model.byteLength) !== 0) throw new Error("The segmentation model could not be loaded.");
      return tflite;
    })();
    runtime.catch(() => (runtime = null));
  }
  return runtime;
}

/**
 * One processed camera: start() with a raw track and an effect, get a track that carries the result; setEffect()
 * changes the effect without a new track; stop() ends it (the raw track is left to its owner).
 *
 * `stats` counts the frames made and the time spent on them, for the page and the measurements.
 */
export class CameraEffect {
  constructor() {
    /** @type {MediaStreamTrack | null} */
    this.track = null;
    this.effect = "";
    this.running = false;
    this.stats = { frames: 0, processingMs: 0, since: 0 };
  }

  /**
   * Process a camera track with an effect; resolve with the processed track.
   * @param {MediaStreamTrack} source @param {string} effect  a key of BACKGROUNDS
   */
  async start(source, effect) {
    if (!canProcessCamera()) throw new Error("This browser cannot process the camera.");
    const tflite = await loadSegmenter();
    this.effect = effect;
    const width = tflite._getInputWidth();
    const height = tflite._getInputHeight();
    const input = tflite._getInputMemoryOffset() / 4;
    const output = tflite._getOutputMemoryOffset() / 4;
    const small = new OffscreenCanvas(width, height);
    const smallContext = /** @type {OffscreenCanvasRenderingContext2D} */ (small.getContext("2d", { willReadFrequently: true }));
    const mask = new OffscreenCanvas(width, height);
    const maskContext = /** @type {OffscreenCanvasRenderingContext2D} */ (mask.getContext("2d"));
    const maskPixels = new ImageData(width, height);
    /** The mask a little smoothed over time, so its edge does not flicker. */
    const smoothed = new Float32Array(width * height);
    const processor = new /** @type {any} */ (window).MediaStreamTrackProcessor({ track: source, maxBufferSize: 1 });
    const generator = new /** @type {any} */ (window).MediaStreamTrackGenerator({ kind: "video" });
    const reader = processor.readable.getReader();
    const writer = generator.writable.getWriter();
    /** @type {OffscreenCanvas | null} */
    let canvas = null;
    /** @type {OffscreenCanvasRenderingContext2D | null} */
    let context = null;
    this.running = true;
    this.track = generator;
    this.stats = { frames: 0, processingMs: 0, since: performance.now() };
    const step = async () => {
      while (this.running) {
        const { value: frame, done } = await reader.read();
        if (done || !frame) break;
        const started = performance.now();
        const frameWidth = frame.displayWidth;
        const frameHeight = frame.displayHeight;
        if (!canvas || canvas.width !== frameWidth || canvas.height !== frameHeight) {
          canvas = new OffscreenCanvas(frameWidth, frameHeight);
          context = /** @type {OffscreenCanvasRenderingContext2D} */ (canvas.getContext("2d"));
        }
        // Which pixels are the person: the model on a small copy of the frame.
        smallContext.drawImage(frame, 0, 0, width, height);
        const pixels = smallContext.getImageData(0, 0, width, height).data;
        const heap = tflite.HEAPF32;
        for (let i = 0, j = input; i < pixels.length; i += 4, j += 3) {
          heap[j] = pixels[i] / 255;
          heap[j + 1] = pixels[i + 1] / 255;
          heap[j + 2] = pixels[i + 2] / 255;
        }
        tflite._runInference();
        const alpha = maskPixels.data;
        for (let i = 0; i < smoothed.length; i += 1) {
          smoothed[i] = 0.6 * heap[output + i] + 0.4 * smoothed[i];
          alpha[i * 4 + 3] = smoothed[i] * 255;
        }
        maskContext.putImageData(maskPixels, 0, 0);
        this.compose(/** @type {OffscreenCanvasRenderingContext2D} */ (context), frame, mask, frameWidth, frameHeight);
        const made = new VideoFrame(/** @type {OffscreenCanvas} */ (canvas), { timestamp: frame.timestamp });
        frame.close();
        this.stats.frames += 1;
        this.stats.processingMs += performance.now() - started;
        try {
          await writer.write(made);
        } catch {
          made.close();
          break;
        }
      }
      reader.cancel().catch(() => {});
      writer.close().catch(() => {});
    };
    step().catch((error) => console.warn("camera effect stopped:", error));
    return /** @type {MediaStreamTrack} */ (generator);
  }

  /** Draw one frame: the person (by the mask) sharp over the blurred frame or a background. */
  compose(context, frame, mask, width, height) {
    const look = BACKGROUNDS[this.effect] || BACKGROUNDS.blur;
    context.save();
    context.imageSmoothingEnabled = true;
    context.imageSmoothingQuality = "low";
    context.globalCompositeOperation = "copy";
    context.drawImage(mask, 0, 0, width, height); // scaled up smoothly, which softens its edge
    context.globalCompositeOperation = "source-in";
    context.drawImage(frame, 0, 0, width, height);
    context.globalCompositeOperation = "destination-over";
    if (look.blur) {
      // Blur a quarter-size copy and scale it up: a blur costs by the pixel, and this one looks the same.
      if (!this.blurred) this.blurred = new OffscreenCanvas(160, 90);
      const blurred = this.blurred;
      const small = /** @type {OffscreenCanvasRenderingContext2D} */ (blurred.getContext("2d"));
      small.filter = `blur(${look.blur / 4}px)`;
      small.drawImage(frame, 0, 0, blurred.width, blurred.height);
      context.drawImage(blurred, 0, 0, width, height);
    } else {
      const gradient = context.createLinearGradient(0, 0, width, height);
      look.gradient.forEach((colour, index) => gradient.addColorStop(index / (look.gradient.length - 1), colour));
      context.fillStyle = gradient;
      context.fillRect(0, 0, width, height);
    }
    context.restore();
  }

  /** Change the effect of a running camera. @param {string} effect */
  setEffect(effect) {
    this.effect = effect;
  }

  /** Frames made a second since start(). */
  get framesPerSecond() {
    const seconds = (performance.now() - this.stats.since) / 1000;
    return seconds > 0 ? this.stats.frames / seconds : 0;
  }

  stop() {
    this.running = false;
    if (this.track) this.track.stop();
    this.track = null;
  }
}

/**
 * Noise suppression on a microphone track: RNNoise at 48 kHz in an AudioWorklet (noise-worklet.js). Resolve with
 * the cleaned track; stop() closes its audio graph (the raw track is left to its owner).
 */
export class NoiseSuppression {
  constructor() {
    /** @type {AudioContext | null} */
    this.context = null;
    /** @type {MediaStreamTrack | null} */
    this.track = null;
  }

  /** @param {MediaStreamTrack} source */
  async start(source) {
    if (!canSuppressNoise()) throw new Error("This browser cannot suppress noise.");
    const context = new AudioContext({ sampleRate: 48000 });
    this.context = context;
    await context.audioWorklet.addModule(new URL("noise-worklet.js", import.meta.url));
    const node = new AudioWorkletNode(context, "rnnoise", { numberOfInputs: 1, numberOfOutputs: 1, outputChannelCount: [1] });
    const destination = context.createMediaStreamDestination();
    context.createMediaStreamSource(new MediaStream([source])).connect(node).connect(destination);
    if (context.state === "suspended") context.resume().catch(() => {});
    this.node = node;
    this.track = destination.stream.getAudioTracks()[0];
    return this.track;
  }

  /** Ask the worklet how much it has processed: {frames, speech} (RNNoise's 10 ms frames; mean voice probability). */
  measure() {
    return new Promise((resolve) => {
      if (!this.node) {
        resolve({ frames: 0, speech: 0 });
        return;
      }
      this.node.port.onmessage = ({ data }) => resolve(data);
      this.node.port.postMessage("measure");
    });
  }

  stop() {
    if (this.track) this.track.stop();
    if (this.context) this.context.close().catch(() => {});
    this.context = null;
    this.track = null;
    this.node = null;
  }
}
