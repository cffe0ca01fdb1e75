"""A person or guest may be called something else in one meeting: the pre-join screen's name, sent with the token request."""

import pytest
from rest_framework.test import APIClient

from meetings import invites
from tests.api.helpers import token_url

pytestmark = pytest.mark.django_db


def test_alice_is_called_what_she_asked_for_in_this_meeting(client_for, alice, link_room, decode):
    response = client_for(alice).post(token_url(link_room), {"name": "  Alice (design)  "}, format="json")

    assert response.status_code == 201
    claims = decode(response.json()["token"], link_room)
    assert (claims.identity, claims.name, claims.role) == (f"user:{alice.pk}", "Alice (design)", "host")
    assert response.json()["name"] == "Alice (design)"
    alice.refresh_from_db()
    assert alice.name == "Alice"


def test_a_blank_name_keeps_the_account_name(client_for, bob, link_room, decode):
    response = client_for(bob).post(token_url(link_room), {"name": "   "}, format="json")

    assert response.status_code == 201
    assert decode(response.json()["token"], link_room).name == "Bob"


def test_a_name_over_64_characters_is_refused(client_for, bob, link_room):
    response = client_for(bob).post(token_url(link_room), {"name": "B" * 65}, format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert "name" in body["errors"]


def test_a_name_that_is_not_a_string_is_refused(client_for, bob, link_room):
    response = client_for(bob).post(token_url(link_room), {"name": ["Bob"]}, format="json")

    assert response.status_code == 400
    assert "name" in response.json()["errors"]


def test_the_name_does_not_open_a_members_only_room_to_carol(client_for, carol, members_room):
    response = client_for(carol).post(token_url(members_room), {"name": "Alice"}, format="json")

    assert response.status_code == 403


def test_a_guest_may_be_called_something_else_in_this_meeting(alice, members_room, decode):
    invite = invites.create_invite(members_room, created_by=alice)
    guest = APIClient()
    guest.post(invite.get_absolute_url(), {"name": "Gus"})

    response = guest.post(token_url(members_room), {"name": "Gustav"}, format="json")

    assert response.status_code == 201
    claims = decode(response.json()["token"], members_room)
    assert claims.identity.startswith("guest:")
    assert (claims.name, claims.role) == ("Gustav", "participant")
