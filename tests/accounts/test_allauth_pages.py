import pytest
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.urls import reverse

pytestmark = pytest.mark.django_db

ANONYMOUS_PAGES = ["account_login", "account_signup", "account_reset_password", "account_reset_password_done"]
SIGNED_IN_PAGES = ["account_logout", "account_email", "account_change_password", "profile"]


def assert_in_the_sites_look(response):
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="site-header"' in html
    assert "css/site.css" in html
    assert 'class="site-footer"' in html
    # allauth's own unstyled menu must not leak through.
    assert "Menu:" not in html


@pytest.mark.parametrize("name", ANONYMOUS_PAGES)
def test_anonymous_account_pages_render_in_the_sites_look(client, name):
    assert_in_the_sites_look(client.get(reverse(name)))


@pytest.mark.parametrize("name", SIGNED_IN_PAGES)
def test_signed_in_account_pages_render_in_the_sites_look_with_the_account_tabs(client, alice, name):
    client.force_login(alice)
    response = client.get(reverse(name))
    assert_in_the_sites_look(response)
    assert 'aria-label="Account"' in response.content.decode()


def test_the_email_confirmation_page_renders_in_the_sites_look(client, alice):
    address = EmailAddress.objects.create(user=alice, email=alice.email, primary=True, verified=False)
    key = EmailConfirmationHMAC(address).key
    response = client.get(reverse("account_confirm_email", args=[key]))
    assert_in_the_sites_look(response)
    assert "Confirm Email Address" in response.content.decode()
    confirmed = client.post(reverse("account_confirm_email", args=[key]))
    assert confirmed.status_code == 302
    address.refresh_from_db()
    assert address.verified
