"""A host runs her meeting in real Chromium: the lobby, removing someone, the recording indicator; and a call that
loses its signalling socket comes back by itself. Also: the room in Chinese for a Chinese browser."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, join
from tests.browser.cuttable_proxy import CuttableProxy

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REMOTE_VIDEO = "video[data-peer-id]"
EVERY_REMOTE_VIDEO_PLAYS = """(count) => {
  const videos = [...document.querySelectorAll("video[data-peer-id]")];
  return videos.length === count && videos.every((v) => v.videoWidth > 0 && v.getVideoPlaybackQuality().totalVideoFrames > 0);
}"""
WAIT_MS = 30_000


def set_room(deployment, slug, **rules):
    """Change the room's rules as its settings page does, through the actions, which tell the live meeting."""
    deployment.run_python(
        "from meetings import actions\nfrom meetings.models import Room\nfrom signalling.publish import publish\n"
        f"publish(actions.update_room(Room.objects.get(slug={slug!r}), **{rules!r}))\nprint('true')"
    )


def set_recording(deployment, slug, recording):
    """Start a recording (a recorder process is on the roll, alive) or finish it, as the recording actions do."""
    if recording:
        code = (
            "from recordings.models import RecorderProcess\n"
            "RecorderProcess.objects.create(channel_name='recorder.test!x', hostname='here', pid=1)\n"
            f"publish(actions.start_recording(Room.objects.get(slug={slug!r})))\n"
        )
    else:
        code = (
            "from recordings.models import Recording\n"
            f"recording = Recording.objects.get(room__slug={slug!r}, status='starting')\n"
            "publish(actions.finish_recording(recording.pk, 'done', 'requested'))\n"
        )
    deployment.run_python(
        "from meetings import actions\nfrom meetings.models import Room\nfrom signalling.publish import publish\n"
        f"{code}print('true')"
    )


def test_alice_admits_carol_from_the_lobby_and_removes_bob(redis_deployment, sign_in, make_room, artifacts):
    slug = make_room("Interviews")
    set_room(redis_deployment, slug, requires_approval=True)
    alice = join(sign_in("alice"), slug)  # the host comes straight in
    carol = join(sign_in("carol"), slug, wait_for="lobby")
    expect(carol.get_by_role("heading", name="Waiting to be let in…")).to_be_visible()

    expect(alice.locator("#room-notices")).to_contain_text("Someone is waiting in the lobby (1)")
    expect(alice.get_by_role("button", name=re.compile(r"^Participants \(1\), 1 waiting in the lobby"))).to_be_visible()
    alice.get_by_role("button", name=re.compile("^Participants")).click()
    expect(alice.locator("#people-lobby")).to_contain_text("Carol")
    alice.screenshot(path=artifacts / "lobby-host-desktop-1280x800.png", animations="disabled")
    alice.get_by_role("button", name="Admit Carol").click()

    expect(carol.locator("#room[data-state=joined]")).to_be_attached(timeout=WAIT_MS)
    expect(carol.get_by_role("heading", name="Waiting to be let in…")).to_be_hidden()
    for page in (alice, carol):
        page.wait_for_function(EVERY_REMOTE_VIDEO_PLAYS, arg=1, timeout=WAIT_MS)
    expect(alice.locator("#people-lobby")).to_be_hidden()
    expect(alice.locator("#room-announcer")).to_contain_text("Carol joined.")

    bob = sign_in("bob")
    join(bob, slug, wait_for="lobby")
    alice.get_by_role("button", name="Admit Bob").click()
    expect(bob.locator("#room[data-state=joined]")).to_be_attached(timeout=WAIT_MS)
    expect(alice.locator(REMOTE_VIDEO)).to_have_count(2)

    alice.get_by_role("button", name="Remove Bob").click()
    confirm = alice.get_by_role("dialog", name="Remove Bob from the meeting?")
    expect(confirm).to_contain_text("cannot come back to this meeting")
    confirm.get_by_role("button", name="Cancel").click()
    expect(bob.locator("#room[data-state=joined]")).to_be_attached()
    alice.get_by_role("button", name="Remove Bob").click()
    confirm.get_by_role("button", name="Remove", exact=True).click()
    expect(bob.get_by_role("heading", name="You were removed from the meeting")).to_be_visible()
    expect(bob.locator("#room-ended-rejoin")).to_be_hidden()  # it would be refused: not offered
    expect(bob.get_by_role("link", name="Home")).to_be_visible()
    for page in (alice, carol):
        expect(page.locator("[data-tile-for]")).to_have_count(1)
        expect(page.get_by_text("2 people in the meeting")).to_be_visible()
    expect(alice.locator("#room-announcer")).to_contain_text("Bob left.")
    expect(alice.locator("#people-list")).not_to_contain_text("Bob")

    alice.get_by_role("button", name="End the meeting for everyone").click()
    alice.get_by_role("dialog", name="End the meeting for everyone?").get_by_role("button", name="End the meeting").click()
    expect(alice.get_by_role("heading", name="The meeting has ended")).to_be_visible()
    expect(alice.locator("#room-ended-text")).to_have_text("You ended the meeting for everyone.")
    expect(carol.locator("#room-ended-text")).to_have_text("Alice ended the meeting for everyone.")
    for page in (alice, carol):
        expect(page.locator("#room-ended-rejoin")).to_be_hidden()


def test_everyone_sees_when_a_recording_runs(redis_deployment, sign_in, make_room, artifacts):
    slug = make_room("Town hall")
    alice = join(sign_in("alice"), slug)
    bob = join(sign_in("bob", viewport=PHONE), slug)
    for page in (alice, bob):
        expect(page.get_by_text("Recording", exact=True)).to_be_hidden()

    set_recording(redis_deployment, slug, True)
    for page in (alice, bob):
        expect(page.get_by_text("Recording", exact=True)).to_be_visible(timeout=WAIT_MS)
        expect(page.locator("#room-announcer")).to_contain_text("This meeting is being recorded.")
    bob.screenshot(path=artifacts / "recording-phone-390x844.png", animations="disabled")
    alice.get_by_role("button", name=re.compile("^Participants")).click()
    expect(alice.get_by_role("button", name="Stop recording")).to_be_visible()
    bob.get_by_role("button", name=re.compile("^Participants")).click()
    expect(bob.get_by_role("button", name="Stop recording")).to_have_count(0)  # not a moderator

    set_recording(redis_deployment, slug, False)
    for page in (alice, bob):
        expect(page.get_by_text("Recording", exact=True)).to_be_hidden(timeout=WAIT_MS)
    expect(alice.get_by_role("button", name="Start recording")).to_be_visible()


def test_the_call_comes_back_by_itself_after_the_socket_is_cut(worker, sign_in, make_room):
    proxy = CuttableProxy(worker.port)
    try:
        slug = make_room("Train wifi")
        alice = join(sign_in("alice"), slug, proxy.base_url)
        bob = join(sign_in("bob"), slug, proxy.base_url)
        for page in (alice, bob):
            page.wait_for_function(EVERY_REMOTE_VIDEO_PLAYS, arg=1, timeout=WAIT_MS)
        peer_ids = [page.locator(REMOTE_VIDEO).get_attribute("data-peer-id") for page in (alice, bob)]

        proxy.cut()
        for page in (alice, bob):
            expect(page.get_by_text("Connection lost — reconnecting…")).to_be_visible()
        for page in (alice, bob):
            expect(page.get_by_text("Connection lost — reconnecting…")).to_have_count(0, timeout=WAIT_MS)
            expect(page.locator("#room[data-state=joined]")).to_be_attached()
            expect(page.get_by_text("2 people in the meeting")).to_be_visible()
        # The same seats (resumed, not left and joined again), and the media never stopped.
        assert [page.locator(REMOTE_VIDEO).get_attribute("data-peer-id") for page in (alice, bob)] == peer_ids
        for page in (alice, bob):
            page.wait_for_function(EVERY_REMOTE_VIDEO_PLAYS, arg=1, timeout=WAIT_MS)

        # Signalling works again: a chat message goes through.
        alice.keyboard.press("c")
        alice.get_by_role("textbox", name="Message").fill("Back again")
        alice.get_by_role("textbox", name="Message").press("Enter")
        expect(bob.locator("#room-announcer")).to_contain_text("Alice says: Back again")
    finally:
        proxy.close()


def test_a_chinese_browser_gets_the_room_in_chinese(browser, worker, people, make_room, artifacts):
    slug = make_room("设计评审")
    context = browser.new_context(base_url=worker.base_url, locale="zh-CN", viewport=PHONE)
    try:
        page = context.new_page()
        page.goto("/accounts/login/")
        expect(page.get_by_role("heading", name="登录")).to_be_visible()
        page.locator("input[name=login]").fill("carol")
        page.locator("input[name=password]").fill(people["carol"][0])
        page.locator("form:has(input[name=login]) [type=submit]").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)

        page.goto(f"/r/{slug}/")
        join_button = page.get_by_role("button", name="立即加入")
        expect(join_button).to_be_enabled(timeout=WAIT_MS)
        page.screenshot(path=artifacts / "prejoin-zh-hans-phone-390x844.png", animations="disabled")
        join_button.click()
        # Written by the page's script, from the JavaScript catalog.
        expect(page.locator("#room-status")).to_have_text("只有你在这里", timeout=WAIT_MS)
        expect(page.get_by_role("button", name="静音麦克风")).to_be_visible()
        page.screenshot(path=artifacts / "room-zh-hans-phone-390x844.png", animations="disabled")
    finally:
        context.close()
