"""In Chromium, with its virtual authenticator (DevTools' WebAuthn domain): Alice adds a passkey and signs in with
it alone. Confer is opened at http://localhost (WebAuthn needs a secure context and a domain for its RP id)."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import artifacts, browser  # noqa: F401  (the same headless Chromium fixtures)
from tests.servers import Deployment

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    deployment = Deployment(tmp_path_factory.mktemp("passkeys")).setup()
    deployment.create_user("alice", "alice-password-1", "Alice")
    worker = deployment.start_worker()
    yield f"http://localhost:{worker.port}"
    deployment.stop()


def with_virtual_authenticator(context, page):
    """Give the page a platform authenticator that holds passkeys and verifies its user without asking."""
    session = context.new_cdp_session(page)
    session.send("WebAuthn.enable")
    added = session.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True, "hasUserVerification": True,
        "isUserVerified": True, "automaticPresenceSimulation": True,
    }})
    return session, added["authenticatorId"]


def test_alice_adds_a_passkey_then_signs_in_with_it_alone(browser, site, artifacts):  # noqa: F811
    context = browser.new_context(base_url=site, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    page = context.new_page()
    try:
        session, authenticator = with_virtual_authenticator(context, page)
        page.goto("/accounts/login/")
        page.locator("input[name=login]").fill("alice")
        page.locator("input[name=password]").fill("alice-password-1")
        page.locator("form:has(input[name=login]) [type=submit]").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)

        page.goto("/accounts/2fa/webauthn/add/?passwordless")
        if "/reauthenticate/" in page.url:  # adding a way in asks for the password again
            page.locator("input[name=password]").fill("alice-password-1")
            page.locator("form:has(input[name=password]) [type=submit]").click()
            page.wait_for_url(lambda url: "/webauthn/add/" in url)
        page.get_by_label("Name").fill("Alice's laptop")
        page.get_by_label("Passwordless").check()
        page.screenshot(path=str(artifacts / "mfa-add-passkey.png"), full_page=True)
        page.get_by_role("button", name="Add").click()
        page.wait_for_url(lambda url: "/webauthn/add/" not in url)
        credentials = session.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]
        assert len(credentials) == 1 and credentials[0]["isResidentCredential"]
        page.screenshot(path=str(artifacts / "mfa-after-adding-passkey.png"), full_page=True)

        page.goto("/accounts/2fa/")
        expect(page.get_by_role("heading", name="Two-Factor Authentication")).to_be_visible()
        page.screenshot(path=str(artifacts / "mfa-index.png"), full_page=True)
        page.goto("/accounts/2fa/totp/activate/")
        expect(page.locator("#authenticator_secret")).to_be_visible()
        page.screenshot(path=str(artifacts / "mfa-totp-activate.png"), full_page=True)

        page.get_by_role("button", name="Sign out").click()
        page.goto("/accounts/login/")
        page.get_by_role("button", name="Sign in with a passkey").click()
        page.wait_for_url(lambda url: "/accounts/" not in url)
        expect(page.locator(".site-nav__user-name")).to_have_text("Alice")
    finally:
        context.close()
