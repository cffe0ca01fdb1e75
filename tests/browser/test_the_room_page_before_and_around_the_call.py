"""The room page around the call in real Chromium: joining before the camera is ready, and switching the page's
language from the room itself (chat times follow the page's language, not the browser's)."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import join

pytestmark = [pytest.mark.browser, pytest.mark.slow]

HOLD_THE_CAMERA = """
(() => {
  const open = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  let release;
  const released = new Promise((resolve) => (release = resolve));
  window.releaseCamera = release;
  navigator.mediaDevices.getUserMedia = async (constraints) => { await released; return open(constraints); };
})();
"""


def test_join_now_works_before_the_camera_is_ready_and_the_menus_say_what_they_wait_for(sign_in, make_room):
    slug = make_room("Fresh room")
    bob = sign_in("bob")
    bob.add_init_script(HOLD_THE_CAMERA)
    bob.goto(f"/r/{slug}/")
    join_now = bob.get_by_role("button", name="Join now")
    expect(join_now).to_be_enabled()
    assert join_now.evaluate("b => getComputedStyle(b).opacity") == "1"  # not pale
    expect(bob.locator("#prejoin-camera-select")).to_contain_text("Looking for cameras…")
    expect(bob.locator("#prejoin-microphone-select")).to_contain_text("Looking for microphones…")

    join_now.click()
    expect(join_now).to_have_attribute("aria-busy", "true")
    expect(bob.locator("#prejoin-problem")).to_contain_text("Joining as soon as your camera and microphone are ready")
    expect(bob.locator("#room")).to_have_attribute("data-state", "prejoin")
    bob.evaluate("window.releaseCamera()")
    expect(bob.locator("#room[data-state=joined]")).to_be_attached(timeout=30_000)
    bob.get_by_role("button", name="Devices").click()
    expect(bob.locator("#settings-camera-select option")).not_to_have_count(0)
    expect(bob.locator("#settings-camera-select")).not_to_contain_text("Looking for")


def test_an_english_browser_switches_the_room_to_chinese_and_chat_times_follow(sign_in, make_room, artifacts):
    slug = make_room("Language switch")
    alice = sign_in("alice")  # the browser's own locale is en-US
    alice.goto(f"/r/{slug}/")
    alice.get_by_label("Language").first.select_option("zh-hans")
    alice.locator("#prejoin").get_by_role("button", name="Change").click()
    expect(alice.get_by_role("button", name="立即加入")).to_be_enabled()
    expect(alice.locator("html")).to_have_attribute("lang", "zh-hans")
    alice.get_by_role("button", name="立即加入").click()
    expect(alice.locator("#room[data-state=joined]")).to_be_attached(timeout=30_000)

    alice.keyboard.press("c")
    alice.locator("#chat-text").fill("你好")
    alice.locator("#chat-text").press("Enter")
    time = alice.locator("#chat-log time").first
    expect(time).to_have_text(re.compile(r"\d"))
    assert not re.search(r"AM|PM", time.inner_text()), time.inner_text()
    expected = alice.evaluate(
        "iso => new Intl.DateTimeFormat('zh-hans', {hour: '2-digit', minute: '2-digit'}).format(new Date(iso))",
        time.get_attribute("datetime"),
    )
    assert time.inner_text() == expected

    alice.get_by_role("button", name=re.compile("^设备")).click()
    expect(alice.locator("#settings-language")).to_have_value("zh-hans")
    alice.locator("#settings-language").select_option("en")
    alice.locator("#settings-panel").get_by_role("button", name="切换").click()
    # Back in English, and back in the call: the reload takes the seat back at once, as any reload does.
    expect(alice.locator("html")).to_have_attribute("lang", "en")
    expect(alice.locator("#room-status")).to_have_text("Only you are here", timeout=30_000)
