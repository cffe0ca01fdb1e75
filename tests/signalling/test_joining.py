"""Who gets into a room, and what they are told when they do or do not."""

import pytest
from channels.db import database_sync_to_async

from meetings import actions
from signalling.models import Participant
from tests.signalling.conftest import token_for
from tests.signalling_client import room_token

pytestmark = pytest.mark.django_db(transaction=True)


async def test_alice_joins_an_empty_room_and_gets_her_peer_id_and_an_empty_roster(peers, alice, alices_room):
    peer = await peers(alices_room.slug)
    welcome = await peer.join(token_for(alice, alices_room))
    assert welcome["version"] == 1
    assert welcome["peer_id"].startswith("p_")
    assert welcome["roster"] == []
    assert welcome["you"]["name"] == "Alice"
    assert welcome["you"]["role"] == "host"
    assert "moderate" in welcome["you"]["permissions"]
    assert welcome["room"]["slug"] == alices_room.slug
    assert welcome["ice_servers"] == []
    await peer.close()


async def test_bob_finds_alice_in_the_roster_and_alice_is_told_bob_joined_then_left(peers, alice, bob, alices_room):
    alice_peer = await peers(alices_room.slug)
    await alice_peer.join(token_for(alice, alices_room))
    bob_peer = await peers(alices_room.slug)
    welcome = await bob_peer.join(token_for(bob, alices_room))
    assert [(p["peer_id"], p["name"], p["role"]) for p in welcome["roster"]] == [
        (alice_peer.peer_id, "Alice", "host")
    ]
    joined = await alice_peer.receive_type("peer-joined")
    assert joined["peer"]["peer_id"] == bob_peer.peer_id
    assert joined["peer"]["name"] == "Bob"

    await bob_peer.send({"type": "leave"})
    left = await alice_peer.receive_type("peer-left")
    assert (left["peer_id"], left["reason"]) == (bob_peer.peer_id, "left")
    assert left["seq"] == joined["seq"] + 1
    assert await Participant.objects.filter(peer_id=bob_peer.peer_id).aexists() is False
    await alice_peer.close()


async def test_a_socket_that_never_joins_is_closed_after_the_join_timeout(peers, alices_room, settings):
    settings.SIGNALLING_JOIN_TIMEOUT = 0.3
    peer = await peers(alices_room.slug)
    error, code = await peer.expect_refusal()
    assert (error["code"], code) == ("join-timeout", 4001)


async def test_an_anonymous_socket_that_sends_anything_but_join_is_closed(peers, alices_room):
    peer = await peers(alices_room.slug)
    await peer.send({"type": "offer", "to": "p_x", "description": {"type": "offer", "sdp": ""}})
    error, code = await peer.expect_refusal()
    assert (error["code"], code) == ("protocol-error", 4000)


async def test_carol_cannot_join_alices_members_only_room_even_with_a_validly_signed_token(
    peers, carol, members_room
):
    peer = await peers(members_room.slug)
    await peer.send({"type": "join", "token": token_for(carol, members_room), "versions": [1]})
    error, code = await peer.expect_refusal()
    assert (error["code"], code) == ("forbidden", 4003)
    assert await Participant.objects.acount() == 0


async def test_bob_a_member_joins_alices_members_only_room(peers, bob, members_room):
    peer = await peers(members_room.slug)
    welcome = await peer.join(token_for(bob, members_room))
    assert welcome["you"]["role"] == "participant"
    await peer.close()


async def test_a_room_that_does_not_exist_is_refused(peers, alice):
    peer = await peers("zzzz-zzzz-zzzz")
    await peer.send({"type": "join", "token": room_token("zzzz-zzzz-zzzz", "user:1", "Alice"), "versions": [1]})
    error, code = await peer.expect_refusal()
    assert (error["code"], code) == ("room-not-found", 4004)


async def test_the_ninth_person_is_refused_from_a_full_room(peers, alice, alices_room):
    alices_room.max_participants = 2
    await alices_room.asave()
    first = await peers(alices_room.slug)
    await first.join(token_for(alice, alices_room))
    second = await peers(alices_room.slug)
    await second.join(room_token(alices_room.slug, "user:90", "Dave"))
    third = await peers(alices_room.slug)
    await third.send({"type": "join", "token": room_token(alices_room.slug, "user:91", "Erin"), "versions": [1]})
    error, code = await third.expect_refusal()
    assert (error["code"], code) == ("room-full", 4005)
    await first.close()
    await second.close()


async def test_a_locked_room_refuses_newcomers_but_lets_its_host_in(peers, alice, bob, alices_room):
    await database_sync_to_async(actions.set_locked)(alices_room, True)  # no meeting yet: nothing to publish
    bob_peer = await peers(alices_room.slug)
    await bob_peer.send({"type": "join", "token": token_for(bob, alices_room), "versions": [1]})
    error, code = await bob_peer.expect_refusal()
    assert (error["code"], code) == ("room-locked", 4006)

    alice_peer = await peers(alices_room.slug)
    await alice_peer.join(token_for(alice, alices_room))
    await alice_peer.close()


async def test_a_client_speaking_only_future_versions_is_refused(peers, alice, alices_room):
    peer = await peers(alices_room.slug)
    await peer.send({"type": "join", "token": token_for(alice, alices_room), "versions": [2, 3]})
    error, code = await peer.expect_refusal()
    assert (error["code"], code) == ("version-unsupported", 4007)
