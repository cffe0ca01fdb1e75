"""Alice, Bob and Carol hold one meeting in real Chromium: a full mesh, muting, a raised hand, a shared screen,
chat in the room and in private, and a file sent peer to peer.

The three join once for the module (three pages in one call are heavy on two cores); the tests then follow the
meeting in order.
"""

import hashlib
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PEOPLE, PHONE, join

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REMOTE_VIDEOS = "video[data-peer-id]"
FRAMES = "videos => videos.map((video) => video.getVideoPlaybackQuality().totalVideoFrames)"
EVERY_REMOTE_VIDEO_PLAYS = """(count) => {
  const videos = [...document.querySelectorAll("video[data-peer-id]")];
  return videos.length === count && videos.every((v) => v.videoWidth > 0 && v.getVideoPlaybackQuality().totalVideoFrames > 0);
}"""
WAIT_MS = 30_000


@pytest.fixture(scope="module")
def meeting(browser, redis_deployment, worker, people, artifacts):
    """Alice and Bob on a desktop and Carol on a phone, in one of Alice's rooms; the pre-join screens are photographed."""
    slug = redis_deployment.create_room("alice", "Weekly design review")
    contexts = []
    pages = {}
    for username, viewport in (("alice", DESKTOP), ("bob", DESKTOP), ("carol", PHONE)):
        context = browser.new_context(base_url=worker.base_url, viewport=viewport)
        context.set_default_timeout(WAIT_MS)
        contexts.append(context)
        page = context.new_page()
        password, _ = people[username]
        page.goto("/accounts/login/")
        page.locator("input[name=login]").fill(username)
        page.locator("input[name=password]").fill(password)
        page.locator("form:has(input[name=login]) [type=submit]").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        pages[username] = page

    for username in ("alice", "carol"):
        page = pages[username]
        page.goto(f"/r/{slug}/")
        expect(page.get_by_role("button", name="Join now")).to_be_enabled()
        expect(page.locator("#prejoin-video")).to_have_js_property("readyState", 4)
        size = "desktop-1280x800" if username == "alice" else "phone-390x844"
        page.screenshot(path=artifacts / f"prejoin-{size}.png", animations="disabled")
    for username in ("alice", "bob", "carol"):
        join(pages[username], slug)
    yield pages
    for context in contexts:
        context.close()


def names_of_remote_tiles(page):
    return sorted(page.locator("[data-tile-for] .tile-label").all_inner_texts())


def tile_of(page, name):
    return page.locator("[data-tile-for]").filter(has=page.locator(".tile-label", has_text=re.compile(f"^{name}$")))


def test_everyone_sees_the_two_others_play(meeting, artifacts):
    for username, page in meeting.items():
        page.wait_for_function(EVERY_REMOTE_VIDEO_PLAYS, arg=2, timeout=WAIT_MS)
        others = sorted(name for other, (_, name) in PEOPLE.items() if other != username)
        assert names_of_remote_tiles(page) == others
        expect(page.get_by_text("3 people in the meeting")).to_be_visible()
    # Every remote video goes on decoding frames after this moment: ten more each, waited for, not slept on.
    for page in meeting.values():
        before = page.locator(REMOTE_VIDEOS).evaluate_all(FRAMES)
        page.wait_for_function(
            "(before) => [...document.querySelectorAll('video[data-peer-id]')]"
            ".every((video, i) => video.getVideoPlaybackQuality().totalVideoFrames > before[i] + 10)",
            arg=before, timeout=WAIT_MS,
        )

    # The quality indicator has measured something by now (getStats every 2 s).
    for page in meeting.values():
        expect(page.locator(".tile-quality[data-level=good], .tile-quality[data-level=fair]")).to_have_count(2, timeout=WAIT_MS)
    label = meeting["alice"].locator(".tile-quality").first.get_attribute("aria-label")
    assert re.search(r"Connection quality: (good|fair), round trip \d+ ms", label), label

    meeting["alice"].screenshot(path=artifacts / "room-three-desktop-1280x800.png", animations="disabled")
    meeting["carol"].screenshot(path=artifacts / "room-three-phone-390x844.png", animations="disabled")


def test_bob_mutes_and_raises_his_hand_and_the_others_see_it_on_his_tile(meeting):
    bob = meeting["bob"]
    bob.get_by_role("button", name="Mute microphone").click()
    bob.keyboard.press("h")  # the shortcut for "Raise hand"
    expect(bob.get_by_role("button", name="Lower hand")).to_have_attribute("aria-pressed", "true")
    for name in ("alice", "carol"):
        expect(tile_of(meeting[name], "Bob")).to_have_attribute("data-mic", "off")
        expect(tile_of(meeting[name], "Bob")).to_have_attribute("data-hand", "true")
        expect(tile_of(meeting[name], "Bob").get_by_role("img", name="Hand raised")).to_be_visible()

    alice = meeting["alice"]
    alice.get_by_role("button", name=re.compile("^Participants")).click()
    bob_entry = alice.locator("#people-list [data-person]").filter(has_text="Bob")
    expect(bob_entry).to_contain_text("hand raised")
    expect(bob_entry).to_contain_text("microphone off")
    alice.get_by_role("button", name="Close participants").click()

    bob.get_by_role("button", name="Unmute microphone").click()
    bob.get_by_role("button", name="Lower hand").click()
    for name in ("alice", "carol"):
        expect(tile_of(meeting[name], "Bob")).to_have_attribute("data-mic", "on")
        expect(tile_of(meeting[name], "Bob")).to_have_attribute("data-hand", "false")


def test_bobs_shared_screen_reaches_alice_and_carol_as_a_tile_of_its_own(meeting, artifacts):
    bob = meeting["bob"]
    bob.get_by_role("button", name="Share screen").click()
    expect(bob.get_by_role("button", name="Stop sharing screen")).to_have_attribute("aria-pressed", "true")
    for name in ("alice", "carol"):
        page = meeting[name]
        screen = page.locator("[data-screen-for] video")
        expect(page.locator("[data-screen-for]")).to_contain_text("Bob's screen")
        page.wait_for_function(
            "() => { const v = document.querySelector('[data-screen-for] video');"
            " return !!v && v.videoWidth > 0 && v.getVideoPlaybackQuality().totalVideoFrames > 0; }",
            timeout=WAIT_MS,
        )
        # The fake screen is 1280x720-ish: not Bob's 640x480-ish camera.
        assert screen.evaluate("v => v.videoWidth / v.videoHeight") > 1.5
        # A screen is shown whole, letterboxed if need be: a cropped screen loses its edges' text.
        assert screen.evaluate("v => getComputedStyle(v).objectFit") == "contain"
        expect(page.locator(REMOTE_VIDEOS)).to_have_count(2)  # his camera tile stays
    meeting["alice"].screenshot(path=artifacts / "room-screen-share-desktop-1280x800.png", animations="disabled")
    meeting["carol"].screenshot(path=artifacts / "room-screen-share-phone-390x844.png", animations="disabled")

    bob.get_by_role("button", name="Stop sharing screen").click()
    for name in ("alice", "carol"):
        expect(meeting[name].locator("[data-screen-for]")).to_have_count(0)


def test_alice_chats_with_everyone_and_whispers_to_bob(meeting, artifacts):
    alice, bob, carol = meeting["alice"], meeting["bob"], meeting["carol"]
    alice.get_by_role("button", name="Chat", exact=True).click()
    alice.get_by_role("textbox", name="Message").fill("Hello, both of you")
    alice.get_by_role("button", name="Send message").click()

    for page in (bob, carol):
        expect(page.locator("#chat-badge")).to_have_text("1")
        expect(page.get_by_role("button", name="Chat, 1 unread message")).to_be_visible()
        expect(page.locator("#room-announcer")).to_contain_text("Alice says: Hello, both of you")

    alice.get_by_label("To", exact=True).select_option(label="Bob")
    alice.get_by_role("textbox", name="Message").fill("Only for you, Bob")
    alice.get_by_role("textbox", name="Message").press("Enter")
    expect(alice.locator("#chat-log")).to_contain_text("privately to Bob")

    expect(bob.locator("#chat-badge")).to_have_text("2")
    bob.get_by_role("button", name=re.compile("^Chat")).click()
    expect(bob.locator("#chat-badge")).to_be_hidden()
    log = bob.locator("#chat-log")
    expect(log).to_contain_text("Hello, both of you")
    expect(log.locator(".chat-message--private")).to_contain_text("Only for you, Bob")
    expect(log.locator(".chat-message--private")).to_contain_text("privately to you")

    carol.get_by_role("button", name=re.compile("^Chat")).click()
    expect(carol.locator("#chat-log")).to_contain_text("Hello, both of you")
    expect(carol.locator("#chat-log")).not_to_contain_text("Only for you")
    carol.screenshot(path=artifacts / "chat-phone-390x844.png", animations="disabled")
    carol.get_by_role("button", name="Close chat").click()


def open_chat(page):
    """Open the chat panel unless an earlier test left it open: each test can run alone."""
    if not page.locator("#chat-panel").is_visible():
        page.get_by_role("button", name=re.compile("^Chat")).click()
    expect(page.locator("#chat-panel")).to_be_visible()


def test_alice_sends_bob_a_file_of_several_megabytes_that_arrives_intact(meeting, artifacts):
    alice, bob = meeting["alice"], meeting["bob"]
    content = bytes((i * 7 + i // 4096) % 251 for i in range(6 * 1024 * 1024 + 123))
    checksum = hashlib.sha256(content).hexdigest()

    open_chat(alice)
    alice.get_by_label("To", exact=True).select_option(label="Bob")
    alice.locator("#chat-file").set_input_files(
        {"name": "design-review.bin", "mimeType": "application/octet-stream", "buffer": content}
    )
    open_chat(bob)
    offer = bob.locator("[data-transfer][data-direction=in]")
    expect(offer).to_contain_text("design-review.bin")
    expect(offer).to_contain_text("Alice offers you this file.")
    # Count the progress updates the receiver paints while the file flows.
    bob.evaluate("""() => {
      window.progressSeen = [];
      const bar = document.querySelector("[data-transfer][data-direction=in] progress");
      new MutationObserver(() => window.progressSeen.push(bar.value)).observe(bar, {attributes: true});
      const observer = new MutationObserver(() => window.progressSeen.push(bar.value));
      observer.observe(bar.parentElement, {subtree: true, characterData: true, childList: true});
    }""")
    bob.get_by_role("button", name="Accept design-review.bin").click()

    expect(offer).to_have_attribute("data-state", "done", timeout=60_000)
    expect(offer).to_contain_text("Received.")
    outgoing = alice.locator("[data-transfer][data-direction=out]")
    expect(outgoing).to_have_attribute("data-state", "done")
    expect(outgoing).to_contain_text("Sent to Bob.")
    for page, bar in ((bob, offer), (alice, outgoing)):
        progress = bar.get_by_role("progressbar")
        assert progress.evaluate("p => p.value === p.max && p.max > 6000000")
    assert len(set(bob.evaluate("window.progressSeen"))) > 2, "the progress bar never moved in between"

    download = offer.get_by_role("link", name="Download design-review.bin")
    received = download.evaluate("""async (link) => {
      const buffer = await (await fetch(link.href)).arrayBuffer();
      const digest = await crypto.subtle.digest("SHA-256", buffer);
      return {size: buffer.byteLength, sha256: [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("")};
    }""")
    assert received == {"size": len(content), "sha256": checksum}
    bob.screenshot(path=artifacts / "file-received-desktop-1280x800.png", animations="disabled")


def test_a_received_html_file_is_only_bytes_to_save_never_a_page_of_confers(meeting):
    """Finding 8: a received file kept the sender's MIME type, and a text/html one opened from its blob: URL ran
    as Confer."""
    alice, bob = meeting["alice"], meeting["bob"]
    open_chat(alice)
    alice.get_by_label("To", exact=True).select_option(label="Bob")
    html = b"<script>document.title = 'ran as Confer'</script>"
    alice.locator("#chat-file").set_input_files({"name": "invoice.html", "mimeType": "text/html", "buffer": html})
    open_chat(bob)
    offer = bob.locator("[data-transfer][data-direction=in]").filter(has_text="invoice.html")
    offer.get_by_role("button", name="Accept invoice.html").click()
    expect(offer).to_have_attribute("data-state", "done")
    link = offer.get_by_role("link", name="Download invoice.html")
    assert link.evaluate("async (link) => (await (await fetch(link.href)).blob()).type") == "application/octet-stream"
    opened = bob.context.new_page()
    try:
        with opened.expect_download() as download:
            try:
                opened.goto(link.get_attribute("href"))
            except Exception:  # Chromium reports a navigation that turns into a download as an aborted one
                pass
        assert download.value.suggested_filename
        assert opened.title() != "ran as Confer"
    finally:
        opened.close()


def test_carol_declines_a_file_and_alice_is_told(meeting):
    alice, carol = meeting["alice"], meeting["carol"]
    open_chat(alice)
    alice.get_by_label("To", exact=True).select_option(label="Carol")
    alice.locator("#chat-file").set_input_files({"name": "notes.txt", "mimeType": "text/plain", "buffer": b"notes"})
    carol.get_by_role("button", name=re.compile("^Chat")).click()
    carol.get_by_role("button", name="Decline notes.txt").click()
    expect(alice.locator("[data-transfer][data-direction=out]").filter(has_text="notes.txt")).to_contain_text(
        "Carol declined the file."
    )


def test_the_keyboard_shortcuts_are_listed_and_work(meeting):
    carol = meeting["carol"]
    carol.get_by_role("button", name="Close chat").click()
    carol.keyboard.press("m")
    expect(carol.get_by_role("button", name="Unmute microphone")).to_be_visible()
    expect(tile_of(meeting["alice"], "Carol")).to_have_attribute("data-mic", "off")
    carol.keyboard.press("m")
    expect(carol.get_by_role("button", name="Mute microphone")).to_be_visible()
    carol.keyboard.press("?")
    dialog = carol.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Mute or unmute the microphone")
    carol.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
