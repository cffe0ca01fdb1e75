// Soft sounds made on the spot with WebAudio: nothing is fetched.

/** @type {AudioContext | null} */
let context = null;

/** Play a short, soft two-note chime (a raised hand, for hosts). Quiet, and over in half a second. */
export function chime() {
  const AudioContextImpl = window.AudioContext || /** @type {any} */ (window).webkitAudioContext;
  if (!AudioContextImpl) return false;
  if (!context) context = new AudioContextImpl();
  if (context.state === "suspended") context.resume().catch(() => {});
  const start = context.currentTime + 0.01;
  for (const [offset, frequency] of [[0, 660], [0.16, 880]]) {
    const oscillator = context.createOscillator();
    const gain = context.createGain();
    oscillator.type = "sine";
    oscillator.frequency.value = frequency;
    gain.gain.setValueAtTime(0, start + offset);
    gain.gain.linearRampToValueAtTime(0.06, start + offset + 0.03);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + offset + 0.3);
    oscillator.connect(gain).connect(context.destination);
    oscillator.start(start + offset);
    oscillator.stop(start + offset + 0.32);
  }
  return true;
}
