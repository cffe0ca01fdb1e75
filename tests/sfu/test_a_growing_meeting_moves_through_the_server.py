"""A room set to "automatic" with SFU_AUTO_THRESHOLD = 2 starts browser to browser; when a third person joins,
all three move through the server without a reload, and video keeps playing."""

import time

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import join
from tests.servers import Deployment
from tests.sfu.browsers import OPEN_CONNECTIONS, REMOTE_FRAMES, SELECTED_PAIRS
from tests.sfu.conftest import create_people, make_room, sfu_env
from tests.sfu.test_a_large_meeting_in_chromium import frames_advance

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def auto_worker(tmp_path_factory, redis_server, janus):
    deployment = Deployment(tmp_path_factory.mktemp("auto"), redis_url=redis_server.url,
                            extra_env=sfu_env(janus, SFU_AUTO_THRESHOLD=2)).setup()
    create_people(deployment)
    yield deployment, deployment.start_worker()
    deployment.stop()


def ends_at(remote, local):
    """Whether a pair's remote end is that local candidate. A peer-reflexive remote (its check came before its
    candidate was signalled) has no address in Chromium's stats, only its port, which is the socket's all the same."""
    remote_address, _, remote_port = remote.rpartition(":")
    local_address, _, local_port = local.rpartition(":")
    if remote_address in ("", "undefined", "null"):
        return remote_port == local_port
    return (remote_address, remote_port) == (local_address, local_port)


def wait_for(check, timeout=20, what="a condition"):
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} in {timeout} s")
        time.sleep(0.1)


def test_two_meet_directly_and_a_third_moves_everyone_through_the_server(auto_worker, open_page, janus):
    deployment, worker = auto_worker
    slug = make_room(deployment, "Growing team", media_route="auto", owner="alice")
    alice, bob = open_page(worker, "alice"), open_page(worker, "bob")
    for page in (alice, bob):
        join(page, slug)
        expect(page.locator("#room[data-route=mesh]")).to_be_attached()
    frames_advance(alice, list(alice.evaluate(REMOTE_FRAMES)))
    frames_advance(bob, list(bob.evaluate(REMOTE_FRAMES)))
    # Browser to browser: Alice's selected pair ends at Bob's own candidate, and Bob's at Alice's.
    wait_for(lambda: alice.evaluate(SELECTED_PAIRS) and bob.evaluate(SELECTED_PAIRS), what="selected pairs")
    [alice_pair], [bob_pair] = alice.evaluate(SELECTED_PAIRS), bob.evaluate(SELECTED_PAIRS)
    assert ends_at(alice_pair["remote"], bob_pair["local"]) and ends_at(bob_pair["remote"], alice_pair["local"]), (
        alice_pair, bob_pair)
    for page in (alice, bob):
        page.evaluate("() => { window.__sameDocument = true; }")

    carol = open_page(worker, "carol")
    join(carol, slug)
    for page in (alice, bob, carol):
        expect(page.locator("#room[data-route=sfu]")).to_be_attached()
        expect(page.locator("#tiles video[data-peer-id]")).to_have_count(2)
    for page in (alice, bob, carol):
        frames_advance(page, list(page.evaluate(REMOTE_FRAMES)), by=10, timeout=30)
    # The direct connection is gone: each page keeps its publisher and its subscriber only, both to Janus.
    for page in (alice, bob):
        wait_for(lambda: page.evaluate(OPEN_CONNECTIONS) == 2, what="the direct connection closed")
        assert page.evaluate("() => window.__sameDocument === true"), "the page was reloaded"
        pairs = page.evaluate(SELECTED_PAIRS)
        others = {alice_pair["local"], bob_pair["local"]}
        assert pairs and not any(pair["remote"] in others for pair in pairs), pairs
    # And the videos keep playing through the server.
    for page in (alice, bob, carol):
        frames_advance(page, list(page.evaluate(REMOTE_FRAMES)), by=10, timeout=30)
