"""Video starts at 1 Mbit/s: `x-google-start-bitrate` goes into the video codecs of each remote description."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import join

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM_OFFER = "\r\n".join([
    "v=0",
    "o=- 1 2 IN IP4 127.0.0.1",
    "s=-",
    "t=0 0",
    "m=audio 9 UDP/TLS/RTP/SAVPF 111",
    "a=rtpmap:111 opus/48000/2",
    "a=fmtp:111 minptime=10;useinbandfec=1",
    "m=video 9 UDP/TLS/RTP/SAVPF 96 97 98 99 100 45",
    "a=rtpmap:96 VP8/90000",
    "a=rtcp-fb:96 nack",
    "a=rtpmap:97 rtx/90000",
    "a=fmtp:97 apt=96",
    "a=rtpmap:98 VP9/90000",
    "a=fmtp:98 profile-id=0",
    "a=rtpmap:99 red/90000",
    "a=rtpmap:100 ulpfec/90000",
    "a=rtpmap:45 AV1/90000",
    "a=fmtp:45 level-idx=5;profile=0;tier=0",
    "m=application 9 UDP/DTLS/SCTP webrtc-datachannel",
    "",
])
CHROMIUM_MUNGED = "\r\n".join([
    "v=0",
    "o=- 1 2 IN IP4 127.0.0.1",
    "s=-",
    "t=0 0",
    "m=audio 9 UDP/TLS/RTP/SAVPF 111",
    "a=rtpmap:111 opus/48000/2",
    "a=fmtp:111 minptime=10;useinbandfec=1",
    "m=video 9 UDP/TLS/RTP/SAVPF 96 97 98 99 100 45",
    "a=rtpmap:96 VP8/90000",
    "a=fmtp:96 x-google-start-bitrate=1000",
    "a=rtcp-fb:96 nack",
    "a=rtpmap:97 rtx/90000",
    "a=fmtp:97 apt=96",
    "a=rtpmap:98 VP9/90000",
    "a=fmtp:98 profile-id=0;x-google-start-bitrate=1000",
    "a=rtpmap:99 red/90000",
    "a=rtpmap:100 ulpfec/90000",
    "a=rtpmap:45 AV1/90000",
    "a=fmtp:45 level-idx=5;profile=0;tier=0;x-google-start-bitrate=1000",
    "m=application 9 UDP/DTLS/SCTP webrtc-datachannel",
    "",
])
# Firefox writes its fmtp lines before its rtpmap lines, and gives VP8 one.
FIREFOX_ANSWER = "\n".join([
    "v=0",
    "m=video 9 UDP/TLS/RTP/SAVPF 120 124 126 127",
    "a=fmtp:126 profile-level-id=42e01f;level-asymmetry-allowed=1;packetization-mode=1",
    "a=fmtp:120 max-fs=12288;max-fr=60",
    "a=fmtp:124 apt=120",
    "a=fmtp:127 apt=126",
    "a=rtpmap:120 VP8/90000",
    "a=rtpmap:124 rtx/90000",
    "a=rtpmap:126 H264/90000",
    "a=rtpmap:127 rtx/90000",
])
FIREFOX_MUNGED = "\n".join([
    "v=0",
    "m=video 9 UDP/TLS/RTP/SAVPF 120 124 126 127",
    "a=fmtp:126 profile-level-id=42e01f;level-asymmetry-allowed=1;packetization-mode=1;x-google-start-bitrate=1000",
    "a=fmtp:120 max-fs=12288;max-fr=60;x-google-start-bitrate=1000",
    "a=fmtp:124 apt=120",
    "a=fmtp:127 apt=126",
    "a=rtpmap:120 VP8/90000",
    "a=rtpmap:124 rtx/90000",
    "a=rtpmap:126 H264/90000",
    "a=rtpmap:127 rtx/90000",
])

WITH_START_BITRATE = """async ([sdp, kbps]) => {
  const { withStartBitrate } = await import("/static/js/sdp.js");
  return withStartBitrate(sdp, kbps);
}"""

COLLECT_PEER_CONNECTIONS = """
(() => {
  const Native = window.RTCPeerConnection;
  window.__peerConnections = [];
  window.RTCPeerConnection = function (...args) {
    const pc = new Native(...args);
    window.__peerConnections.push(pc);
    return pc;
  };
  window.RTCPeerConnection.prototype = Native.prototype;
})();
"""
START_BITRATES = """() => window.__peerConnections.filter((pc) => pc.connectionState === "connected").map((pc) => ({
  remote: pc.remoteDescription.sdp.match(/^a=fmtp:\\d+ .*x-google-start-bitrate=\\d+/gm) || [],
  local: pc.localDescription.sdp.match(/x-google-start-bitrate/g) || [],
  vp8: (pc.remoteDescription.sdp.match(/^a=rtpmap:(\\d+) VP8\\//m) || [])[1],
}))"""


def test_the_start_bitrate_goes_on_every_video_codec_and_nowhere_else(browser, worker):
    context = browser.new_context(base_url=worker.base_url)
    try:
        page = context.new_page()
        page.goto("/accounts/login/")
        assert page.evaluate(WITH_START_BITRATE, [CHROMIUM_OFFER, 1000]) == CHROMIUM_MUNGED
        assert page.evaluate(WITH_START_BITRATE, [FIREFOX_ANSWER, 1000]) == FIREFOX_MUNGED
        # Done twice, or over someone else's value, it leaves one parameter with the new value.
        assert page.evaluate(WITH_START_BITRATE, [CHROMIUM_MUNGED, 1000]) == CHROMIUM_MUNGED
        again = page.evaluate(WITH_START_BITRATE, [FIREFOX_MUNGED, 2000])
        assert again == FIREFOX_MUNGED.replace("x-google-start-bitrate=1000", "x-google-start-bitrate=2000")
        # No video section, or no value: nothing changes.
        audio_only = CHROMIUM_OFFER.split("m=video")[0]
        assert page.evaluate(WITH_START_BITRATE, [audio_only, 1000]) == audio_only
        assert page.evaluate(WITH_START_BITRATE, [CHROMIUM_OFFER, 0]) == CHROMIUM_OFFER
    finally:
        context.close()


def test_in_a_call_each_side_sets_it_in_the_description_it_receives_only(sign_in, make_room):
    slug = make_room("Start bitrate")
    alice = sign_in("alice")
    bob = sign_in("bob")
    for page in (alice, bob):
        page.context.add_init_script(COLLECT_PEER_CONNECTIONS)

    join(alice, slug)
    join(bob, slug)

    for page in (alice, bob):
        expect(page.locator("[data-tile-for]")).to_have_attribute("data-connection", "connected", timeout=30_000)
        [connection] = page.evaluate(START_BITRATES)
        assert connection["local"] == []
        assert f"a=fmtp:{connection['vp8']} x-google-start-bitrate=1000" in connection["remote"]
