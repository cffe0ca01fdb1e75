"""Two Chromium pages and eight aiortc publishers in one room through the server: each page plays every visible
remote video, sends one video stream with three simulcast encodings, and uploads no more for ten people than for
three. A screenshot of the room is kept for people to look at."""

import time

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import join
from tests.sfu.browsers import OUTBOUND_VIDEO, REMOTE_FRAMES, Publishers
from tests.sfu.conftest import create_people, make_room

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Our three encodings' maxBitrate (static/js/sfu.js) and audio, with room for RTP headers and padding.
UPLOAD_CEILING_BPS = (1_200_000 + 350_000 + 120_000) * 1.15 + 64_000


def frames_advance(page, peer_ids, by=5, timeout=30):
    """Wait until each of these peers' videos has decoded `by` more frames; return the counts."""
    start = page.evaluate(REMOTE_FRAMES)
    deadline = time.monotonic() + timeout
    while True:
        now = page.evaluate(REMOTE_FRAMES)
        lagging = [peer for peer in peer_ids if now.get(peer, 0) < start.get(peer, 0) + by or now.get(peer, 0) == 0]
        if not lagging:
            return now
        if time.monotonic() > deadline:
            raise AssertionError(f"no new frames from {lagging}: {now}")
        page.wait_for_timeout(200)


def upload_bps(page, seconds=3.0):
    first = page.evaluate(OUTBOUND_VIDEO)
    page.wait_for_timeout(seconds * 1000)
    second = page.evaluate(OUTBOUND_VIDEO)
    return (second["bytes"] - first["bytes"]) * 8 / ((second["at"] - first["at"]) / 1000), second


def test_ten_people_through_the_server(sfu_deployment, sfu_worker, open_page, artifacts_dir):
    create_people(sfu_deployment)
    slug = make_room(sfu_deployment, "All hands", owner="alice")
    alice, bob = open_page(sfu_worker, "alice"), open_page(sfu_worker, "bob")
    for page in (alice, bob):
        join(page, slug)
        expect(page.locator("#room[data-route=sfu]")).to_be_attached()
    expect(alice.locator("#tiles video[data-peer-id]")).to_have_count(1)
    frames_advance(alice, list(alice.evaluate(REMOTE_FRAMES)))
    frames_advance(bob, list(bob.evaluate(REMOTE_FRAMES)))
    small_upload, _ = upload_bps(alice)

    publishers = Publishers(sfu_deployment.env, sfu_worker.ws_url, slug, 8)
    try:
        for page in (alice, bob):
            expect(page.locator("#tiles video[data-peer-id]")).to_have_count(9)
            peers = list(page.evaluate(REMOTE_FRAMES))
            assert set(publishers.peer_ids) <= set(peers)
            frames_advance(page, peers, by=10, timeout=45)
            # And still advancing: the videos play, they did not just start.
            frames_advance(page, peers, by=10, timeout=30)

        for name, page in (("alice", alice), ("bob", bob)):
            upload, outbound = upload_bps(page)
            senders = outbound["senders"]
            assert len(senders) == 1, f"{name} sends {len(senders)} video streams"
            encodings = senders[0]
            assert sorted(e["rid"] for e in encodings) == ["h", "l", "m"], encodings
            assert all(e["frames"] > 0 for e in encodings), f"an encoding sent nothing: {encodings}"
            assert upload < UPLOAD_CEILING_BPS, f"{name} uploads {upload / 1e6:.2f} Mbit/s"
            if name == "alice":
                assert upload < small_upload * 1.5 + 200_000, \
                    f"alice's upload grew from {small_upload / 1e6:.2f} to {upload / 1e6:.2f} Mbit/s"
                print(f"alice uploads {small_upload / 1e6:.2f} Mbit/s with 2 people, {upload / 1e6:.2f} with 10")
        # Bob's video fills a small tile at Alice's (about 155 px high): she receives his smallest layer.
        bob_id = next(peer for peer in alice.evaluate(REMOTE_FRAMES) if peer not in publishers.peer_ids)
        small_layer_received(alice, bob, bob_id)
        alice.screenshot(path=artifacts_dir / "sfu-room-10-people.png")
    finally:
        publishers.stop()


def small_layer_received(viewer, sender, sender_id, timeout=20):
    """Wait until the viewer's tile of the sender shows the width of the sender's smallest encoding (rid l)."""
    deadline = time.monotonic() + timeout
    while True:
        layers = {e["rid"]: e["width"] for e in sender.evaluate(OUTBOUND_VIDEO)["senders"][0]}
        shown = viewer.evaluate("(id) => document.querySelector(`video[data-peer-id='${id}']`).videoWidth", sender_id)
        if layers.get("l") and shown == layers["l"] and layers["l"] < layers.get("h", 0):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"the tile shows {shown} px wide; the sender's layers are {layers}")
        viewer.wait_for_timeout(250)
