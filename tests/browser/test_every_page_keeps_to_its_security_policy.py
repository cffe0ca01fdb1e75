"""Finding 11: no Content-Security-Policy, no HSTS, no Permissions-Policy. The pages now send them, and in real
Chromium, where a violation would break the page, none of them trips its policy: a call included."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import join

pytestmark = [pytest.mark.browser]

RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) =>
  window.__violations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`));
"""
PAGES = ["/", "/rooms/", "/rooms/new/", "/accounts/profile/", "/accounts/email/", "/accounts/password/change/",
         "/check/", "/admin/", "/api/docs/"]


def violations(page):
    return page.evaluate("window.__violations")


def test_the_headers_are_sent(sign_in):
    page = sign_in("alice")
    response = page.request.get("/")
    policy = response.headers["content-security-policy"]
    for directive in ("default-src 'self'", "script-src 'self' 'wasm-unsafe-eval'", "object-src 'none'",
                      "frame-ancestors 'self'"):
        assert directive in policy
    assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0]
    assert "camera=(self)" in response.headers["permissions-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"


def test_no_page_trips_its_policy(sign_in, redis_deployment):
    redis_deployment.run_python(
        "from accounts.models import User\nUser.objects.filter(username='alice').update(is_staff=True, "
        "is_superuser=True)\nprint('true')"
    )
    page = sign_in("alice")
    page.context.add_init_script(RECORD_VIOLATIONS)
    for path in PAGES:
        page.goto(path)
        page.wait_for_load_state("networkidle")
        assert violations(page) == [], path


def test_a_call_with_chat_and_a_screen_keeps_to_the_policy(sign_in, make_room):
    slug = make_room("Policed")
    alice, bob = sign_in("alice"), sign_in("bob")
    for page in (alice, bob):
        page.context.add_init_script(RECORD_VIOLATIONS)
        join(page, slug)
    for page in (alice, bob):
        page.wait_for_function(
            "() => { const v = document.querySelector('video[data-peer-id]');"
            " return !!v && v.getVideoPlaybackQuality().totalVideoFrames > 0; }"
        )
    alice.get_by_role("button", name="Chat", exact=True).click()
    alice.get_by_role("textbox", name="Message").fill("Does the policy hold?")
    alice.get_by_role("button", name="Send message").click()
    expect(bob.locator("#room-announcer")).to_contain_text("Does the policy hold?")
    bob.get_by_role("button", name="Share screen").click()
    alice.wait_for_function("() => !!document.querySelector('[data-screen-for] video')")
    for page in (alice, bob):
        assert violations(page) == []


def test_the_pages_for_outsiders_the_error_pages_and_the_effects_keep_to_the_policy(sign_in, make_room,
                                                                                   redis_deployment, browser,
                                                                                   worker):
    slug = make_room("Open door", access="anyone")
    token = redis_deployment.run_python(
        "import json\nfrom accounts.models import User\nfrom meetings import invites\nfrom meetings.models import Room\n"
        f"invite = invites.create_invite(Room.objects.get(slug={slug!r}), User.objects.get(username='alice'))\n"
        "print(json.dumps(invite.token))"
    )
    alice = sign_in("alice")
    alice.context.add_init_script(RECORD_VIOLATIONS)
    for path in (f"/r/{slug}/settings/", "/r/no-such-room/"):
        alice.goto(path)
        alice.wait_for_load_state("networkidle")
        assert violations(alice) == [], path

    outsider = browser.new_context(base_url=worker.base_url)
    try:
        page = outsider.new_page()
        page.context.add_init_script(RECORD_VIOLATIONS)
        for path in (f"/i/{token}/", f"/r/{slug}/", "/i/not-an-invite/"):
            page.goto(path)
            page.wait_for_load_state("networkidle")
            assert violations(page) == [], path
    finally:
        outsider.close()

    # Background blur and noise suppression compile WebAssembly and load a worklet: 'wasm-unsafe-eval' and 'self'.
    join(alice, slug)
    alice.get_by_role("button", name="Devices").click()
    alice.get_by_label("Background").select_option("blur")
    expect(alice.locator("#self-tile")).to_have_attribute("data-effect", "blur", timeout=30_000)
    alice.get_by_label("Noise suppression: keep your voice, drop the noise around it").check()
    expect(alice.locator("#self-tile")).to_have_attribute("data-noise-suppression", "true", timeout=30_000)
    assert violations(alice) == []
