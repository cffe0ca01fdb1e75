import pytest
from django.urls import reverse

from meetings import actions

pytestmark = pytest.mark.django_db


def test_alice_sees_her_rooms_with_link_access_size_lock_and_settings(client, alice, alices_room, alices_members_room):
    actions.set_locked(alices_members_room, True)
    client.force_login(alice)
    html = client.get(reverse("my_rooms")).content.decode()
    assert "Design review" in html and "Board meeting" in html
    assert f'data-copy="http://testserver/r/{alices_room.slug}/"' in html
    assert "Anyone signed in" in html  # alices_room: access "link"
    assert "Members only" in html
    assert "Up to 8 people" in html
    assert "Locked" in html
    assert reverse("room_settings", args=[alices_room.slug]) in html
    assert reverse("room_settings", args=[alices_members_room.slug]) in html


def test_bob_sees_the_room_he_is_a_member_of_without_a_settings_link(client, bob, alices_members_room):
    client.force_login(bob)
    response = client.get(reverse("my_rooms"))
    html = response.content.decode()
    assert list(response.context["member"]) == [alices_members_room]
    assert "Board meeting" in html
    assert reverse("room_settings", args=[alices_members_room.slug]) not in html
    assert "You don't own any rooms yet." in html


def test_anonymous_people_are_sent_to_sign_in_for_my_rooms(client):
    response = client.get(reverse("my_rooms"))
    assert response.status_code == 302
