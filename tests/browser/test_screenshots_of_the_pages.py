"""Every page this work touched, at desktop (1280×800) and phone (390×844) sizes, in real Chromium: photographed
into the artifacts folder (CONFER_TEST_ARTIFACTS) to be looked at, and checked for what a person would notice
first: the page's heading shows, and nothing is wider than the screen."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SIZES = {"desktop-1280x800": DESKTOP, "phone-390x844": PHONE}


@pytest.fixture(scope="module")
def places(redis_deployment, people):
    """Rooms of every access rule, a live invite, a revoked one, and a room Alice joined."""
    return redis_deployment.run_python("""
import json
from accounts.models import User
from meetings import actions, invites
from meetings.models import Room, RoomVisit
alice, bob = User.objects.get(username="alice"), User.objects.get(username="bob")
link = actions.create_room(alice, "Weekly review")
anyone = actions.create_room(alice, "Open office hours", Room.Access.ANYONE)
members = actions.create_room(alice, "Board", Room.Access.MEMBERS)
bobs = actions.create_room(bob, "Bob's workshop")
RoomVisit.objects.create(user=alice, room=bobs)
invites.create_invite(link, alice)
live = invites.create_invite(members, alice)
print(json.dumps({"link": link.slug, "anyone": anyone.slug, "members": members.slug, "invite": live.token}))
""")


def shoot(page, artifacts, name, size):
    width = page.viewport_size["width"]
    overflow = page.evaluate("() => document.documentElement.scrollWidth")
    assert overflow <= width, f"{name} at {size} is {overflow}px wide"
    page.screenshot(path=artifacts / f"page-{name}-{size}.png", full_page=True, animations="disabled")


@pytest.mark.parametrize("size", SIZES)
def test_the_signed_in_pages(sign_in, places, artifacts, size):
    alice = sign_in("alice", viewport=SIZES[size])
    pages = [
        ("home", "/", "Your recent rooms"),
        ("my-rooms", "/rooms/", "My rooms"),
        ("new-room", "/rooms/new/", "New room"),
        ("room-settings", f"/r/{places['link']}/settings/", "Guest invite links"),
        ("not-found", "/r/zzzz-zzzz-zzzz/", "There is no room at this address"),
    ]
    for name, path, text in pages:
        alice.goto(path)
        expect(alice.get_by_text(text).first).to_be_visible()
        shoot(alice, artifacts, name, size)
    alice.goto("/")
    expect(alice.get_by_text("Bob's workshop")).to_be_visible()  # joined, not owned


@pytest.mark.parametrize("size", SIZES)
def test_the_pages_an_outsider_sees(browser, worker, places, artifacts, size):
    context = browser.new_context(base_url=worker.base_url, viewport=SIZES[size])
    try:
        page = context.new_page()
        for name, path, text in [
            ("sign-in-to-join", f"/r/{places['link']}/", "Sign in to join"),
            ("members-room-outsider", f"/r/{places['members']}/", "room for its members"),
            ("join-as-guest", f"/r/{places['anyone']}/", "Join as a guest"),
            ("invite", f"/i/{places['invite']}/", "You have been invited to this meeting"),
            ("invite-not-valid", "/i/no-such-invite/", "This invite link does not work"),
            ("not-found-anonymous", "/nothing-here/", "There is nothing at this address"),
        ]:
            page.goto(path)
            expect(page.get_by_text(text).first).to_be_visible()
            shoot(page, artifacts, name, size)
    finally:
        context.close()
