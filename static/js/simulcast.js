// Our video's simulcast encodings and the layer a tile asks for of someone else's (media through the server;
// docs/sfu.md). No DOM access.

/** The simulcast encodings of our video, highest first (the media server numbers them 2, 1, 0). */
export const SIMULCAST_ENCODINGS = Object.freeze([
  { rid: "h", maxBitrate: 1_200_000 },
  { rid: "m", scaleResolutionDownBy: 2, maxBitrate: 350_000 },
  { rid: "l", scaleResolutionDownBy: 4, maxBitrate: 120_000 },
]);
/**
 * A shared screen's one encoding (as Jitsi and LiveKit send screens): full size, few frames, text kept sharp. No
 * simulcast: a screen is shown large or not at all, and its smaller layers would be unreadable.
 */
export const SCREEN_ENCODING = Object.freeze({ maxBitrate: 1_500_000, maxFramerate: 15 });
/** What each layer sends at most, smallest first, bits per second: the server numbers them 0, 1, 2. */
export const LAYER_BITRATES = Object.freeze(SIMULCAST_ENCODINGS.map((e) => e.maxBitrate).reverse());
export const TOP_LAYER = SIMULCAST_ENCODINGS.length - 1;

/**
 * Return the simulcast layer (0 smallest, 2 largest) that fits a tile of this size in CSS pixels: the layer must
 * be at least as tall as the tile on a device pixel ratio of `ratio`, with the largest for anything over 360.
 * @param {{width: number, height: number} | undefined} size @param {number} [ratio]
 */
export function layerForTile(size, ratio = 1) {
  if (!size || !size.height) return 0;
  const pixels = size.height * ratio;
  if (pixels > 360) return 2;
  if (pixels > 180) return 1;
  return 0;
}
