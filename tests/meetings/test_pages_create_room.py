import pytest
from django.urls import reverse

from meetings.models import Room

pytestmark = pytest.mark.django_db


def test_anonymous_people_are_sent_to_sign_in_before_making_a_room(client):
    response = client.get(reverse("create_room"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_form_offers_both_access_rules_and_defaults_to_eight_people(client, alice):
    client.force_login(alice)
    html = client.get(reverse("create_room")).content.decode()
    assert "Anyone signed in with the link" in html
    assert "Members only" in html
    assert 'name="max_participants" value="8"' in html


def test_alice_creates_a_members_only_room_and_lands_in_it(client, alice):
    client.force_login(alice)
    response = client.post(
        reverse("create_room"), {"name": "Standup", "access": "members", "max_participants": "5"}
    )
    room = Room.objects.get(name="Standup")
    assert room.owner == alice
    assert room.access == Room.Access.MEMBERS
    assert room.max_participants == 5
    assert response.status_code == 302
    assert response["Location"] == reverse("room", args=[room.slug])


def test_a_room_needs_a_name_and_a_sane_size(client, alice):
    client.force_login(alice)
    response = client.post(reverse("create_room"), {"name": "", "access": "link", "max_participants": "500"})
    assert response.status_code == 200
    assert not Room.objects.exists()
    errors = response.context["form"].errors
    assert "name" in errors
    assert "max_participants" in errors
