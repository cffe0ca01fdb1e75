"""Guests: a person without an account opens an invite link, gives a name, and gets tokens for that room only."""

from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.utils import timezone
from rest_framework.test import APIClient

from meetings import actions, guests, invites
from tests.api.helpers import token_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def invite(alice, members_room):
    return invites.create_invite(members_room, created_by=alice)


@pytest.fixture
def guest(invite):
    """A browser that opened Alice's invite and said its name is Gus."""
    client = APIClient()
    response = client.post(invite.get_absolute_url(), {"name": "  Gus  "})
    assert response.status_code == 302
    return client


def test_the_invite_page_asks_for_a_name(client, invite, members_room):
    response = client.get(invite.get_absolute_url())

    assert response.status_code == 200
    assert b'name="name"' in response.content
    assert members_room.name.encode() in response.content


def test_giving_a_name_leads_to_the_room_page(client, invite, members_room):
    response = client.post(invite.get_absolute_url(), {"name": "Gus"})

    assert response.status_code == 302
    assert response["Location"] == f"/r/{members_room.slug}/"


def test_a_blank_name_is_asked_again(client, invite):
    response = client.post(invite.get_absolute_url(), {"name": "   "})

    assert response.status_code == 200
    assert guests.SESSION_KEY not in client.session


def test_a_guest_gets_a_participant_token_for_the_invites_room(guest, members_room, decode):
    response = guest.post(token_url(members_room))

    assert response.status_code == 201
    claims = decode(response.json()["token"], members_room)
    assert claims.identity.startswith("guest:")
    assert claims.name == "Gus"
    assert claims.role == "participant"


def test_a_guest_keeps_one_identity_across_tokens(guest, members_room, decode):
    first = decode(guest.post(token_url(members_room)).json()["token"], members_room)
    second = decode(guest.post(token_url(members_room)).json()["token"], members_room)

    assert first.identity == second.identity


def test_a_guests_token_does_not_open_another_room(guest, members_room, link_room, decode):
    from meetings.tokens import TokenError

    token = guest.post(token_url(members_room)).json()["token"]

    with pytest.raises(TokenError) as refusal:
        decode(token, link_room)
    assert refusal.value.code == "token-wrong-room"


def test_a_guest_cannot_get_a_token_for_another_room(guest, link_room):
    response = guest.post(token_url(link_room))

    assert response.status_code == 403
    assert response.json()["code"] == "guest-wrong-room"


def test_an_expired_invite_is_refused(client, alice, members_room):
    expired = invites.create_invite(members_room, created_by=alice, expires_at=timezone.now() + timedelta(seconds=1))
    expired.expires_at = timezone.now() - timedelta(seconds=1)
    expired.save()

    response = client.get(expired.get_absolute_url())

    assert response.status_code == 404
    assert b'name="name"' not in response.content


def test_posting_a_name_to_an_expired_invite_makes_nobody_a_guest(client, alice, members_room, invite):
    invite.expires_at = timezone.now() - timedelta(seconds=1)
    invite.save()

    response = client.post(invite.get_absolute_url(), {"name": "Gus"})

    assert response.status_code == 404
    assert guests.SESSION_KEY not in client.session


def test_a_revoked_invite_is_refused(client, invite):
    invites.revoke_invite(invite)

    response = client.get(invite.get_absolute_url())

    assert response.status_code == 404


def test_an_unknown_invite_is_refused(client):
    assert client.get("/i/not-an-invite/").status_code == 404


def test_a_guest_gets_no_more_tokens_once_the_invite_expires(guest, invite, members_room):
    invite.expires_at = timezone.now() - timedelta(seconds=1)
    invite.save()

    response = guest.post(token_url(members_room))

    assert response.status_code == 403
    assert response.json()["code"] == "invite-unusable"


def test_a_guest_gets_no_more_tokens_once_the_invite_is_revoked(guest, invite, members_room):
    invites.revoke_invite(invite)

    response = guest.post(token_url(members_room))

    assert response.status_code == 403
    assert response.json()["code"] == "invite-unusable"


def test_a_guest_gets_no_token_once_the_room_is_deleted(guest, members_room):
    slug = members_room.slug
    actions.delete_room(members_room)

    response = guest.post(token_url(slug))

    assert response.status_code == 404


def test_a_guest_must_send_the_csrf_token(invite, members_room):
    client = APIClient(enforce_csrf_checks=True)
    page = client.get(invite.get_absolute_url())
    csrf = page.cookies["csrftoken"].value
    client.post(invite.get_absolute_url(), {"name": "Gus", "csrfmiddlewaretoken": csrf})

    refused = client.post(token_url(members_room))
    accepted = client.post(token_url(members_room), HTTP_X_CSRFTOKEN=csrf)

    assert refused.status_code == 403
    assert refused.json()["code"] == "csrf-failed"
    assert accepted.status_code == 201


def test_carol_signed_in_gets_a_guest_token_for_a_members_only_room_she_was_invited_to(
    client_for, carol, invite, members_room, decode
):
    client = client_for(carol)
    client.post(invite.get_absolute_url(), {"name": "Carol"})

    response = client.post(token_url(members_room))

    assert response.status_code == 201
    assert decode(response.json()["token"], members_room).identity.startswith("guest:")


def test_guest_for_tells_the_room_page_who_the_guest_is(guest, invite, members_room, link_room):
    request = RequestFactory().get("/")
    request.session = guest.session

    found = guests.guest_for(request, members_room)

    assert found.name == "Gus"
    assert found.room == members_room.slug
    assert found.identity.startswith("guest:")
    assert guests.guest_for(request, link_room) is None


def test_guest_for_forgets_a_guest_whose_invite_was_revoked(guest, invite, members_room):
    invites.revoke_invite(invite)
    request = RequestFactory().get("/")
    request.session = guest.session

    assert guests.guest_for(request, members_room) is None
    assert not guests.has_entry_for(request, members_room)
