import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_signin_page_renders_in_the_sites_look(client):
    response = client.get(reverse("account_login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="site-header"' in html
    assert '<label for="id_login"' in html
    assert '<label for="id_password"' in html
    assert 'class="btn btn--primary btn--block"' in html


def test_alice_signs_in_with_her_username(client, alice):
    response = client.post(reverse("account_login"), {"login": "alice", "password": "alice-password-1"})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).context["user"] == alice


def test_alice_signs_in_with_her_email(client, alice):
    client.post(reverse("account_login"), {"login": "alice@example.org", "password": "alice-password-1"})
    assert client.get(reverse("home")).context["user"] == alice


def test_a_wrong_password_is_refused_with_a_message(client, alice):
    response = client.post(reverse("account_login"), {"login": "alice", "password": "wrong"})
    assert response.status_code == 200
    assert not response.context["user"].is_authenticated
    assert "errorlist nonfield" in response.content.decode()


def test_the_header_signs_out_with_a_post_form(client, alice):
    client.force_login(alice)
    html = client.get(reverse("home")).content.decode()
    assert f'<form method="post" action="{reverse("account_logout")}">' in html
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert not client.get(reverse("home")).context["user"].is_authenticated
