import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_anonymous_people_get_the_pitch_with_sign_up_and_sign_in(client):
    response = client.get(reverse("home"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Meet face to face, from your browser." in html
    assert f'href="{reverse("account_signup")}"' in html
    assert f'href="{reverse("account_login")}"' in html
    assert "Join a meeting" not in html


def test_alice_gets_a_new_room_action_a_join_box_and_her_recent_rooms(client, alice, alices_room):
    client.force_login(alice)
    html = client.get(reverse("home")).content.decode()
    assert f'class="btn btn--primary btn--big" href="{reverse("create_room")}"' in html
    assert '<label for="id_code">' in html
    assert "Design review" in html
    assert alices_room.slug in html


def test_bob_sees_the_members_only_room_he_was_added_to_among_his_recent_rooms(client, bob, alices_members_room):
    client.force_login(bob)
    html = client.get(reverse("home")).content.decode()
    assert "Board meeting" in html
    assert "Owner: Alice" in html


def test_carol_does_not_see_alices_rooms(client, carol, alices_room, alices_members_room):
    client.force_login(carol)
    html = client.get(reverse("home")).content.decode()
    assert "Design review" not in html
    assert "Board meeting" not in html
    assert "You have no rooms yet." in html


def test_the_header_names_the_site_and_the_signed_in_person(client, settings, alice):
    settings.SITE_NAME = "Acme Meet"
    client.force_login(alice)
    html = client.get(reverse("home")).content.decode()
    assert "<title>Acme Meet</title>" in html
    assert 'aria-label="Profile: Alice"' in html
    assert ">Sign out</button>" in html
