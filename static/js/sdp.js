// Small, pure edits of session descriptions (SDP text). No DOM access.

/** Video codecs whose send bitrate a start bitrate applies to; not rtx, red, ulpfec or flexfec, which carry others. */
const MEDIA_VIDEO_CODECS = new Set(["VP8", "VP9", "H264", "H265", "AV1"]);

/**
 * Return the SDP with `x-google-start-bitrate=<kbps>` on the fmtp line of every video codec (VP8, VP9, H264,
 * H265, AV1) in its video sections; a codec with no fmtp line (Chromium's VP8) gets one right after its rtpmap
 * line, and an existing start bitrate is replaced. Audio sections, repair formats (rtx, red, ulpfec, flexfec)
 * and everything else are left as they were, with the SDP's own line endings. Chromium reads the parameter from
 * the *remote* description when it sets up what it sends; other browsers ignore an fmtp parameter they do not
 * know. See docs/client.md.
 * @param {string} sdp @param {number} kbps
 */
export function withStartBitrate(sdp, kbps) {
  if (!sdp || !(kbps > 0)) return sdp;
  const eol = sdp.includes("\r\n") ? "\r\n" : "\n";
  const param = `x-google-start-bitrate=${Math.round(kbps)}`;
  const lines = sdp.split(/\r?\n/);
  const trailing = lines[lines.length - 1] === "" ? lines.pop() : null;
  /** @type {string[][]} the session part, then one array per m-section */
  const sections = [[]];
  for (const line of lines) {
    if (line.startsWith("m=")) sections.push([]);
    sections[sections.length - 1].push(line);
  }
  const edited = sections.map((section) => (section[0]?.startsWith("m=video ") ? editVideoSection(section, param) : section));
  const out = edited.flat();
  if (trailing !== null) out.push(trailing);
  return out.join(eol);
}

/** @param {string[]} section one m=video section's lines @param {string} param */
function editVideoSection(section, param) {
  const codecs = new Map();
  for (const line of section) {
    const rtpmap = /^a=rtpmap:(\d+) ([^/\s]+)\//.exec(line);
    if (rtpmap) codecs.set(rtpmap[1], rtpmap[2].toUpperCase());
  }
  const wanted = (/** @type {string} */ pt) => MEDIA_VIDEO_CODECS.has(codecs.get(pt) || "");
  const withFmtp = new Set();
  const out = [];
  for (const line of section) {
    const fmtp = /^a=fmtp:(\d+) ?(.*)$/.exec(line);
    if (fmtp && wanted(fmtp[1])) {
      withFmtp.add(fmtp[1]);
      const params = fmtp[2].split(";").map((p) => p.trim()).filter((p) => p && !p.startsWith("x-google-start-bitrate="));
      out.push(`a=fmtp:${fmtp[1]} ${[...params, param].join(";")}`);
    } else {
      out.push(line);
    }
  }
  // Codecs without an fmtp line get one after their rtpmap line (Firefox puts fmtp lines first: order is free).
  const result = [];
  for (const line of out) {
    result.push(line);
    const rtpmap = /^a=rtpmap:(\d+) /.exec(line);
    if (rtpmap && wanted(rtpmap[1]) && !withFmtp.has(rtpmap[1])) result.push(`a=fmtp:${rtpmap[1]} ${param}`);
  }
  return result;
}
