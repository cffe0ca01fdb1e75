// The local camera and microphone, and what to tell a person when they are not available. No DOM access.
// The sentences are in English; the page translates them where it shows them.

import { gettext_noop } from "./i18n.js";

/**
 * @typedef {object} LocalMedia
 * @property {MediaStream | null} stream   null when joining receive-only
 * @property {string | null} problem        a plain sentence for the person, or null when all went well
 */

// Whole sentences, so that each translates as one.
export const PROBLEMS = {
  insecure: gettext_noop(
    "Your browser only allows camera and microphone access on pages served over HTTPS or from localhost, so you " +
      "join without them: you can see and hear the others, but they cannot see or hear you. To fix this, serve " +
      "Confer over HTTPS (see docs/deployment.md in the Confer repository)."
  ),
  denied: gettext_noop(
    "Camera and microphone access is blocked, so you join without them: you can see and hear the others, but they " +
      "cannot see or hear you. Allow them in your browser's site settings, then rejoin."
  ),
  missing: gettext_noop(
    "No camera or microphone was found, so you join without them: you can see and hear the others, but they " +
      "cannot see or hear you."
  ),
  busy: gettext_noop(
    "Your camera or microphone is in use by another app or could not be started, so you join without them: you " +
      "can see and hear the others, but they cannot see or hear you."
  ),
  failed: gettext_noop(
    "Your camera and microphone could not be started, so you join without them: you can see and hear the " +
      "others, but they cannot see or hear you."
  ),
  audioOnly: gettext_noop("No camera was found: you join with your microphone only."),
  videoOnly: gettext_noop("No microphone was found: you join with your camera only, so the others cannot hear you."),
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

/** Return constraints for one kind, on one device if named. @param {"audio" | "video"} kind @param {string} [deviceId] */
export function constraintsFor(kind, deviceId) {
  const base = kind === "audio" ? AUDIO : VIDEO;
  return deviceId ? { ...base, deviceId: { exact: deviceId } } : base;
}

/**
 * Ask for the camera and microphone; settle for one of them, or none, and say why.
 * @param {{isSecureContext: boolean, mediaDevices?: MediaDevices, audioDeviceId?: string, videoDeviceId?: string}} environment
 * @returns {Promise<LocalMedia>}
 */
export async function openLocalMedia({ isSecureContext, mediaDevices, audioDeviceId, videoDeviceId }) {
  if (!isSecureContext || !mediaDevices || !mediaDevices.getUserMedia) {
    return { stream: null, problem: PROBLEMS.insecure };
  }
  const audio = constraintsFor("audio", audioDeviceId);
  const video = constraintsFor("video", videoDeviceId);
  try {
    return { stream: await mediaDevices.getUserMedia({ audio, video }), problem: null };
  } catch (error) {
    const name = /** @type {Error} */ (error).name;
    // A person with only a microphone (or only a camera) should still be able to take part.
    if (name === "NotFoundError" || name === "OverconstrainedError" || name === "NotReadableError") {
      for (const [constraints, problem] of [
        [{ audio }, PROBLEMS.audioOnly],
        [{ video }, PROBLEMS.videoOnly],
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

/**
 * Open one track on a chosen device (to switch devices mid-call); null if it cannot be opened.
 * @param {MediaDevices} mediaDevices @param {"audio" | "video"} kind @param {string} deviceId
 * @returns {Promise<MediaStreamTrack | null>}
 */
export async function openTrack(mediaDevices, kind, deviceId) {
  try {
    const stream = await mediaDevices.getUserMedia({ [kind]: constraintsFor(kind, deviceId) });
    return stream.getTracks()[0] || null;
  } catch {
    return null;
  }
}

/**
 * @typedef {object} DeviceLists
 * @property {MediaDeviceInfo[]} audioinput
 * @property {MediaDeviceInfo[]} videoinput
 * @property {MediaDeviceInfo[]} audiooutput   empty where the browser cannot choose a speaker (no setSinkId)
 */

/** Return the cameras, microphones and speakers the browser lists. @param {MediaDevices | undefined} mediaDevices */
export async function listDevices(mediaDevices) {
  /** @type {DeviceLists} */
  const lists = { audioinput: [], videoinput: [], audiooutput: [] };
  if (!mediaDevices || !mediaDevices.enumerateDevices) return lists;
  for (const device of await mediaDevices.enumerateDevices()) {
    if (device.kind in lists && device.deviceId) lists[device.kind].push(device);
  }
  if (!("setSinkId" in HTMLMediaElement.prototype)) lists.audiooutput = [];
  return lists;
}
