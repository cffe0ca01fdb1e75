"""The rooms API: list mine, create, retrieve, change, delete, and who is in a room now."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from meetings import actions
from meetings.models import ApiKey, Room
from meetings.serializers import ParticipantSerializer
from signalling import events
from signalling.models import Participant

pytestmark = pytest.mark.django_db


def room_url(room):
    return f"/api/v1/rooms/{room.slug}/"


def test_alice_lists_the_rooms_she_owns(client_for, alice, link_room, members_room):
    response = client_for(alice).get("/api/v1/rooms/")

    assert response.status_code == 200
    assert [room["slug"] for room in response.json()] == [members_room.slug, link_room.slug]


def test_bob_lists_the_rooms_he_is_a_member_of(client_for, bob, link_room, members_room):
    response = client_for(bob).get("/api/v1/rooms/")

    assert [room["slug"] for room in response.json()] == [members_room.slug]


def test_carol_lists_no_rooms_of_alices(client_for, carol, link_room, members_room):
    assert client_for(carol).get("/api/v1/rooms/").json() == []


def test_alice_creates_a_room_she_owns(client_for, alice):
    response = client_for(alice).post(
        "/api/v1/rooms/", {"name": "Standup", "access": "members", "max_participants": 4}, format="json"
    )

    assert response.status_code == 201
    body = response.json()
    room = Room.objects.get(slug=body["slug"])
    assert (room.owner, room.name, room.access, room.max_participants) == (alice, "Standup", "members", 4)
    assert body["owner"] == "alice"
    assert body["url"] == f"http://testserver/r/{room.slug}/"
    assert body["is_locked"] is False


def test_a_room_is_created_with_the_defaults(client_for, alice, settings):
    body = client_for(alice).post("/api/v1/rooms/", {"name": "Standup"}, format="json").json()

    assert body["access"] == "link"
    assert body["max_participants"] == settings.ROOM_DEFAULT_MAX_PARTICIPANTS


@pytest.mark.parametrize(
    "payload",
    [{}, {"name": ""}, {"name": "x" * 101}, {"name": "A", "max_participants": 1}, {"name": "A", "access": "open"}],
    ids=["no-name", "blank-name", "long-name", "too-few-participants", "unknown-access"],
)
def test_a_bad_room_is_refused_with_the_fields_at_fault(client_for, alice, payload):
    response = client_for(alice).post("/api/v1/rooms/", payload, format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["errors"]


def test_a_member_retrieves_a_members_only_room(client_for, bob, members_room):
    response = client_for(bob).get(room_url(members_room))

    assert response.status_code == 200
    assert response.json()["name"] == "Design review"


def test_carol_cannot_retrieve_alices_members_only_room(client_for, carol, members_room):
    response = client_for(carol).get(room_url(members_room))

    assert response.status_code == 403
    assert response.json()["code"] == "not-a-member"


def test_a_room_that_does_not_exist_is_a_json_404(client_for, alice):
    response = client_for(alice).get("/api/v1/rooms/no-such-room/")

    assert response.status_code == 404
    assert response.json()["code"] == "not-found"


def test_alice_renames_her_room_and_opens_it_to_the_link(client_for, alice, members_room):
    response = client_for(alice).patch(
        room_url(members_room), {"name": "Renamed", "access": "link", "max_participants": 3}, format="json"
    )

    assert response.status_code == 200
    members_room.refresh_from_db()
    assert (members_room.name, members_room.access, members_room.max_participants) == ("Renamed", "link", 3)


def test_alice_locks_and_unlocks_her_room(client_for, alice, link_room):
    client = client_for(alice)

    locked = client.patch(room_url(link_room), {"is_locked": True}, format="json")
    link_room.refresh_from_db()
    assert locked.json()["is_locked"] is True and link_room.is_locked

    client.patch(room_url(link_room), {"is_locked": False}, format="json")
    link_room.refresh_from_db()
    assert not link_room.is_locked


def test_a_bad_change_is_refused_and_changes_nothing(client_for, alice, link_room):
    response = client_for(alice).patch(room_url(link_room), {"name": "New", "max_participants": 500}, format="json")

    assert response.status_code == 400
    assert "max_participants" in response.json()["errors"]
    link_room.refresh_from_db()
    assert link_room.name == "Weekly sync"


def test_the_slug_and_owner_cannot_be_changed(client_for, alice, carol, link_room):
    slug = link_room.slug
    client_for(alice).patch(room_url(link_room), {"slug": "mine-now", "owner": "carol"}, format="json")

    link_room.refresh_from_db()
    assert (link_room.slug, link_room.owner) == (slug, alice)


def test_bob_a_member_cannot_change_alices_room(client_for, bob, members_room):
    response = client_for(bob).patch(room_url(members_room), {"is_locked": True}, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "not-the-owner"


def test_staff_may_change_anyones_room(client_for, carol, link_room):
    carol.is_staff = True
    carol.save()

    response = client_for(carol).patch(room_url(link_room), {"is_locked": True}, format="json")

    assert response.status_code == 200


def test_put_is_not_offered(client_for, alice, link_room):
    response = client_for(alice).put(room_url(link_room), {"name": "x"}, format="json")

    assert response.status_code == 405
    assert response.json()["code"] == "method-not-allowed"


def test_alice_deletes_her_room(client_for, alice, link_room):
    response = client_for(alice).delete(room_url(link_room))

    assert response.status_code == 204
    assert not Room.objects.filter(pk=link_room.pk).exists()


def test_carol_cannot_delete_alices_room(client_for, carol, link_room):
    response = client_for(carol).delete(room_url(link_room))

    assert response.status_code == 403
    assert Room.objects.filter(pk=link_room.pk).exists()


def test_nobody_signed_out_sees_any_room(anonymous, link_room):
    for response in (anonymous.get("/api/v1/rooms/"), anonymous.get(room_url(link_room))):
        assert response.status_code == 401
        assert response.json()["code"] == "not-authenticated"


def join(room, name, role="participant", seconds_ago=0, last_seen_ago=0, status=Participant.Status.JOINED):
    now = timezone.now()
    return Participant.objects.create(
        room=room,
        meeting=events.live_meeting(room, create=True),
        status=status,
        peer_id=f"p_{name}",
        identity=f"ext:{name}",
        display_name=name,
        role=role,
        channel_name=f"channel-{name}",
        joined_at=now - timedelta(seconds=seconds_ago),
        last_seen=now - timedelta(seconds=last_seen_ago),
    )


def test_the_participants_are_the_live_peers_oldest_first(client_for, bob, members_room, settings):
    join(members_room, "Alice", role="host", seconds_ago=60)
    join(members_room, "Bob", seconds_ago=30)
    join(members_room, "Recorder", role="recorder", seconds_ago=90)
    join(members_room, "Gone", seconds_ago=300, last_seen_ago=settings.SIGNALLING_STALE_SECONDS + 5)
    join(members_room, "Waiting", seconds_ago=10, status=Participant.Status.LOBBY)

    response = client_for(bob).get(f"{room_url(members_room)}participants/")

    assert response.status_code == 200
    people = response.json()
    assert [(p["name"], p["role"], p["peer_id"]) for p in people] == [
        ("Alice", "host", "p_Alice"),
        ("Bob", "participant", "p_Bob"),
    ]
    assert people[0]["joined_at"].endswith("Z")
    assert set(people[0]) == set(ParticipantSerializer().fields), "the schema must describe what the API returns"


def test_carol_cannot_see_who_is_in_alices_members_only_room(client_for, carol, members_room):
    response = client_for(carol).get(f"{room_url(members_room)}participants/")

    assert response.status_code == 403


def test_a_service_manages_the_rooms_of_its_keys_owner(service, alice):
    created = service.post("/api/v1/rooms/", {"name": "Booked call"}, format="json")
    assert created.status_code == 201
    room = Room.objects.get(slug=created.json()["slug"])
    assert room.owner == alice

    assert [r["slug"] for r in service.get("/api/v1/rooms/").json()] == [room.slug]
    assert service.patch(room_url(room), {"is_locked": True}, format="json").status_code == 200
    assert service.get(f"{room_url(room)}participants/").json() == []
    assert service.delete(room_url(room)).status_code == 204


def test_a_service_cannot_change_rooms_its_keys_owner_does_not_own(service, carol):
    carols = actions.create_room(carol, "Carol's room")

    response = service.patch(room_url(carols), {"is_locked": True}, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "not-the-owner"


def test_a_key_does_not_inherit_its_owners_staff_rights(alice, carol):
    alice.is_staff = True
    alice.save()
    carols = actions.create_room(carol, "Carol's room")
    _, raw_key = ApiKey.create_key("Ops", created_by=alice)
    client = APIClient(HTTP_AUTHORIZATION=f"Api-Key {raw_key}")

    assert client.delete(room_url(carols)).status_code == 403


def test_a_key_without_an_owner_has_no_rooms(link_room):
    _, raw_key = ApiKey.create_key("Tokens only")
    client = APIClient(HTTP_AUTHORIZATION=f"Api-Key {raw_key}")

    for response in (
        client.get("/api/v1/rooms/"),
        client.post("/api/v1/rooms/", {"name": "x"}, format="json"),
        client.get(room_url(link_room)),
    ):
        assert response.status_code == 403
        assert response.json()["code"] == "api-key-has-no-owner"


def test_the_owner_sets_the_lobby_and_a_password_and_removes_it_through_the_api(client_for, alice):
    from meetings import actions
    from meetings.models import Room

    room = actions.create_room(alice, "Interviews")
    client = client_for(alice)
    response = client.patch(f"/api/v1/rooms/{room.slug}/", {"requires_approval": True, "password": "s3same"},
                            format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["requires_approval"] is True and body["has_password"] is True and "password" not in body
    room = Room.objects.get(pk=room.pk)
    assert room.check_password("s3same") and room.requires_approval
    response = client.patch(f"/api/v1/rooms/{room.slug}/", {"password": ""}, format="json")
    assert response.json()["has_password"] is False


def test_alice_chooses_her_rooms_media_route(client_for, alice, link_room):
    client = client_for(alice)
    assert client.get(room_url(link_room)).json()["media_route"] == "auto"

    changed = client.patch(room_url(link_room), {"media_route": "sfu"}, format="json")

    assert changed.status_code == 200 and changed.json()["media_route"] == "sfu"
    link_room.refresh_from_db()
    assert link_room.media_route == "sfu"
    refused = client.patch(room_url(link_room), {"media_route": "carrier-pigeon"}, format="json")
    assert refused.status_code == 400 and "media_route" in refused.json()["errors"]
