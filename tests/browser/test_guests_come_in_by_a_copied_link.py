"""Outsiders come in by the link a host copied, in real Chromium: an anonymous browser, with no account, goes from a
copied guest invite link through the lobby into the call; another from the room's own link where the room lets
anyone in; and one whose invite was revoked is told so."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, join

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WAIT_MS = 30_000
REMOTE_VIDEO_PLAYS = """() => {
  const video = document.querySelector("video[data-peer-id]");
  return !!video && video.videoWidth > 0 && video.getVideoPlaybackQuality().totalVideoFrames > 0;
}"""


@pytest.fixture
def anonymous(browser, worker):
    """A browser with no account and no session: an outsider who was sent a link."""
    contexts = []

    def open_one(viewport=DESKTOP):
        context = browser.new_context(base_url=worker.base_url, viewport=viewport)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield open_one
    for context in contexts:
        context.close()


def set_rules(deployment, slug, **rules):
    deployment.run_python(
        "from meetings import actions\nfrom meetings.models import Room\nfrom signalling.publish import publish\n"
        f"publish(actions.update_room(Room.objects.get(slug={slug!r}), **{rules!r}))\nprint('true')"
    )


def test_an_anonymous_browser_goes_from_a_copied_invite_link_through_the_lobby_into_the_call(
    redis_deployment, sign_in, make_room, anonymous, artifacts
):
    slug = make_room("Customer call")  # anyone signed in may use its own link; outsiders need an invite
    set_rules(redis_deployment, slug, requires_approval=True)
    alice = sign_in("alice")
    alice.context.grant_permissions(["clipboard-read", "clipboard-write"])
    join(alice, slug)

    alice.get_by_role("button", name="Invite people: copy the meeting link").click()
    dialog = alice.get_by_role("dialog", name="Invite people")
    expect(dialog).to_contain_text("This link works for people with an account.")
    alice.screenshot(path=artifacts / "invite-dialog-desktop-1280x800.png", animations="disabled")
    dialog.get_by_role("button", name="Copy a guest invite link").click()
    expect(dialog.locator("#invite-status")).to_have_text("Guest invite link copied: it works for a day.")
    copied = alice.evaluate("navigator.clipboard.readText()")
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/i/[\w-]+/", copied), copied
    dialog.get_by_role("button", name="Close").click()

    gus = anonymous(PHONE)
    gus.goto(copied)
    expect(gus.get_by_role("heading", name="Join “Customer call”")).to_be_visible()
    expect(gus.locator("input[name=login]")).to_have_count(0)  # never a bare sign-in form
    gus.screenshot(path=artifacts / "guest-name-phone-390x844.png", animations="disabled")
    gus.get_by_label("Your name").fill("Gus")
    gus.get_by_role("button", name="Join as a guest").click()
    join_now = gus.get_by_role("button", name="Join now")
    expect(join_now).to_be_enabled(timeout=WAIT_MS)
    expect(gus.get_by_label("Your name")).to_have_value("Gus")
    join_now.click()
    expect(gus.get_by_role("heading", name="Waiting to be let in…")).to_be_visible(timeout=WAIT_MS)

    expect(alice.locator("#room-notices")).to_contain_text("Someone is waiting in the lobby (1)")
    alice.locator("#room-notices").get_by_role("button", name="Show").click()
    alice.get_by_role("button", name="Admit Gus").click()
    expect(gus.locator("#room[data-state=joined]")).to_be_attached(timeout=WAIT_MS)
    for page in (alice, gus):
        page.wait_for_function(REMOTE_VIDEO_PLAYS, timeout=WAIT_MS)
    expect(alice.locator("[data-tile-for]")).to_contain_text("Gus")
    gus.screenshot(path=artifacts / "guest-in-call-phone-390x844.png", animations="disabled")

    # Alice revokes the link from inside the call: Gus stays, but cannot come back with it.
    alice.get_by_role("button", name="Close participants").click()
    alice.get_by_role("button", name="Host controls").click()
    invite = alice.locator("#host-invites [data-invite]")
    expect(invite.locator("input")).to_have_value(copied)
    invite.get_by_role("button", name=re.compile("^Revoke")).click()
    expect(alice.locator("#host-status")).to_have_text("The invite link was revoked.")
    gus.get_by_role("button", name="Leave").click()
    gus.goto(f"/r/{slug}/")
    expect(gus.get_by_role("heading", name="Your invite to this meeting was withdrawn")).to_be_visible()
    expect(gus.locator("input[name=login]")).to_have_count(0)
    gus.screenshot(path=artifacts / "guest-revoked-phone-390x844.png", animations="disabled")


def test_where_the_room_lets_anyone_in_its_own_copied_link_brings_a_guest_in(
    redis_deployment, sign_in, make_room, anonymous, artifacts
):
    slug = make_room("Open office hours", access="anyone")
    alice = sign_in("alice")
    alice.context.grant_permissions(["clipboard-read", "clipboard-write"])
    join(alice, slug)
    alice.get_by_role("button", name="Invite people: copy the meeting link").click()
    dialog = alice.get_by_role("dialog", name="Invite people")
    expect(dialog).to_contain_text("Anyone with this link can join, with or without an account.")
    dialog.get_by_role("button", name="Copy the room link").click()
    expect(dialog.locator("#invite-status")).to_have_text("Room link copied.")
    copied = alice.evaluate("navigator.clipboard.readText()")
    assert copied.endswith(f"/r/{slug}/")

    dana = anonymous()
    dana.goto(copied)
    expect(dana.get_by_text("room lets in anyone with its link")).to_be_visible()
    expect(dana.get_by_role("link", name="Sign in to join with it")).to_be_visible()
    dana.screenshot(path=artifacts / "guest-by-room-link-desktop-1280x800.png", animations="disabled")
    dana.get_by_label("Your name").fill("Dana")
    dana.get_by_role("button", name="Join as a guest").click()
    join(dana, slug)
    dana.wait_for_function(REMOTE_VIDEO_PLAYS, timeout=WAIT_MS)
    expect(alice.locator("[data-tile-for]")).to_contain_text("Dana")


def test_an_outsider_at_a_signed_in_room_is_told_to_sign_in_or_ask_for_an_invite(make_room, anonymous, artifacts):
    slug = make_room("Team only")
    page = anonymous(PHONE)
    page.goto(f"/r/{slug}/")
    expect(page.get_by_role("heading", name="Join “Team only”")).to_be_visible()
    expect(page.get_by_role("link", name="Sign in to join")).to_be_visible()
    expect(page.get_by_role("link", name="Create an account")).to_be_visible()
    expect(page.get_by_text("Ask the host for a guest invite link")).to_be_visible()
    page.screenshot(path=artifacts / "sign-in-to-join-phone-390x844.png", animations="disabled")
