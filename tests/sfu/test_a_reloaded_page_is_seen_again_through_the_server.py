"""Bob reloads his page in a meeting through the server: his page takes his seat back (the same peer id) and
publishes afresh, and Alice sees him move again, not the last frame of his old publication.

Two orders reach Janus when a page goes: its socket's close (Confer makes his old session leave the room) or its
connections' close (Janus hangs up his publisher, unpublishes it, and sends every subscriber an offer of its own
without his streams). The second test makes the second order certain; the first takes whichever comes, and so does
the third, where his seat is resumed on another worker (on the code before the fix, each of those failed about half
the time). test_a_subscription_follows_what_janus_says.py makes each order certain without a browser.
"""

from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from tests.browser.cuttable_proxy import CuttableProxy
from tests.sfu.browsers import REMOTE_FRAMES, frames_of, meet_through_the_server
from tests.sfu.conftest import create_people, make_room

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CLOSE_CONNECTIONS = "() => { for (const pc of window.__pcs) pc.close(); }"

# A page's connection that receives nothing now: every section of it answered inactive.
RECEIVES_NOTHING = """() => window.__pcs.some((pc) => pc.connectionState !== "closed" && pc.getTransceivers().length
  && pc.getTransceivers().every((transceiver) => transceiver.currentDirection === "inactive"))"""


def meet(deployment, worker, open_page, name):
    """Alice and Bob meet through the server and see each other move; return their pages and peer ids."""
    create_people(deployment)
    slug = make_room(deployment, name, owner="alice")
    alice, bob = open_page(worker, "alice"), open_page(worker, "bob")
    return (alice, bob, *meet_through_the_server(slug, alice, bob))


def reload_and_see_him_again(alice, bob, alice_id, bob_id):
    bob.reload()
    expect(bob.locator("#room[data-state=joined][data-route=sfu]")).to_be_attached()
    bob.wait_for_function(f"() => ({REMOTE_FRAMES})()[{alice_id!r}] > 10")
    # The same seat: Alice still has one tile for him, under the same peer id.
    expect(alice.locator("#tiles video[data-peer-id]")).to_have_count(1)
    assert alice.locator("#tiles video[data-peer-id]").get_attribute("data-peer-id") == bob_id
    # And it moves: his new publication reaches her (it stood still at the old one's last frame before).
    frames = frames_of(alice, bob_id)
    alice.wait_for_function(f"() => ({REMOTE_FRAMES})()[{bob_id!r}] > {frames + 20}")


def test_bob_reloads_his_page_and_alice_sees_him_again(sfu_deployment, sfu_worker, open_page):
    alice, bob, alice_id, bob_id = meet(sfu_deployment, sfu_worker, open_page, "Reload, through the server")
    reload_and_see_him_again(alice, bob, alice_id, bob_id)


def test_bob_s_connections_close_before_his_page_reloads_and_alice_sees_him_again(sfu_deployment, sfu_worker,
                                                                                  open_page):
    alice, bob, alice_id, bob_id = meet(sfu_deployment, sfu_worker, open_page, "Closed first, through the server")
    # His connections go before his socket: Janus unpublishes him and offers Alice's subscription without him,
    # which her page answers (it lets go of his video) while his seat is still held.
    bob.evaluate(CLOSE_CONNECTIONS)
    alice.wait_for_function(RECEIVES_NOTHING)
    reload_and_see_him_again(alice, bob, alice_id, bob_id)


@pytest.fixture(scope="module")
def second_worker(sfu_deployment, sfu_worker):
    return sfu_deployment.start_worker()


def test_bob_resumes_on_another_worker_and_alice_sees_him_again(sfu_deployment, sfu_worker, second_worker,
                                                                open_page):
    create_people(sfu_deployment)
    slug = make_room(sfu_deployment, "Another worker, through the server", owner="alice")
    proxy = CuttableProxy(sfu_worker.port)  # Bob's way to the server, and only his
    try:
        alice = open_page(sfu_worker, "alice")
        bob = open_page(SimpleNamespace(base_url=proxy.base_url), "bob")
        alice_id, bob_id = meet_through_the_server(slug, alice, bob)

        # His socket drops without a word to the server, and his page gets back through the other worker, which
        # takes his seat over: the first worker's session leaves the Janus room, his page starts its media over
        # (closing its connections), and the other worker joins and publishes under his id. These reach Janus in
        # any order (a join first kicks the earlier session's publisher).
        made_before = bob.evaluate("() => window.__pcs.length")
        proxy.target_port = second_worker.port
        proxy.cut(server_notices=False)
        bob.wait_for_function(f"() => window.__pcs.slice({made_before}).filter("
                              "(pc) => pc.connectionState === 'connected').length === 2")
        expect(bob.locator("#room[data-state=joined][data-route=sfu]")).to_be_attached()
        frames = frames_of(bob, alice_id)
        bob.wait_for_function(f"() => ({REMOTE_FRAMES})()[{alice_id!r}] > {frames + 10}")
        expect(alice.locator("#tiles video[data-peer-id]")).to_have_count(1)
        assert alice.locator("#tiles video[data-peer-id]").get_attribute("data-peer-id") == bob_id, "the same seat"
        frames = frames_of(alice, bob_id)
        alice.wait_for_function(f"() => ({REMOTE_FRAMES})()[{bob_id!r}] > {frames + 20}")
    finally:
        proxy.close()
