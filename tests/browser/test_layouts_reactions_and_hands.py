"""Alice hosts Bob and Carol in real Chromium: pinning and the speaker view put the right video large, reactions
reach the others, raised hands queue up for her with a toast, chat arrives as a toast with safe links, and she mutes
everyone and locks the meeting from her host controls.

The three join once for the module; the tests follow the meeting in order.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, join

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WAIT_MS = 30_000
EVERY_REMOTE_VIDEO_PLAYS = """(count) => {
  const videos = [...document.querySelectorAll("video[data-peer-id]")];
  return videos.length === count && videos.every((v) => v.videoWidth > 0 && v.getVideoPlaybackQuality().totalVideoFrames > 0);
}"""
MAIN_VIDEO_IS = """(id) => {
  const video = document.querySelector("#stage-main video[data-peer-id]");
  return !!video && video.dataset.peerId === id && video.videoWidth > 0;
}"""
MAIN_FRAMES = "() => document.querySelector('#stage-main video[data-peer-id]').getVideoPlaybackQuality().totalVideoFrames"


@pytest.fixture(scope="module")
def meeting(browser, redis_deployment, worker, people):
    slug = redis_deployment.create_room("alice", "Product sync")
    contexts, pages = [], {}
    for username, viewport in (("alice", DESKTOP), ("bob", DESKTOP), ("carol", PHONE)):
        context = browser.new_context(base_url=worker.base_url, viewport=viewport)
        context.set_default_timeout(WAIT_MS)
        contexts.append(context)
        page = context.new_page()
        page.goto("/accounts/login/")
        page.locator("input[name=login]").fill(username)
        page.locator("input[name=password]").fill(people[username][0])
        page.locator("form:has(input[name=login]) [type=submit]").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        # A clean layout choice for the first page of the tab only: a reload must find what was chosen.
        page.add_init_script("if (!sessionStorage.getItem('layout-reset')) {"
                             " localStorage.removeItem('confer.layout'); sessionStorage.setItem('layout-reset', '1'); }")
        pages[username] = page
    for username in ("alice", "bob", "carol"):
        join(pages[username], slug)
    for page in pages.values():
        page.wait_for_function(EVERY_REMOTE_VIDEO_PLAYS, arg=2, timeout=2 * WAIT_MS)
    yield pages
    for context in contexts:
        context.close()


def peer_id_of(page, name):
    tile = page.locator("[data-tile-for]").filter(has=page.locator(".tile-label", has_text=re.compile(f"^{name}$")))
    return tile.get_attribute("data-tile-for")


def assert_main_video_plays(page, peer_id):
    """The large tile holds this peer's video, and it goes on decoding frames after we look."""
    page.wait_for_function(MAIN_VIDEO_IS, arg=peer_id, timeout=WAIT_MS)
    before = page.evaluate(MAIN_FRAMES)
    page.wait_for_function(f"(before) => ({MAIN_FRAMES})() > before + 10", arg=before, timeout=WAIT_MS)


def test_the_controls_show_their_names_on_a_wide_screen_and_only_icons_on_a_phone(meeting):
    mic = meeting["alice"].get_by_role("button", name="Mute microphone")
    expect(mic.locator(".control-label")).to_be_visible()
    expect(mic.locator(".control-label")).to_have_text("Mute")
    expect(meeting["carol"].get_by_role("button", name="Mute microphone").locator(".control-label")).to_be_hidden()
    expect(meeting["carol"].get_by_role("button", name="Leave")).to_be_in_viewport()


def test_pinning_from_the_tile_menu_and_by_double_click_puts_that_video_large(meeting, artifacts):
    alice = meeting["alice"]
    bob_id, carol_id = peer_id_of(alice, "Bob"), peer_id_of(alice, "Carol")
    bob_tile = alice.locator(f"[data-tile-for='{bob_id}']")
    bob_tile.hover()
    bob_tile.get_by_role("button", name="Tile options").click()
    alice.get_by_role("menuitem", name="Pin to the stage").click()
    expect(alice.locator("#stage")).to_have_attribute("data-layout", "focus")
    assert_main_video_plays(alice, bob_id)
    expect(alice.locator("#tiles video[data-peer-id]")).to_have_count(1)  # Carol, in the strip
    alice.screenshot(path=artifacts / "pinned-desktop-1280x800.png", animations="disabled")

    alice.locator(f"[data-tile-for='{carol_id}'] video").dblclick()
    assert_main_video_plays(alice, carol_id)

    carol = meeting["carol"]
    alice_id = peer_id_of(carol, "Alice")
    carol.locator(f"[data-tile-for='{alice_id}'] video").dblclick()
    assert_main_video_plays(carol, alice_id)
    carol.screenshot(path=artifacts / "pinned-phone-390x844.png", animations="disabled")
    carol.locator(f"[data-tile-for='{alice_id}'] video").dblclick()
    expect(carol.locator("#stage")).not_to_have_attribute("data-layout", "focus")

    alice.get_by_role("button", name="Change the layout").click()
    alice.get_by_role("menuitem", name="Unpin").click()
    expect(alice.locator("#stage")).to_have_attribute("data-layout", "grid")
    expect(alice.locator("#stage-main video")).to_have_count(0)


def test_a_tile_goes_full_screen_from_its_menu(meeting):
    alice = meeting["alice"]
    bob_id = peer_id_of(alice, "Bob")
    tile = alice.locator(f"[data-tile-for='{bob_id}']")
    tile.hover()
    tile.get_by_role("button", name="Tile options").click()
    alice.get_by_role("menuitem", name="Full screen").click()
    alice.wait_for_function("(id) => document.fullscreenElement && document.fullscreenElement.dataset.tileFor === id",
                            arg=bob_id)
    tile.get_by_role("button", name="Tile options").click()
    alice.get_by_role("menuitem", name="Exit full screen").click()
    alice.wait_for_function("() => !document.fullscreenElement")


def test_tiles_page_when_the_screen_holds_fewer_and_only_the_pages_peers_are_visible(meeting, artifacts):
    carol = meeting["carol"]
    carol.evaluate("""() => {
      window.visibleChanges = [];
      document.querySelector("#stage").addEventListener("confer:visible-change",
        (event) => window.visibleChanges.push(event.detail.peerIds));
    }""")
    carol.set_viewport_size({"width": 320, "height": 330})  # room for two tiles a page
    pager = carol.locator("#stage-pager")
    expect(pager).to_be_visible()
    expect(carol.locator("#page-label")).to_have_text("Page 1 of 2")
    expect(carol.locator("#tiles > .tile:not([hidden])")).to_have_count(2)
    first = carol.evaluate("window.visibleChanges.at(-1)")
    assert len(first) == 1  # the self view and one other
    carol.screenshot(path=artifacts / "paged-phone-320x330.png", animations="disabled")
    carol.get_by_role("button", name="Next page").click()
    expect(carol.locator("#page-label")).to_have_text("Page 2 of 2")
    carol.wait_for_function("(first) => { const last = window.visibleChanges.at(-1);"
                            " return last.length === 1 && last[0] !== first[0]; }", arg=first)
    carol.set_viewport_size(PHONE)
    expect(pager).to_be_hidden()
    carol.wait_for_function("() => window.visibleChanges.at(-1).length === 2")


def test_the_speaker_view_shows_whoever_speaks_and_is_remembered(meeting, artifacts):
    alice, bob, carol = meeting["alice"], meeting["bob"], meeting["carol"]
    bob_id, carol_id = peer_id_of(alice, "Bob"), peer_id_of(alice, "Carol")
    carol.get_by_role("button", name="Mute microphone").click()
    alice.get_by_role("button", name="Change the layout").click()
    alice.get_by_role("menuitemradio", name=re.compile("^Speaker")).click()
    assert_main_video_plays(alice, bob_id)  # Bob's fake microphone beeps; Carol's is off
    alice.screenshot(path=artifacts / "speaker-desktop-1280x800.png", animations="disabled")

    bob.get_by_role("button", name="Mute microphone").click()
    carol.get_by_role("button", name="Unmute microphone").click()
    assert_main_video_plays(alice, carol_id)
    assert "speaker" in alice.evaluate("localStorage.getItem('confer.layout')")

    alice.reload()  # takes the seat back at once, in the layout chosen before
    expect(alice.locator("#room[data-state=joined]")).to_be_attached(timeout=WAIT_MS)
    expect(alice.locator("#stage")).to_have_attribute("data-mode", "speaker")
    alice.wait_for_function(EVERY_REMOTE_VIDEO_PLAYS, arg=2, timeout=WAIT_MS)
    assert_main_video_plays(alice, carol_id)

    alice.get_by_role("button", name="Change the layout").click()
    alice.get_by_role("menuitemcheckbox", name="Hide your own view").click()
    expect(alice.locator("#self-tile")).to_be_hidden()
    alice.get_by_role("button", name="Change the layout").click()
    alice.get_by_role("menuitemcheckbox", name="Hide your own view").click()
    expect(alice.locator("#self-tile")).to_be_visible()
    alice.get_by_role("button", name="Change the layout").click()
    alice.get_by_role("menuitemradio", name=re.compile("^Grid")).click()
    expect(alice.locator("#stage")).to_have_attribute("data-layout", "grid")
    bob.get_by_role("button", name="Unmute microphone").click()


def test_a_reaction_floats_over_the_senders_tile_in_the_other_browsers_and_is_announced(meeting, artifacts):
    alice, bob = meeting["alice"], meeting["bob"]
    bob_id = peer_id_of(alice, "Bob")
    alice.evaluate("""(id) => {
      window.seenReactions = [];
      new MutationObserver((records) => records.forEach((r) => r.addedNodes.forEach((n) => {
        if (n.classList && n.classList.contains("tile-reaction")) window.seenReactions.push([n.closest(".tile").dataset.tileFor, n.textContent]);
      }))).observe(document.querySelector("#stage"), {subtree: true, childList: true});
    }""", bob_id)
    bob.get_by_role("button", name="Send a reaction").click()
    bob.get_by_role("button", name="React with 👏").click()
    alice.wait_for_function("(id) => window.seenReactions.some(([peer, emoji]) => peer === id && emoji === '👏')", arg=bob_id)
    expect(alice.locator("#room-announcer")).to_contain_text("Bob reacted 👏")
    expect(bob.locator("#room-announcer")).to_contain_text("You reacted 👏")
    bob.keyboard.press("Escape")


def test_raised_hands_queue_up_for_the_host_with_a_toast_and_a_chime(meeting, artifacts):
    alice, bob, carol = meeting["alice"], meeting["bob"], meeting["carol"]
    chimes = int(alice.locator("#room").get_attribute("data-chimes") or 0)
    bob.get_by_role("button", name="Raise hand").click()
    expect(alice.locator("#room-notices")).to_contain_text("Bob raised their hand (number 1 in line).")
    carol.get_by_role("button", name="Raise hand").click()
    expect(alice.locator("#room-notices")).to_contain_text("Carol raised their hand (number 2 in line).")
    assert int(alice.locator("#room").get_attribute("data-chimes")) >= chimes + 2
    expect(bob.locator("#room-notices")).not_to_contain_text("raised their hand")  # not a host: no toast
    expect(bob.locator("#room-announcer")).to_contain_text("Carol raised their hand.")

    alice.locator("#room-notices").get_by_role("button", name="Show").click()
    expect(alice.locator("#hands-list li")).to_have_text([re.compile("^Bob"), re.compile("^Carol")])
    alice.screenshot(path=artifacts / "hands-desktop-1280x800.png", animations="disabled")
    bob.get_by_role("button", name="Lower hand").click()
    expect(alice.locator("#hands-list li")).to_have_text([re.compile("^Carol")])
    carol.get_by_role("button", name="Lower hand").click()
    expect(alice.locator("#people-hands")).to_be_hidden()
    alice.get_by_role("button", name="Close participants").click()


def test_chat_arrives_as_a_toast_when_the_panel_is_closed_and_only_web_links_are_clickable(meeting, artifacts):
    alice, bob = meeting["alice"], meeting["bob"]
    bob.keyboard.press("c")
    bob.locator("#chat-text").fill("Notes: https://example.org/notes?id=3. Not this: javascript:alert(1) nor data:text/html,x")
    bob.locator("#chat-text").press("Enter")
    toast = alice.locator("#room-notices [data-notice=chat]")
    expect(toast).to_contain_text("Bob: Notes: https://example.org/notes?id=3.")
    alice.screenshot(path=artifacts / "chat-toast-desktop-1280x800.png", animations="disabled")
    toast.get_by_role("button", name="Open chat").click()
    expect(alice.locator("#chat-panel")).to_be_visible()
    links = alice.locator("#chat-log .chat-text a")
    expect(links).to_have_count(1)
    expect(links).to_have_attribute("href", "https://example.org/notes?id=3")
    expect(links).to_have_attribute("rel", "noopener noreferrer")
    expect(links).to_have_attribute("target", "_blank")
    expect(alice.locator("#chat-log .chat-text").last).to_contain_text("javascript:alert(1)")
    alice.get_by_role("button", name="Close chat").click()
    bob.get_by_role("button", name="Close chat").click()


def test_the_host_mutes_everyone_else_and_locks_the_meeting_from_inside_the_call(meeting, redis_deployment, artifacts):
    alice, bob, carol = meeting["alice"], meeting["bob"], meeting["carol"]
    expect(bob.get_by_role("button", name="Host controls")).to_be_hidden()  # not a moderator
    alice.get_by_role("button", name="Host controls").click()
    alice.get_by_role("button", name="Mute everyone else").click()
    alice.get_by_role("dialog", name="Mute everyone else?").get_by_role("button", name="Mute everyone").click()
    for page in (bob, carol):
        expect(page.get_by_role("button", name="Unmute microphone")).to_be_visible()
        expect(page.locator("#room-notices")).to_contain_text("Alice turned your microphone off.")
    expect(alice.get_by_role("button", name="Mute microphone")).to_be_visible()  # not herself

    alice.get_by_label("Lock the meeting: nobody new can join").check()
    alice.get_by_label("Lobby: newcomers wait until a host or moderator lets them in").check()
    expect(alice.locator("#host-status")).to_have_text("Newcomers now wait in the lobby.")
    alice.locator("#host-password").fill("open sesame")
    alice.get_by_role("button", name="Set the password").click()
    expect(alice.locator("#host-password-state")).to_contain_text("This room has a password", timeout=WAIT_MS)
    alice.locator("#host-size").fill("5")
    alice.locator("#host-size").press("Tab")
    expect(alice.locator("#host-status")).to_have_text("Up to 5 people may join now.")
    alice.screenshot(path=artifacts / "host-controls-desktop-1280x800.png", animations="disabled")
    slug = alice.locator("#room").get_attribute("data-slug")
    rules = redis_deployment.run_python(
        "import json\nfrom meetings.models import Room\n"
        f"r = Room.objects.get(slug={slug!r})\n"
        "print(json.dumps([r.is_locked, r.requires_approval, r.check_password('open sesame'), r.max_participants]))"
    )
    assert rules == [True, True, True, 5]
    bob.get_by_role("button", name=re.compile("^Participants")).click()
    expect(bob.locator("#people-actions")).to_be_hidden()
    alice.get_by_label("Lock the meeting: nobody new can join").uncheck()
    alice.get_by_role("button", name="Close host controls").click()
    bob.get_by_role("button", name="Close participants").click()
