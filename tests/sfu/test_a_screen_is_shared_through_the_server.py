"""In a meeting through the server, Alice shares her screen: it reaches Bob through Janus as a tile of its own, in
one full-size layer, and goes when she stops (tests/sfu/test_the_server_keeps_the_rules_for_screens.py has the
rules)."""

import time

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import join
from tests.sfu.browsers import OUTBOUND_VIDEO, REMOTE_FRAMES
from tests.sfu.test_a_large_meeting_in_chromium import frames_advance
from tests.sfu.conftest import create_people, make_room

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SCREEN_FRAMES = """() => { const v = document.querySelector('[data-screen-for] video');
  return v && v.srcObject ? {frames: v.getVideoPlaybackQuality().totalVideoFrames, width: v.videoWidth,
                             height: v.videoHeight} : null; }"""


def screen_frames_advance(page, by=10, timeout=30):
    """Wait until the screen tile's video has decoded `by` more frames than now; return what it shows."""
    start = page.evaluate(SCREEN_FRAMES) or {"frames": 0}
    deadline = time.monotonic() + timeout
    while True:
        now = page.evaluate(SCREEN_FRAMES)
        if now and now["frames"] >= start["frames"] + by and now["width"] > 0:
            return now
        if time.monotonic() > deadline:
            raise AssertionError(f"the screen tile decoded no new frames: {start} then {now}")
        page.wait_for_timeout(200)


def test_alices_screen_reaches_bob_through_janus_and_goes_when_she_stops(sfu_deployment, sfu_worker, open_page,
                                                                        artifacts_dir):
    create_people(sfu_deployment)
    slug = make_room(sfu_deployment, "Design review", owner="alice")
    alice, bob = open_page(sfu_worker, "alice"), open_page(sfu_worker, "bob")
    for page in (alice, bob):
        join(page, slug)
        expect(page.locator("#room[data-route=sfu]")).to_be_attached()
    expect(bob.locator("#tiles video[data-peer-id]")).to_have_count(1)

    alice.get_by_role("button", name="Share screen").click()
    expect(alice.get_by_role("button", name="Stop sharing screen")).to_have_attribute("aria-pressed", "true")
    expect(bob.locator("[data-screen-for]")).to_contain_text("Alice's screen")
    shown = screen_frames_advance(bob)
    screen_frames_advance(bob)  # and still advancing: it plays, it did not just start
    # The fake screen is wide, not Alice's 4:3 camera; her camera tile stays beside it.
    assert shown["width"] / shown["height"] > 1.5, shown
    expect(bob.locator("#tiles video[data-peer-id]")).to_have_count(1)
    # Alice sends the screen as one encoding beside her camera's three.
    [encodings] = alice.evaluate(OUTBOUND_VIDEO)["senders"]  # one connection: her publisher
    assert sorted(str(e["rid"]) for e in encodings) == ["None", "h", "l", "m"], encodings
    assert all(e["frames"] > 0 for e in encodings), encodings
    bob.screenshot(path=artifacts_dir / "sfu-room-screen-share.png")

    alice.get_by_role("button", name="Stop sharing screen").click()
    expect(bob.locator("[data-screen-for]")).to_have_count(0)
    # Her camera plays on.
    peer = next(iter(bob.evaluate(REMOTE_FRAMES)))
    before = bob.evaluate(REMOTE_FRAMES)[peer]
    bob.wait_for_function(f"() => document.querySelector('#tiles video[data-peer-id=\"{peer}\"]')"
                          f".getVideoPlaybackQuality().totalVideoFrames > {before + 5}")

    # Sharing again reuses the stopped section.
    alice.get_by_role("button", name="Share screen").click()
    expect(bob.locator("[data-screen-for]")).to_contain_text("Alice's screen")
    screen_frames_advance(bob)
    alice.get_by_role("button", name="Stop sharing screen").click()
    expect(bob.locator("[data-screen-for]")).to_have_count(0)


# A page that ignores a moderator: the `mute` messages its socket receives never reach the room's code.
IGNORE_MUTE_REQUESTS = """
(() => {
  const Original = window.WebSocket;
  window.WebSocket = class extends Original {
    addEventListener(type, listener, options) {
      const deaf = (event) => { if (!String(event.data).startsWith('{"type":"mute"')) listener(event); };
      return super.addEventListener(type, type === "message" ? deaf : listener, options);
    }
  };
})();
"""


def test_a_moderators_stop_of_bobs_screen_holds_at_janus_even_when_his_page_ignores_it(sfu_deployment, sfu_worker,
                                                                                        open_page):
    create_people(sfu_deployment)
    slug = make_room(sfu_deployment, "Show and tell", owner="alice")
    alice, bob = open_page(sfu_worker, "alice"), open_page(sfu_worker, "bob")
    bob.context.add_init_script(IGNORE_MUTE_REQUESTS)
    for page in (alice, bob):
        join(page, slug)
        expect(page.locator("#room[data-route=sfu]")).to_be_attached()
    bob.get_by_role("button", name="Share screen").click()
    expect(alice.locator("[data-screen-for]")).to_contain_text("Bob's screen")
    screen_frames_advance(alice)
    [bob_id] = alice.evaluate(REMOTE_FRAMES)

    # Alice, the room's owner, turns Bob's screen off (the API does what a moderator's `mute` does).
    csrf = next(c["value"] for c in alice.context.cookies() if c["name"] == "csrftoken")
    response = alice.request.post(f"/api/v1/rooms/{slug}/participants/{bob_id}/mute/", data={"kind": "screen"},
                                  headers={"X-CSRFToken": csrf, "Referer": sfu_worker.base_url + "/"})
    assert response.status == 202, response.text()
    # Bob's page did not hear it: he still shares, and sends.
    expect(bob.get_by_role("button", name="Stop sharing screen")).to_have_attribute("aria-pressed", "true")
    frames_advance(alice, [bob_id], by=10)  # what Janus had already forwarded drains
    stopped_at = alice.evaluate(SCREEN_FRAMES)
    # His camera plays on for a second or more, his screen not a frame further.
    frames_advance(alice, [bob_id], by=30)
    assert (alice.evaluate(SCREEN_FRAMES) or {"frames": 0})["frames"] == stopped_at["frames"], stopped_at
    [encodings] = bob.evaluate(OUTBOUND_VIDEO)["senders"]
    assert next(e for e in encodings if e["rid"] is None)["frames"] > 0
