"""A person signs in through the company's OpenID provider, lands in Confer under the name it gives, and can
open a room and join it; with OIDC_ONLY there is no other way in."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import join
from tests.sso.conftest import COMPANY

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def sign_in_with_acme(page, site, username):
    page.goto(site.base_url + "/accounts/login/")
    page.get_by_role("link", name="Continue with Acme SSO").click()
    # allauth asks to confirm before leaving for the provider (a POST, so no other site can start a sign-in).
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(lambda url: url.startswith("http://127.0.0.1:"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(COMPANY[username][0])
    page.get_by_role("button", name="Sign in to Acme").click()
    page.wait_for_url(lambda url: url.startswith(site.base_url) and "/accounts/" not in url)


def test_alice_signs_in_with_acme_lands_as_alice_liddell_and_joins_her_new_room(browser, confer, deployment,
                                                                              artifacts):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(20_000)
    page = context.new_page()
    try:
        page.goto(confer.base_url + "/accounts/login/")
        expect(page.get_by_role("link", name="Continue with Acme SSO")).to_be_visible()
        expect(page.locator("input[name=password]")).to_be_visible()  # passwords still work beside it
        page.screenshot(path=str(artifacts / "sso-sign-in.png"), full_page=True)

        sign_in_with_acme(page, confer, "alice")
        expect(page.locator(".site-nav__user-name")).to_have_text("Alice Liddell")
        # Her account is tied to Acme's id for her (the provider id is what `signup` is looked up by).
        assert deployment.sql("SELECT a.provider, u.username, u.email FROM socialaccount_socialaccount a "
                              "JOIN accounts_user u ON u.id = a.user_id") == [("acme", "alice", "alice@acme.example")]

        page.goto(confer.base_url + "/rooms/new/")
        page.get_by_label("Name").fill("Acme all-hands")
        page.get_by_role("button", name="Create room").click()
        page.wait_for_url(lambda url: "/r/" in url)
        slug = page.url.rstrip("/").rsplit("/", 1)[-1]
        join(page, slug, confer.base_url)
        expect(page.locator("#room[data-state=joined]")).to_be_attached()
    finally:
        context.close()


def test_with_oidc_only_there_is_no_password_form_and_a_password_post_is_refused(browser, confer_sso_only,
                                                                                  deployment, artifacts):
    deployment.create_user("carol", "carol-password-1", "Carol")
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(20_000)
    page = context.new_page()
    try:
        page.goto(confer_sso_only.base_url + "/accounts/login/")
        expect(page.get_by_role("link", name="Continue with Acme SSO")).to_be_visible()
        expect(page.locator("input[name=password]")).to_have_count(0)
        expect(page.get_by_role("link", name="Sign up")).to_have_count(0)
        page.screenshot(path=str(artifacts / "sso-only-sign-in.png"), full_page=True)

        # A password posted anyway (Carol has one from before) is refused, and password pages are gone.
        csrf = next(c["value"] for c in context.cookies() if c["name"] == "csrftoken")
        response = page.request.post(confer_sso_only.base_url + "/accounts/login/",
                                     form={"login": "carol", "password": "carol-password-1",
                                           "csrfmiddlewaretoken": csrf},
                                     headers={"Referer": confer_sso_only.base_url + "/accounts/login/"})
        assert response.status == 403
        for path in ("/accounts/signup/", "/accounts/password/reset/"):
            assert page.request.get(confer_sso_only.base_url + path).status == 404
        page.goto(confer_sso_only.base_url + "/admin/")
        assert "/accounts/login/" in page.url  # the admin signs in through the same page
        page.goto(confer_sso_only.base_url + "/rooms/")
        assert "/accounts/login/" in page.url  # still signed out

        sign_in_with_acme(page, confer_sso_only, "dave")
        expect(page.locator(".site-nav__user-name")).to_have_text("Dave Bowman")
    finally:
        context.close()
