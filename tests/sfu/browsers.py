"""Chromium in a room whose media goes through the server: fixtures' helpers and the getStats the tests read.

Every RTCPeerConnection a page makes is kept in `window.__pcs` by an init script, so the tests can read getStats
of what the page built without the page exposing anything for them.
"""

import json
import subprocess
import sys

from tests.servers import PYTHON, REPO

TRACK_CONNECTIONS = """
(() => {
  const Original = window.RTCPeerConnection;
  window.__pcs = [];
  window.RTCPeerConnection = class extends Original {
    constructor(...args) { super(...args); window.__pcs.push(this); }
  };
})();
"""

# What the page sends: per open connection, its video senders' outbound-rtp entries (one per simulcast encoding).
OUTBOUND_VIDEO = """async () => {
  const open = window.__pcs.filter((pc) => pc.connectionState !== "closed");
  const senders = [];
  let bytes = 0;
  for (const pc of open) {
    const stats = [...(await pc.getStats()).values()];
    const video = stats.filter((s) => s.type === "outbound-rtp" && s.kind === "video");
    for (const s of stats) if (s.type === "outbound-rtp") bytes += s.bytesSent || 0;
    if (video.length) senders.push(video.map((s) => ({ rid: s.rid || null, bytes: s.bytesSent, frames: s.framesEncoded || 0,
                                                       width: s.frameWidth || 0 })));
  }
  return { senders, bytes, at: performance.now() };
}"""

REMOTE_FRAMES = """() => Object.fromEntries([...document.querySelectorAll('#tiles video[data-peer-id]')].map(
  (video) => [video.dataset.peerId, video.srcObject ? video.getVideoPlaybackQuality().totalVideoFrames : 0]))"""

# The selected candidate pairs of the open connections: local and remote "address:port".
SELECTED_PAIRS = """async () => {
  const pairs = [];
  for (const pc of window.__pcs.filter((pc) => pc.connectionState === "connected")) {
    const stats = new Map([...(await pc.getStats()).values()].map((s) => [s.id, s]));
    for (const s of stats.values()) {
      if (s.type !== "transport" || !s.selectedCandidatePairId) continue;
      const pair = stats.get(s.selectedCandidatePairId);
      const local = stats.get(pair.localCandidateId), remote = stats.get(pair.remoteCandidateId);
      pairs.push({ local: `${local.address}:${local.port}`, remote: `${remote.address}:${remote.port}`,
                   localType: local.candidateType, remoteType: remote.candidateType });
    }
  }
  return pairs;
}"""

OPEN_CONNECTIONS = "() => window.__pcs.filter((pc) => pc.connectionState !== 'closed').length"


class Publishers:
    """aiortc publishers in a subprocess (the test's Playwright loop cannot run aiortc): tests/sfu/participant.py."""

    def __init__(self, env, ws_base, room, count, prefix="pub"):
        self.process = subprocess.Popen([PYTHON, "-m", "tests.sfu.participant", ws_base, room, str(count), prefix],
                                        cwd=REPO, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, text=True)
        self.people = [json.loads(self.process.stdout.readline() or "null") for _ in range(count)]
        if None in self.people:
            self.stop()
            raise RuntimeError("the publishers did not all publish")

    @property
    def peer_ids(self):
        return [person["peer_id"] for person in self.people]

    def stop(self):
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def frames_of(page, peer_id):
    """How many frames of this person's video the page has decoded so far."""
    return page.evaluate(REMOTE_FRAMES).get(peer_id, 0)


def meet_through_the_server(slug, alice, bob):
    """Alice's and Bob's pages join the room, through the server, and each sees the other move; return their peer
    ids (Alice's, Bob's)."""
    from playwright.sync_api import expect

    from tests.browser.conftest import join

    for page in (alice, bob):
        join(page, slug)
        expect(page.locator("#room[data-route=sfu]")).to_be_attached()
    expect(alice.locator("#tiles video[data-peer-id]")).to_have_count(1)
    bob_id = alice.locator("#tiles video[data-peer-id]").get_attribute("data-peer-id")
    alice_id = bob.locator("#tiles video[data-peer-id]").get_attribute("data-peer-id")
    alice.wait_for_function(f"() => ({REMOTE_FRAMES})()[{bob_id!r}] > 10")
    bob.wait_for_function(f"() => ({REMOTE_FRAMES})()[{alice_id!r}] > 10")
    return alice_id, bob_id
