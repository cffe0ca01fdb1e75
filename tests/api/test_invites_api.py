"""A room's invite links through the API: create, list, revoke (owner or staff only)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from meetings import actions, invites
from meetings.models import Invite
from tests.api.helpers import parse_time

pytestmark = pytest.mark.django_db


def invites_url(room):
    return f"/api/v1/rooms/{room.slug}/invites/"


def test_alice_creates_an_invite_link_for_her_room(client_for, alice, members_room):
    response = client_for(alice).post(invites_url(members_room), {}, format="json")

    assert response.status_code == 201
    body = response.json()
    invite = Invite.objects.get(pk=body["id"])
    assert (invite.room, invite.created_by, invite.expires_at) == (members_room, alice, None)
    assert body["url"] == f"http://testserver/i/{invite.token}/"
    assert body["is_usable"] is True
    assert body["room"] == members_room.slug


def test_an_invite_may_expire(client_for, alice, members_room):
    expires_at = timezone.now() + timedelta(days=1)

    response = client_for(alice).post(invites_url(members_room), {"expires_at": expires_at.isoformat()}, format="json")

    assert response.status_code == 201
    assert parse_time(response.json()["expires_at"]) == expires_at


def test_an_invite_cannot_expire_in_the_past(client_for, alice, members_room):
    past = (timezone.now() - timedelta(minutes=1)).isoformat()

    response = client_for(alice).post(invites_url(members_room), {"expires_at": past}, format="json")

    assert response.status_code == 400
    assert "expires_at" in response.json()["errors"]


def test_alice_lists_her_rooms_invites_revoked_ones_included(client_for, alice, members_room):
    kept = invites.create_invite(members_room, created_by=alice)
    revoked = invites.revoke_invite(invites.create_invite(members_room, created_by=alice))

    body = client_for(alice).get(invites_url(members_room)).json()

    assert [(i["id"], i["is_usable"]) for i in body] == [(revoked.pk, False), (kept.pk, True)]
    assert body[0]["revoked_at"] is not None


def test_alice_revokes_an_invite_and_it_stays_on_record(client_for, alice, members_room):
    invite = invites.create_invite(members_room, created_by=alice)

    response = client_for(alice).delete(f"{invites_url(members_room)}{invite.pk}/")

    assert response.status_code == 204
    invite.refresh_from_db()
    assert invite.revoked_at is not None
    assert not invite.is_usable()


def test_revoking_twice_keeps_the_first_time(client_for, alice, members_room):
    invite = invites.revoke_invite(invites.create_invite(members_room, created_by=alice))
    first = invite.revoked_at

    client_for(alice).delete(f"{invites_url(members_room)}{invite.pk}/")

    invite.refresh_from_db()
    assert invite.revoked_at == first


def test_an_invite_of_another_room_cannot_be_revoked_through_this_one(client_for, alice, members_room, link_room):
    other = invites.create_invite(link_room, created_by=alice)

    response = client_for(alice).delete(f"{invites_url(members_room)}{other.pk}/")

    assert response.status_code == 404
    other.refresh_from_db()
    assert other.revoked_at is None


@pytest.mark.parametrize("method", ["get", "post"])
def test_bob_a_member_cannot_see_or_make_invites(client_for, bob, members_room, method):
    response = getattr(client_for(bob), method)(invites_url(members_room), {}, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "not-the-owner"


def test_carol_cannot_revoke_alices_invites(client_for, alice, carol, link_room):
    invite = invites.create_invite(link_room, created_by=alice)

    response = client_for(carol).delete(f"{invites_url(link_room)}{invite.pk}/")

    assert response.status_code == 403
    invite.refresh_from_db()
    assert invite.revoked_at is None


def test_a_service_makes_invites_for_its_owners_rooms(service, alice, members_room):
    response = service.post(invites_url(members_room), {}, format="json")

    assert response.status_code == 201
    assert Invite.objects.get(pk=response.json()["id"]).created_by == alice


def test_deleting_a_room_deletes_its_invites(alice, members_room):
    invites.create_invite(members_room, created_by=alice)

    actions.delete_room(members_room)

    assert not Invite.objects.exists()
