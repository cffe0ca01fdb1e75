"""Two people hold a video call in real Chromium, through a real daphne and Redis, and see each other's video play."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, join

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REMOTE_VIDEO = "video[data-peer-id]"
BLOCK_CAMERA_AND_MICROPHONE = """
navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException("Permission denied", "NotAllowedError"));
"""
REMOTE_VIDEO_PLAYS = """() => {
  const video = document.querySelector("video[data-peer-id]");
  return !!video && video.videoWidth > 0 && video.getVideoPlaybackQuality().totalVideoFrames > 0;
}"""


def decoded_frames(page):
    return page.locator(REMOTE_VIDEO).evaluate("video => video.getVideoPlaybackQuality().totalVideoFrames")


def assert_remote_video_plays(*pages):
    """Each page shows a remote video whose decoded frame count keeps rising: more frames arrive after we look."""
    for page in pages:
        page.wait_for_function(REMOTE_VIDEO_PLAYS)
    for page in pages:
        before = decoded_frames(page)
        page.wait_for_function(
            "(before) => document.querySelector('video[data-peer-id]').getVideoPlaybackQuality().totalVideoFrames"
            " > before + 10", arg=before, timeout=30_000,
        )


def local_track_enabled(page, kind):
    return page.locator("#self-video").evaluate(
        "(video, kind) => video.srcObject.getTracks().find((track) => track.kind === kind).enabled", kind
    )


def test_alice_and_bob_see_each_other_and_bobs_tile_goes_when_he_leaves(sign_in, make_room, artifacts):
    slug = make_room("Design review")
    alice = sign_in("alice")
    bob = sign_in("bob", viewport=PHONE)

    join(alice, slug)
    expect(alice.get_by_text("Only you are here")).to_be_visible()
    join(bob, slug)

    assert_remote_video_plays(alice, bob)
    for page, other in ((alice, "Bob"), (bob, "Alice")):
        expect(page.locator(f"[data-tile-for]:has({REMOTE_VIDEO})")).to_contain_text(other)
        expect(page.get_by_text("2 people in the meeting")).to_be_visible()
        assert page.locator(REMOTE_VIDEO).evaluate("video => video.srcObject.getAudioTracks().length") == 1

    alice.screenshot(path=artifacts / "room-desktop-1280x800.png", animations="disabled")
    bob.screenshot(path=artifacts / "room-phone-390x844.png", animations="disabled")

    bob.get_by_role("button", name="Mute microphone").click()
    expect(alice.locator("[data-tile-for]")).to_have_attribute("data-mic", "off")
    bob.get_by_role("button", name="Unmute microphone").click()
    expect(alice.locator("[data-tile-for]")).to_have_attribute("data-mic", "on")

    bob.get_by_role("button", name="Leave").click()
    expect(bob.get_by_role("heading", name="You left the meeting")).to_be_visible()
    expect(bob.get_by_role("link", name="Rejoin")).to_have_attribute("href", f"/r/{slug}/")
    expect(bob.get_by_role("link", name="Home")).to_be_visible()
    bob.screenshot(path=artifacts / "left-phone-390x844.png", animations="disabled")
    expect(alice.locator(REMOTE_VIDEO)).to_have_count(0)
    expect(alice.get_by_text("Only you are here")).to_be_visible()


def test_muting_the_microphone_and_camera_shows_on_the_buttons_and_the_self_view(sign_in, make_room, artifacts):
    slug = make_room("Quiet room")
    bob = sign_in("bob")
    join(bob, slug)
    self_tile = bob.locator("#self-tile")

    bob.get_by_role("button", name="Mute microphone").click()
    expect(bob.get_by_role("button", name="Unmute microphone")).to_be_visible()
    expect(self_tile).to_have_attribute("data-mic", "off")
    assert local_track_enabled(bob, "audio") is False

    bob.get_by_role("button", name="Unmute microphone").click()
    expect(bob.get_by_role("button", name="Mute microphone")).to_be_visible()
    assert local_track_enabled(bob, "audio") is True

    bob.get_by_role("button", name="Turn camera off").click()
    expect(bob.get_by_role("button", name="Turn camera on")).to_be_visible()
    expect(self_tile).to_have_attribute("data-camera", "off")
    assert local_track_enabled(bob, "video") is False
    bob.get_by_role("button", name="Mute microphone").click()
    bob.screenshot(path=artifacts / "muted-desktop-1280x800.png", animations="disabled")


def test_a_third_person_in_a_room_for_two_is_told_it_is_full(sign_in, make_room, artifacts):
    slug = make_room("Pair programming", max_participants=2)
    for username in ("alice", "bob"):
        join(sign_in(username), slug)

    carol = join(sign_in("carol"), slug, wait_for=None)
    expect(carol.get_by_role("heading", name="This meeting is full")).to_be_visible()
    expect(carol.get_by_role("link", name="Try again")).to_be_visible()
    carol.screenshot(path=artifacts / "room-full-desktop-1280x800.png", animations="disabled")


def test_carol_cannot_open_alices_members_only_room(sign_in, make_room):
    slug = make_room("Board meeting", access="members", members=["bob"])
    carol = sign_in("carol")
    response = carol.goto(f"/r/{slug}/")
    assert response.status == 403
    expect(carol.locator("video")).to_have_count(0)
    expect(carol.locator("#tiles")).to_have_count(0)


def test_bob_who_blocks_his_camera_and_microphone_still_sees_alice_and_is_told_why(sign_in, make_room, artifacts):
    slug = make_room("Receive only")
    alice = sign_in("alice")
    bob = sign_in("bob")
    bob.add_init_script(BLOCK_CAMERA_AND_MICROPHONE)
    join(alice, slug)
    join(bob, slug)

    expect(bob.locator("#room-notices")).to_contain_text("Camera and microphone access is blocked")
    expect(bob.get_by_role("button", name="No microphone")).to_be_disabled()
    expect(bob.get_by_role("button", name="No camera")).to_be_disabled()
    assert_remote_video_plays(bob)
    expect(alice.locator("[data-tile-for]")).to_contain_text("Bob")
    bob.screenshot(path=artifacts / "receive-only-desktop-1280x800.png", animations="disabled")


def test_when_the_server_crashes_the_call_goes_on_and_both_take_their_seats_back(redis_deployment, sign_in, make_room):
    # A worker of its own, so that killing it leaves the module's worker to the other tests.
    worker = redis_deployment.start_worker()
    slug = make_room("Flaky network")
    alice = sign_in("alice")
    bob = sign_in("bob")
    for page in (alice, bob):
        join(page, slug, worker.base_url)
    assert_remote_video_plays(alice, bob)
    peer_ids = [page.locator(REMOTE_VIDEO).get_attribute("data-peer-id") for page in (alice, bob)]

    worker.kill()
    for page in (alice, bob):
        expect(page.get_by_text("Connection lost — reconnecting…")).to_be_visible()
    assert_remote_video_plays(alice, bob)  # media flows peer to peer, without the server
    redis_deployment.start_worker(port=worker.port)

    for page in (alice, bob):
        expect(page.get_by_text("Connection lost — reconnecting…")).to_have_count(0, timeout=20_000)
        expect(page.get_by_text("2 people in the meeting")).to_be_visible()
    assert [page.locator(REMOTE_VIDEO).get_attribute("data-peer-id") for page in (alice, bob)] == peer_ids
    assert_remote_video_plays(alice, bob)


def test_someone_whose_browser_closed_without_leaving_shows_as_connection_lost_and_is_not_counted(sign_in, make_room):
    slug = make_room("Closed laptop")
    alice = join(sign_in("alice"), slug)
    bob = join(sign_in("bob"), slug)
    assert_remote_video_plays(alice)
    expect(alice.get_by_text("2 people in the meeting")).to_be_visible()

    bob.context.close()  # no "leave": the seat is kept for the resume window
    bobs_tile = alice.locator("[data-tile-for]")
    expect(bobs_tile).to_have_attribute("data-away", "true", timeout=30_000)
    expect(bobs_tile.get_by_text("Connection lost")).to_be_visible()
    expect(bobs_tile.get_by_text("Reconnecting…")).to_be_hidden()
    expect(alice.locator("#room-status")).to_have_text("Only you are here")
    expect(alice.locator("#people-badge")).to_have_text("1")
    alice.get_by_role("button", name=re.compile("^Participants")).click()
    expect(alice.locator("#people-list [data-person]").filter(has_text="Bob")).to_contain_text("connection lost")
