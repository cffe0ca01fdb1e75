"""Hosts and moderators run the meeting; nobody else can."""

import pytest

from signalling.models import Meeting
from tests.signalling.conftest import seat, token_for

pytestmark = pytest.mark.django_db(transaction=True)


async def test_a_participant_cannot_moderate(peers, alice, bob, alices_room):
    alice_peer = await seat(peers, alices_room, alice)
    bob_peer = await seat(peers, alices_room, bob)
    for message in ({"type": "remove", "peer_id": alice_peer.peer_id}, {"type": "lock"}, {"type": "end-meeting"},
                    {"type": "mute", "peer_id": alice_peer.peer_id, "kind": "audio"}):
        await bob_peer.send(message)
        error = await bob_peer.receive_type("error")
        assert (error["code"], error["fatal"]) == ("not-allowed", False)
    assert [m["type"] for m in await alice_peer.receive_all()] == ["peer-joined"]


async def test_alice_removes_bob_who_then_cannot_rejoin_this_meeting_even_with_a_new_token(
    peers, alice, bob, alices_room
):
    alice_peer = await seat(peers, alices_room, alice)
    bob_peer = await seat(peers, alices_room, bob)
    await alice_peer.send({"type": "remove", "peer_id": bob_peer.peer_id})
    error, code = await bob_peer.expect_refusal()
    assert (error["code"], code) == ("removed", 4012)
    left = await alice_peer.receive_type("peer-left")
    assert (left["peer_id"], left["reason"]) == (bob_peer.peer_id, "removed")

    again = await peers(alices_room.slug)
    await again.send({"type": "join", "token": token_for(bob, alices_room), "versions": [1]})
    error, code = await again.expect_refusal()
    assert (error["code"], code) == ("removed", 4012)


async def test_the_host_cannot_be_removed(peers, alice, bob, alices_room):
    alice_peer = await seat(peers, alices_room, alice)
    bob_peer = await seat(peers, alices_room, bob, role="moderator")
    await bob_peer.send({"type": "remove", "peer_id": alice_peer.peer_id})
    assert (await bob_peer.receive_type("error"))["code"] == "not-allowed"


async def test_a_mute_request_and_an_unmute_request_reach_only_bob(peers, alice, bob, carol, alices_room):
    alice_peer = await seat(peers, alices_room, alice)
    bob_peer = await seat(peers, alices_room, bob)
    carol_peer = await seat(peers, alices_room, carol)
    await carol_peer.receive_all()
    await alice_peer.send({"type": "mute", "peer_id": bob_peer.peer_id, "kind": "audio"})
    assert await bob_peer.receive_type("mute") == {"type": "mute", "kind": "audio", "by": alice_peer.peer_id}
    await alice_peer.send({"type": "ask-unmute", "peer_id": bob_peer.peer_id, "kind": "video"})
    assert (await bob_peer.receive_type("unmute-request"))["kind"] == "video"
    assert await carol_peer.nothing_more()


async def test_locking_from_the_socket_tells_everyone_and_keeps_newcomers_out(peers, alice, bob, carol, alices_room):
    alice_peer = await seat(peers, alices_room, alice)
    bob_peer = await seat(peers, alices_room, bob)
    await alice_peer.send({"type": "lock"})
    assert (await bob_peer.receive_type("room-updated"))["room"]["is_locked"] is True
    late = await peers(alices_room.slug)
    await late.send({"type": "join", "token": token_for(carol, alices_room), "versions": [1]})
    assert (await late.expect_refusal())[1] == 4006
    await alice_peer.send({"type": "unlock"})
    assert (await bob_peer.receive_type("room-updated"))["room"]["is_locked"] is False
    await seat(peers, alices_room, carol)


async def test_ending_the_meeting_closes_everyone_and_the_next_join_starts_afresh(peers, alice, bob, alices_room):
    alice_peer = await seat(peers, alices_room, alice)
    bob_peer = await seat(peers, alices_room, bob)
    await bob_peer.send({"type": "chat", "text": "bye"})
    await alice_peer.receive_type("chat")
    await alice_peer.send({"type": "end-meeting"})
    for peer in (alice_peer, bob_peer):
        error = await peer.receive_type("error")
        assert error["code"] == "meeting-ended"
        assert error["by"] == alice_peer.peer_id  # so Alice is told she ended it, Bob that Alice did
        assert (await peer.communicator.receive_output(2))["code"] == 4013
    assert await Meeting.objects.filter(room=alices_room, ended_reason="ended").aexists()

    fresh = await seat(peers, alices_room, bob)
    assert fresh.welcome["state"]["chat"] == []
    assert fresh.welcome["state"]["seq"] == 1


async def test_alice_makes_bob_a_moderator_and_then_bob_can_lock(peers, alice, bob, alices_room):
    alice_peer = await seat(peers, alices_room, alice)
    bob_peer = await seat(peers, alices_room, bob)
    await alice_peer.send({"type": "set-role", "peer_id": bob_peer.peer_id, "role": "moderator"})
    updated = await bob_peer.receive_type("peer-updated")
    assert updated["peer"]["role"] == "moderator"
    await bob_peer.send({"type": "lock"})
    assert (await alice_peer.receive_type("room-updated"))["room"]["is_locked"] is True


async def test_a_meeting_ended_from_the_api_or_the_admin_says_by_nobody(peers, alice, bob, alices_room):
    from asgiref.sync import sync_to_async

    from meetings import actions
    from signalling.publish import apublish

    bob_peer = await seat(peers, alices_room, bob)
    await apublish(await sync_to_async(actions.end_meeting)(alices_room))
    error = await bob_peer.receive_type("error")
    assert error["code"] == "meeting-ended" and error["by"] is None


async def test_mute_everyone_asks_every_other_open_microphone_to_turn_off(peers, alice, bob, carol, alices_room):
    alice_peer = await seat(peers, alices_room, alice, state={"audio": True})
    bob_peer = await seat(peers, alices_room, bob, state={"audio": True})
    carol_peer = await seat(peers, alices_room, carol, state={"audio": False})
    await bob_peer.send({"type": "mute-everyone"})
    assert (await bob_peer.receive_type("error"))["code"] == "not-allowed"
    await alice_peer.send({"type": "mute-everyone"})
    assert await bob_peer.receive_type("mute") == {"type": "mute", "kind": "audio", "by": alice_peer.peer_id}
    assert [m for m in await carol_peer.receive_all() if m["type"] == "mute"] == []  # already off
    assert [m for m in await alice_peer.receive_all() if m["type"] == "mute"] == []  # not the asker
