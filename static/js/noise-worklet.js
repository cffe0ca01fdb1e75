// RNNoise in the audio thread: 128-sample blocks in, RNNoise's 480-sample (10 ms at 48 kHz) frames through it, the
// cleaned sound out, 10 ms later. Loaded by effects.js with audioWorklet.addModule(); the WebAssembly is inlined in
// the vendored module (static/vendor/rnnoise/rnnoise-sync.js), since a worklet cannot fetch.

import createRNNWasmModuleSync from "../vendor/rnnoise/rnnoise-sync.js";

const FRAME = 480;
const SCALE = 32768; // RNNoise works on 16-bit sample values

class RNNoiseProcessor extends AudioWorkletProcessor {
  constructor() {
    super();
    this.module = createRNNWasmModuleSync();
    this.state = this.module._rnnoise_create();
    this.inputPointer = this.module._malloc(FRAME * 4);
    this.outputPointer = this.module._malloc(FRAME * 4);
    this.pending = new Float32Array(FRAME); // input waiting for a whole frame
    this.pendingLength = 0;
    this.ready = new Float32Array(FRAME * 4); // cleaned output waiting to be played
    this.readyStart = 0;
    this.readyLength = 0;
    this.frames = 0;
    this.speech = 0;
    this.port.onmessage = () => this.port.postMessage({ frames: this.frames, speech: this.frames ? this.speech / this.frames : 0 });
  }

  process(inputs, outputs) {
    const input = inputs[0] && inputs[0][0];
    const output = outputs[0][0];
    if (input) {
      for (let i = 0; i < input.length; i += 1) {
        this.pending[this.pendingLength++] = input[i];
        if (this.pendingLength === FRAME) this.runFrame();
      }
    }
    for (let i = 0; i < output.length; i += 1) {
      if (this.readyLength > 0) {
        output[i] = this.ready[this.readyStart];
        this.readyStart = (this.readyStart + 1) % this.ready.length;
        this.readyLength -= 1;
      } else {
        output[i] = 0; // the first 10 ms: nothing cleaned yet
      }
    }
    return true;
  }

  runFrame() {
    const heap = this.module.HEAPF32;
    const inputAt = this.inputPointer / 4;
    const outputAt = this.outputPointer / 4;
    for (let i = 0; i < FRAME; i += 1) heap[inputAt + i] = this.pending[i] * SCALE;
    this.speech += this.module._rnnoise_process_frame(this.state, this.outputPointer, this.inputPointer);
    this.frames += 1;
    for (let i = 0; i < FRAME; i += 1) {
      const at = (this.readyStart + this.readyLength) % this.ready.length;
      this.ready[at] = heap[outputAt + i] / SCALE;
      if (this.readyLength < this.ready.length) this.readyLength += 1;
    }
    this.pendingLength = 0;
  }
}

registerProcessor("rnnoise", RNNoiseProcessor);
