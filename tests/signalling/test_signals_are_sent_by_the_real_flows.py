"""Rooms, meetings and their people tell meetings.signals what happens, once each, from the real flows."""

import pytest

from meetings import actions, signals
from tests.signalling.conftest import seat, token_for

pytestmark = pytest.mark.django_db(transaction=True)

ROOM_AND_PEOPLE = ("room_created", "room_deleted", "meeting_started", "meeting_ended", "participant_joined",
                   "participant_left", "lobby_knocked")


@pytest.fixture
def heard():
    """Listen to every room, meeting and participant signal; return what was heard, in order."""
    received = []
    receivers = []
    for name in ROOM_AND_PEOPLE:
        def receiver(sender, name=name, **kwargs):
            detail = kwargs.get("participant") or kwargs.get("room") or kwargs.get("meeting")
            label = getattr(detail, "display_name", None) or getattr(detail, "name", None) or "meeting"
            received.append((name, label, kwargs.get("reason")))

        getattr(signals, name).connect(receiver, weak=False)
        receivers.append((name, receiver))
    yield received
    for name, receiver in receivers:
        getattr(signals, name).disconnect(receiver)


async def test_a_meeting_from_first_join_to_its_end_is_told_step_by_step(peers, heard, alice, bob, carol):
    from asgiref.sync import sync_to_async

    room = await sync_to_async(actions.create_room)(alice, "Planning")
    room.requires_approval = True
    await sync_to_async(room.save)()
    alice_peer = await seat(peers, room, alice)
    bob_peer = await seat(peers, room, bob, role="moderator")
    carol_peer = await peers(room.slug)
    await carol_peer.join(token_for(carol, room), expect="lobby")
    await alice_peer.receive_type("lobby-updated")
    await alice_peer.send({"type": "admit", "peer_id": carol_peer.peer_id})
    await carol_peer.receive_type("welcome")
    await bob_peer.send({"type": "leave"})
    await alice_peer.receive_type("peer-left")
    await alice_peer.send({"type": "end-meeting"})
    await alice_peer.expect_refusal()

    assert heard == [
        ("room_created", "Planning", None),
        ("meeting_started", "meeting", None),
        ("participant_joined", "Alice", None),
        ("participant_joined", "Bob", None),
        ("lobby_knocked", "Carol", None),
        ("participant_joined", "Carol", None),
        ("participant_left", "Bob", "left"),
        ("participant_left", "Alice", "meeting-ended"),
        ("participant_left", "Carol", "meeting-ended"),
        ("meeting_ended", "meeting", "ended"),
    ]


def test_deleting_a_room_is_told(heard, alice):
    room = actions.create_room(alice, "Short-lived")
    actions.delete_room(room)
    assert heard == [("room_created", "Short-lived", None), ("room_deleted", "Short-lived", None)]


async def test_joining_a_meeting_is_remembered_for_the_accounts_recent_rooms_and_not_for_a_service(peers, alice, bob):
    from asgiref.sync import sync_to_async

    from meetings.models import RoomVisit
    from tests.signalling_client import room_token

    room = await sync_to_async(actions.create_room)(alice, "Planning")
    await seat(peers, room, bob)
    service = await peers(room.slug)
    await service.join(room_token(room.slug, "ext:1:customer-42", "Dana"))
    visits = await sync_to_async(list)(RoomVisit.objects.values_list("user__username", "room__name"))
    assert visits == [("bob", "Planning")]
