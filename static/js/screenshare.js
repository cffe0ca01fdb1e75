// Sharing a screen with getDisplayMedia: what to ask for, and what to say when it is not possible.

import { gettext } from "./i18n.js";

/** Return whether this browser can share a screen at all (phones cannot). */
export function canShareScreen() {
  return !!(navigator.mediaDevices && "getDisplayMedia" in navigator.mediaDevices);
}

/**
 * Ask the person to pick a screen, window or tab; resolve with its stream, or null if they cancelled.
 * Throws an Error with a sentence to show when sharing failed for another reason.
 * @returns {Promise<MediaStream | null>}
 */
export async function pickScreen() {
  try {
    return await navigator.mediaDevices.getDisplayMedia({
      video: { frameRate: { ideal: 15, max: 30 }, width: { max: 1920 }, height: { max: 1080 } },
      audio: false,
    });
  } catch (error) {
    const name = /** @type {Error} */ (error).name;
    if (name === "NotAllowedError" || name === "AbortError") return null; // the person cancelled
    throw new Error(gettext("Your screen could not be shared."));
  }
}
