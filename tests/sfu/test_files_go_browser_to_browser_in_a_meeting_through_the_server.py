"""In a meeting through the server there is no browser-to-browser media connection: a file Alice sends Bob opens a
data-only one between them, on demand, through the signalling relay, and Bob receives the exact bytes."""

import hashlib
import json
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import join
from tests.sfu.conftest import create_people, make_room

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# The open connections' SDP sections: Janus's have audio and video, a data link only an application section.
CONNECTION_KINDS = """() => window.__pcs.filter((pc) => pc.connectionState !== "closed").map((pc) =>
  [...new Set(((pc.currentRemoteDescription || {}).sdp || "").match(/^m=\\w+/gm) || [])].sort().join(" "))"""

SHA256_OF_LINK = """async (link) => {
  const buffer = await (await fetch(link.href)).arrayBuffer();
  const digest = await crypto.subtle.digest("SHA-256", buffer);
  return {size: buffer.byteLength, sha256: [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("")};
}"""


def open_chat(page):
    if not page.locator("#chat-panel").is_visible():
        page.get_by_role("button", name=re.compile("^Chat")).click()
    expect(page.locator("#chat-panel")).to_be_visible()


def test_alice_sends_bob_a_file_and_he_receives_the_exact_bytes(sfu_deployment, sfu_worker, open_page):
    create_people(sfu_deployment)
    slug = make_room(sfu_deployment, "Contract review", owner="alice")
    alice, bob = open_page(sfu_worker, "alice"), open_page(sfu_worker, "bob")
    for page in (alice, bob):
        join(page, slug)
        expect(page.locator("#room[data-route=sfu]")).to_be_attached()
    expect(bob.locator("#tiles video[data-peer-id]")).to_have_count(1)
    # Before any file: only the connections to Janus, none between the two browsers.
    assert "m=application" not in " ".join(alice.evaluate(CONNECTION_KINDS))

    content = bytes((i * 13 + i // 1000) % 256 for i in range(3 * 1024 * 1024 + 77))
    open_chat(alice)
    alice.get_by_label("To", exact=True).select_option(label="Bob")
    alice.locator("#chat-file").set_input_files(
        {"name": "contract-v7.pdf", "mimeType": "application/pdf", "buffer": content})
    open_chat(bob)
    offer = bob.locator("[data-transfer][data-direction=in]")
    expect(offer).to_contain_text("Alice offers you this file.")
    bob.get_by_role("button", name="Accept contract-v7.pdf").click()

    expect(offer).to_have_attribute("data-state", "done", timeout=60_000)
    expect(alice.locator("[data-transfer][data-direction=out]")).to_contain_text("Sent to Bob.")
    received = offer.get_by_role("link", name="Download contract-v7.pdf").evaluate(SHA256_OF_LINK)
    assert received == {"size": len(content), "sha256": hashlib.sha256(content).hexdigest()}
    # It went over a data-only connection between them, beside the media through the server.
    assert "m=application" in alice.evaluate(CONNECTION_KINDS)


def test_a_file_for_everyone_reaches_each_person_in_the_room(sfu_deployment, sfu_worker, open_page):
    create_people(sfu_deployment)
    slug = make_room(sfu_deployment, "All-hands notes", owner="alice")
    alice, bob, carol = (open_page(sfu_worker, name) for name in ("alice", "bob", "carol"))
    for page in (alice, bob, carol):
        join(page, slug, camera=False)
        expect(page.locator("#room[data-route=sfu]")).to_be_attached()
    for page in (alice, bob, carol):
        expect(page.locator("#tiles [data-tile-for]")).to_have_count(2)  # the two others

    open_chat(alice)
    alice.locator("#chat-file").set_input_files({"name": "notes.txt", "mimeType": "text/plain", "buffer": b"minutes"})
    for page in (bob, carol):
        open_chat(page)
        offer = page.locator("[data-transfer][data-direction=in]")
        # Within the watchdog's second round (16 s), should a busy worker have shed the data link's offer.
        offer.get_by_role("button", name="Accept notes.txt").click(timeout=60_000)
        expect(offer).to_have_attribute("data-state", "done")
        received = offer.get_by_role("link", name="Download notes.txt").evaluate(SHA256_OF_LINK)
        assert received == {"size": 7, "sha256": hashlib.sha256(b"minutes").hexdigest()}


OVERLOADED = json.dumps({"type": "error", "code": "overloaded", "fatal": False, "in_reply_to": "offer", "dropped": 1,
                         "message": "The server is overloaded: 1 of your messages were not delivered; try again in a moment."})


def lose_the_first_data_offer(page, *, tell):
    """Route the page's signalling socket through this test, and lose the first offer of a data-only connection on
    its way to the server, as a busy worker sheds it (docs/protocol.md, `overloaded`). With `tell`, the page is then
    told so, as the server tells the sender; without, the loss is silent (the answer lost instead, a dropped socket).
    Returns the offers lost."""
    lost = []

    def route(ws):
        server = ws.connect_to_server()

        def from_page(message):
            parsed = json.loads(message) if isinstance(message, str) else {}
            if parsed.get("type") == "offer" and parsed.get("link") == "data" and not lost:
                lost.append(parsed)
                if tell:
                    ws.send(OVERLOADED)
                return
            server.send(message)

        ws.on_message(from_page)
        server.on_message(ws.send)

    page.route_web_socket(re.compile(r"/ws/"), route)
    return lost


@pytest.mark.parametrize("told", [True, False], ids=["told", "untold"])
def test_a_file_offer_gets_through_when_the_server_lost_its_connections_offer(
        sfu_deployment, sfu_worker, open_page, told):
    create_people(sfu_deployment)
    slug = make_room(sfu_deployment, "Budget", owner="alice")
    alice, bob = open_page(sfu_worker, "alice"), open_page(sfu_worker, "bob")
    lost = lose_the_first_data_offer(alice, tell=told)
    for page in (alice, bob):
        join(page, slug, camera=False)
        expect(page.locator("#room[data-route=sfu]")).to_be_attached()
    expect(alice.locator("#tiles [data-tile-for]")).to_have_count(1)

    open_chat(alice)
    alice.locator("#chat-file").set_input_files({"name": "budget.csv", "mimeType": "text/csv", "buffer": b"q1,q2\n3,4\n"})
    open_chat(bob)
    offer = bob.locator("[data-transfer][data-direction=in]")
    # Alice's page negotiates again: at once when told (after two seconds), else when its connection watchdog
    # finds the offer unanswered (after six seconds, then sixteen on a page too busy the first time).
    offer.get_by_role("button", name="Accept budget.csv").click(timeout=60_000)
    expect(offer).to_have_attribute("data-state", "done")
    assert len(lost) == 1
    received = offer.get_by_role("link", name="Download budget.csv").evaluate(SHA256_OF_LINK)
    assert received == {"size": 10, "sha256": hashlib.sha256(b"q1,q2\n3,4\n").hexdigest()}
