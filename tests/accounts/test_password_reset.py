import re

import pytest
from django.core import mail
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_password_reset_sends_a_link_that_sets_a_new_password(client, alice):
    response = client.post(reverse("account_reset_password"), {"email": "alice@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["alice@example.org"]
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", mail.outbox[0].body).group(1)

    # allauth moves the key from the URL into the session and redirects to a key-less address.
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    assert "Change Password" in form_page.content.decode()
    assert 'class="site-header"' in form_page.content.decode()
    set_password_url = form_page.redirect_chain[-1][0]

    response = client.post(
        set_password_url, {"password1": "a-brand-new-passphrase-4", "password2": "a-brand-new-passphrase-4"}
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password("a-brand-new-passphrase-4")


def test_a_reset_for_an_unknown_email_sends_no_reset_link(client):
    client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    assert all("/password/reset/key/" not in message.body for message in mail.outbox)


def test_the_reset_pages_render_in_the_sites_look(client):
    for name in ("account_reset_password", "account_reset_password_done"):
        html = client.get(reverse(name)).content.decode()
        assert 'class="site-header"' in html
        assert "container--card" in html


def test_a_broken_reset_link_says_so(client):
    response = client.get("/accounts/password/reset/key/zz-bad-key/", follow=True)
    assert response.status_code == 200
    assert "Bad Token" in response.content.decode()
