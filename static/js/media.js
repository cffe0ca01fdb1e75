// The local camera and microphone, and what to tell a person when they are not available. No DOM access.

/**
 * @typedef {object} LocalMedia
 * @property {MediaStream | null} stream   null when joining receive-only
 * @property {string | null} problem        a plain sentence for the person, or null when all went well
 */

const JOINED_WITHOUT =
  "you joined without them: you can see and hear the others, but they cannot see or hear you.";

const PROBLEMS = {
  insecure:
    "Your browser only allows camera and microphone access on pages served over HTTPS or from localhost, so " +
    JOINED_WITHOUT +
    " To fix this, serve Confer over HTTPS (see docs/deployment.md in the Confer repository).",
  denied:
    "Camera and microphone access is blocked, so " +
    JOINED_WITHOUT +
    " Allow them in your browser's site settings, then rejoin.",
  missing: "No camera or microphone was found, so " + JOINED_WITHOUT,
  busy: "Your camera or microphone is in use by another app or could not be started, so " + JOINED_WITHOUT,
  failed: "Your camera and microphone could not be started, so " + JOINED_WITHOUT,
  audioOnly: "No camera was found: you joined with your microphone only.",
  videoOnly: "No microphone was found: you joined with your camera only, so the others cannot hear you.",
};

const VIDEO = { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 24, max: 30 } };
const AUDIO = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };

/** @param {unknown} error */
function problemFor(error) {
  const name = error instanceof Error || error instanceof DOMException ? error.name : "";
  if (name === "NotAllowedError" || name === "SecurityError") return PROBLEMS.denied;
  if (name === "NotFoundError" || name === "OverconstrainedError") return PROBLEMS.missing;
  if (name === "NotReadableError" || name === "AbortError") return PROBLEMS.busy;
  return PROBLEMS.failed;
}

/**
 * Ask for the camera and microphone; settle for one of them, or none, and say why.
 * @param {{isSecureContext: boolean, mediaDevices?: MediaDevices}} environment
 * @returns {Promise<LocalMedia>}
 */
export async function openLocalMedia({ isSecureContext, mediaDevices }) {
  if (!isSecureContext || !mediaDevices || !mediaDevices.getUserMedia) {
    return { stream: null, problem: PROBLEMS.insecure };
  }
  try {
    return { stream: await mediaDevices.getUserMedia({ audio: AUDIO, video: VIDEO }), problem: null };
  } catch (error) {
    const name = /** @type {Error} */ (error).name;
    // A person with only a microphone (or only a camera) should still be able to take part.
    if (name === "NotFoundError" || name === "OverconstrainedError" || name === "NotReadableError") {
      for (const [constraints, problem] of [
        [{ audio: AUDIO }, PROBLEMS.audioOnly],
        [{ video: VIDEO }, PROBLEMS.videoOnly],
      ]) {
        try {
          return { stream: await mediaDevices.getUserMedia(constraints), problem };
        } catch {
          // try the next kind
        }
      }
    }
    return { stream: null, problem: problemFor(error) };
  }
}

/** Stop every track of a stream (turns the camera light off). @param {MediaStream | null} stream */
export function stopMedia(stream) {
  if (stream) for (const track of stream.getTracks()) track.stop();
}
