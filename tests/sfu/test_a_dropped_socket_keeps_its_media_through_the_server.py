"""Bob's signalling socket drops in a meeting through the server and his page resumes the seat: the server kept his
media at Janus meanwhile, so his page keeps its connections (nothing is published again) and Alice's video of him
never stops. What changed while he was away (Carol came) reaches him over the new socket. The same whether the
server noticed the drop before he came back or not."""

from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import join
from tests.browser.cuttable_proxy import CuttableProxy
from tests.sfu.browsers import REMOTE_FRAMES, frames_of, meet_through_the_server
from tests.sfu.conftest import create_people, make_room

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# The longest a video may go without a new frame across the drop: the fake camera sends about 20 a second, and
# publishing again took about a second (and here, all the time Bob was away).
LONGEST_STILL_MS = 700

# Bob's connections to Janus: marked, so the test can tell them from any made later.
MARK_CONNECTIONS = """() => {
  for (const pc of window.__pcs) pc.__beforeTheDrop = true;
  return window.__pcs.length;
}"""

CONNECTIONS_NOW = """() => ({
  made: window.__pcs.length,
  publisher: window.__pcs.filter((pc) => pc.__beforeTheDrop && pc.connectionState === "connected"
    && pc.getSenders().some((sender) => sender.track && sender.track.kind === "video")).length,
  open: window.__pcs.filter((pc) => pc.connectionState !== "closed").map((pc) => !!pc.__beforeTheDrop),
})"""

# On Alice's page: note when each new frame of one person's video is decoded (whatever element shows it).
WATCH_FRAMES = """(peerId) => {
  window.__frames = { times: [], last: -1 };
  window.__watch = setInterval(() => {
    const video = document.querySelector(`#tiles video[data-peer-id="${peerId}"]`);
    const count = video && video.srcObject ? video.getVideoPlaybackQuality().totalVideoFrames : 0;
    if (count !== window.__frames.last) {
      window.__frames.last = count;
      window.__frames.times.push(performance.now());
    }
  }, 20);
}"""

LONGEST_STILL_SINCE = """(since) => {
  clearInterval(window.__watch);
  const times = [since, ...window.__frames.times.filter((t) => t > since), performance.now()];
  let longest = 0;
  for (let i = 1; i < times.length; i++) longest = Math.max(longest, times[i] - times[i - 1]);
  return longest;
}"""


@pytest.mark.parametrize("server_notices", [True, False], ids=["the server sees the drop", "bob is back first"])
def test_bob_resumes_after_his_socket_drops_and_alice_never_stops_seeing_him(sfu_deployment, sfu_worker, open_page,
                                                                             server_notices):
    create_people(sfu_deployment)
    slug = make_room(sfu_deployment, "Train wifi, through the server", owner="alice")
    proxy = CuttableProxy(sfu_worker.port)  # Bob's way to the server, and only his
    try:
        alice = open_page(sfu_worker, "alice")
        bob = open_page(SimpleNamespace(base_url=proxy.base_url), "bob")
        alice_id, bob_id = meet_through_the_server(slug, alice, bob)
        made_before = bob.evaluate(MARK_CONNECTIONS)
        alice.evaluate(WATCH_FRAMES, bob_id)
        cut_at = alice.evaluate("performance.now()")

        # Bob's socket drops, and his page cannot get back for a while: Carol joins meanwhile.
        proxy.hold()
        # Either the server sees the socket close, or (a network gone without a word) it still holds the old socket
        # when Bob's page comes back: the resume moves the seat from it.
        proxy.cut(server_notices=server_notices)
        expect(bob.get_by_text("Connection lost — reconnecting…")).to_be_visible()
        carol = open_page(sfu_worker, "carol")
        join(carol, slug)
        expect(alice.locator("#tiles video[data-peer-id]")).to_have_count(2)
        carol_id = next(peer for peer in alice.evaluate(REMOTE_FRAMES) if peer != bob_id)
        alice.wait_for_function(f"() => ({REMOTE_FRAMES})()[{carol_id!r}] > 0")
        # Carol receives Bob, whose page has no socket now: his media is still at Janus.
        carol.wait_for_function(f"() => ({REMOTE_FRAMES})()[{bob_id!r}] > 0")

        proxy.release()
        expect(bob.get_by_text("Connection lost — reconnecting…")).to_have_count(0)
        expect(bob.locator("#room[data-state=joined]")).to_be_attached()
        # What he missed reaches him over the new socket: Carol's video, subscribed and answered there.
        bob.wait_for_function(f"() => ({REMOTE_FRAMES})()[{carol_id!r}] > 0")
        frames = frames_of(alice, bob_id)
        alice.wait_for_function(f"() => ({REMOTE_FRAMES})()[{bob_id!r}] > {frames + 10}")
        frames = frames_of(bob, alice_id)
        bob.wait_for_function(f"() => ({REMOTE_FRAMES})()[{alice_id!r}] > {frames + 10}")

        connections = bob.evaluate(CONNECTIONS_NOW)
        # His publisher is the one from before the drop, still connected, and no connection was made since.
        assert connections["publisher"] == 1, connections
        assert connections["made"] == made_before, connections
        assert all(connections["open"]), connections
        # Alice's video of Bob never stood still, all the time his page was away.
        assert alice.evaluate(LONGEST_STILL_SINCE, cut_at) < LONGEST_STILL_MS
    finally:
        proxy.close()
