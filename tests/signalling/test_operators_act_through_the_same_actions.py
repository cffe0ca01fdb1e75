"""The API, the admin and the room's pages end meetings, remove and mute people through the actions the consumer
uses: the people in the meeting see exactly what a moderator's message would have made them see."""

import pytest
from asgiref.sync import sync_to_async
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from meetings import actions
from signalling.models import Meeting, Participant
from tests.signalling.conftest import seat, token_for

pytestmark = pytest.mark.django_db(transaction=True)


def signed_in(user, client_class=APIClient):
    client = client_class()
    client.force_login(user)
    return client


@pytest.fixture
async def meeting(peers, alice, bob, alices_room):
    """Alice (host) and Bob are in a meeting of Alice's room, and have heard all there was to hear."""
    alice_peer = await seat(peers, alices_room, alice)
    bob_peer = await seat(peers, alices_room, bob)
    await alice_peer.receive_all()
    return alice_peer, bob_peer


async def test_the_owner_ends_the_meeting_through_the_api_and_everyone_is_closed(meeting, alice, alices_room):
    client = await sync_to_async(signed_in)(alice)
    response = await sync_to_async(client.delete)(f"/api/v1/rooms/{alices_room.slug}/meeting/")
    assert response.status_code == 204
    for peer in meeting:
        error, code = await peer.expect_refusal()
        assert (error["code"], code) == ("meeting-ended", 4013)
    assert not await Meeting.objects.filter(room=alices_room, ended_at__isnull=True).aexists()


async def test_the_owner_removes_bob_through_the_api_and_bob_cannot_come_back(
    meeting, peers, alice, bob, alices_room
):
    alice_peer, bob_peer = meeting
    client = await sync_to_async(signed_in)(alice)
    response = await sync_to_async(client.delete)(f"/api/v1/rooms/{alices_room.slug}/participants/{bob_peer.peer_id}/")
    assert response.status_code == 204
    error, code = await bob_peer.expect_refusal()
    assert (error["code"], code) == ("removed", 4012)
    left = await alice_peer.receive_type("peer-left")
    assert (left["peer_id"], left["reason"]) == (bob_peer.peer_id, "removed")

    again = await peers(alices_room.slug)
    await again.send({"type": "join", "token": token_for(bob, alices_room), "versions": [1]})
    assert (await again.expect_refusal())[1] == 4012


async def test_the_api_refuses_to_remove_the_host_or_nobody_and_others_may_not_remove_anyone(
    meeting, alice, carol, alices_room
):
    alice_peer, bob_peer = meeting
    owner = await sync_to_async(signed_in)(alice)
    stranger = await sync_to_async(signed_in)(carol)
    base = f"/api/v1/rooms/{alices_room.slug}/participants"
    host = await sync_to_async(owner.delete)(f"{base}/{alice_peer.peer_id}/")
    assert (host.status_code, host.json()["code"]) == (403, "not-allowed")
    nobody = await sync_to_async(owner.delete)(f"{base}/p_nobody/")
    assert (nobody.status_code, nobody.json()["code"]) == (404, "unknown-peer")
    refused = await sync_to_async(stranger.delete)(f"{base}/{bob_peer.peer_id}/")
    assert (refused.status_code, refused.json()["code"]) == (403, "not-the-owner")
    assert await bob_peer.nothing_more()


async def test_the_owner_mutes_bob_through_the_api_and_only_bob_is_asked(meeting, alice, alices_room):
    alice_peer, bob_peer = meeting
    client = await sync_to_async(signed_in)(alice)
    url = f"/api/v1/rooms/{alices_room.slug}/participants/{bob_peer.peer_id}/mute/"
    response = await sync_to_async(client.post)(url, {"kind": "audio"}, format="json")
    assert response.status_code == 202
    assert await bob_peer.receive_type("mute") == {"type": "mute", "kind": "audio", "by": None}
    assert await alice_peer.nothing_more()
    bad = await sync_to_async(client.post)(url, {"kind": "smell"}, format="json")
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid")


async def test_deleting_the_room_closes_everyone_in_it_with_room_not_found(meeting, alice, alices_room):
    client = await sync_to_async(signed_in)(alice)
    response = await sync_to_async(client.delete)(f"/api/v1/rooms/{alices_room.slug}/")
    assert response.status_code == 204
    for peer in meeting:
        error, code = await peer.expect_refusal()
        assert (error["code"], code) == ("room-not-found", 4004)


async def test_deleting_the_room_from_its_settings_page_tells_the_meeting_too(meeting, alice, alices_room):
    client = await sync_to_async(signed_in)(alice, Client)
    response = await sync_to_async(client.post)(reverse("room_delete", args=[alices_room.slug]))
    assert response.status_code == 302
    for peer in meeting:
        assert (await peer.expect_refusal())[1] == 4004


async def test_staff_end_a_meeting_from_the_rooms_admin(meeting, admin_user, alices_room):
    client = await sync_to_async(signed_in)(admin_user, Client)
    response = await sync_to_async(client.post)(
        reverse("admin:meetings_room_changelist"),
        {"action": "end_meetings", "_selected_action": [alices_room.pk]},
        follow=True,
    )
    assert "Ended 1 meeting." in response.content.decode()
    for peer in meeting:
        assert (await peer.expect_refusal())[1] == 4013


async def test_staff_remove_and_mute_people_from_the_participants_admin(meeting, admin_user, alices_room):
    alice_peer, bob_peer = meeting
    client = await sync_to_async(signed_in)(admin_user, Client)
    changelist = reverse("admin:signalling_participant_changelist")
    bob_row = await Participant.objects.aget(peer_id=bob_peer.peer_id)
    alice_row = await Participant.objects.aget(peer_id=alice_peer.peer_id)

    muted = await sync_to_async(client.post)(
        changelist, {"action": "mute_microphones", "_selected_action": [bob_row.pk]}, follow=True
    )
    assert "Muted 1 microphone." in muted.content.decode()
    assert (await bob_peer.receive_type("mute"))["kind"] == "audio"

    removed = await sync_to_async(client.post)(
        changelist, {"action": "remove_from_meeting", "_selected_action": [bob_row.pk, alice_row.pk]}, follow=True
    )
    page = removed.content.decode()
    assert "Removed 1 person." in page and "A host cannot be removed." in page
    assert (await bob_peer.expect_refusal())[1] == 4012
    assert (await alice_peer.receive_type("peer-left"))["reason"] == "removed"


async def test_locking_from_the_room_settings_page_reaches_the_meeting(meeting, alice, alices_room):
    alice_peer, bob_peer = meeting
    client = await sync_to_async(signed_in)(alice, Client)
    await sync_to_async(client.post)(reverse("room_lock", args=[alices_room.slug]), {"locked": "1"})
    for peer in meeting:
        assert (await peer.receive_type("room-updated"))["room"]["is_locked"] is True


def test_an_action_on_a_room_deleted_meanwhile_is_refused_not_a_crash(alice):
    room = actions.create_room(alice, "Gone")
    actions.delete_room(room)
    with pytest.raises(actions.Refused) as refusal:
        actions.end_meeting(room)
    assert refusal.value.code == "room-not-found"
