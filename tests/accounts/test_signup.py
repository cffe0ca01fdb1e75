import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

pytestmark = pytest.mark.django_db


def sign_up(client, **overrides):
    data = {
        "username": "dora",
        "email": "dora@example.org",
        "password1": "a-long-enough-passphrase-9",
        "password2": "a-long-enough-passphrase-9",
        "display_name": "Dora the Host",
    }
    data.update(overrides)
    return client.post(reverse("account_signup"), data)


def test_the_signup_page_asks_for_a_display_name_in_the_sites_look(client):
    response = client.get(reverse("account_signup"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="site-header"' in html
    assert "css/site.css" in html
    for field in ("username", "email", "password1", "password2", "display_name"):
        assert f'<label for="id_{field}"' in html
    assert "Display name" in html


def test_it_signs_up_a_user_with_their_display_name_and_signs_them_in(client):
    response = sign_up(client)
    assert response.status_code == 302
    user = get_user_model().objects.get(username="dora")
    assert user.display_name == "Dora the Host"
    assert user.email == "dora@example.org"
    assert client.get(reverse("home")).context["user"] == user


def test_it_sends_an_email_confirmation_on_signup(client):
    sign_up(client)
    assert len(mail.outbox) == 1
    assert "dora@example.org" in mail.outbox[0].to
    assert "/accounts/confirm-email/" in mail.outbox[0].body


def test_an_empty_display_name_falls_back_to_the_username(client):
    sign_up(client, display_name="")
    user = get_user_model().objects.get(username="dora")
    assert user.display_name == ""
    assert user.name == "dora"


def test_it_shows_errors_next_to_the_fields_when_the_passwords_differ(client):
    response = sign_up(client, password2="something-else-entirely-7")
    html = response.content.decode()
    assert response.status_code == 200
    assert not get_user_model().objects.filter(username="dora").exists()
    assert 'class="errorlist' in html
    assert 'aria-invalid="true"' in html
