"""A room that requires approval keeps newcomers in a lobby; there is no way around it."""

import pytest
from tests.signalling.conftest import seat, token_for
from tests.signalling_client import room_token

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def lobby_room(alices_room):
    alices_room.requires_approval = True
    alices_room.save()
    return alices_room


async def knock(peers, room, user):
    peer = await peers(room.slug)
    await peer.join(token_for(user, room), expect="lobby")
    return peer


async def test_bob_waits_in_the_lobby_until_alice_admits_him(peers, alice, bob, lobby_room):
    alice_peer = await seat(peers, lobby_room, alice)
    bob_peer = await knock(peers, lobby_room, bob)
    waiting = await alice_peer.receive_type("lobby-updated")
    assert waiting["lobby_count"] == 1
    assert [entry["name"] for entry in waiting["lobby"]] == ["Bob"]

    await alice_peer.send({"type": "admit", "peer_id": bob_peer.peer_id})
    welcome = await bob_peer.receive_type("welcome")
    assert welcome["peer_id"] == bob_peer.peer_id
    assert [peer["name"] for peer in welcome["roster"]] == ["Alice"]
    joined = await alice_peer.receive_type("peer-joined")
    assert joined["peer"]["peer_id"] == bob_peer.peer_id


async def test_a_participant_sees_how_many_wait_but_not_who(peers, alice, bob, carol, lobby_room):
    alice_peer = await seat(peers, lobby_room, alice)
    bob_peer = await seat(peers, lobby_room, bob, role="moderator")
    carol_peer = await knock(peers, lobby_room, carol)
    await alice_peer.send({"type": "admit", "peer_id": carol_peer.peer_id})
    await carol_peer.receive_type("welcome")
    await bob_peer.receive_all()

    dave = await peers(lobby_room.slug)
    await dave.join(room_token(lobby_room.slug, "user:99", "Dave"), expect="lobby")
    seen_by_carol = await carol_peer.receive_type("lobby-updated")
    assert seen_by_carol["lobby_count"] == 1 and "lobby" not in seen_by_carol
    seen_by_bob = await bob_peer.receive_type("lobby-updated")
    assert [entry["name"] for entry in seen_by_bob["lobby"]] == ["Dave"]


async def test_denied_bob_is_closed_with_4010(peers, alice, bob, lobby_room):
    alice_peer = await seat(peers, lobby_room, alice)
    bob_peer = await knock(peers, lobby_room, bob)
    await alice_peer.send({"type": "deny", "peer_id": bob_peer.peer_id})
    error, code = await bob_peer.expect_refusal()
    assert (error["code"], code) == ("denied", 4010)
    assert (await alice_peer.receive_type("lobby-updated"))["lobby_count"] == 1
    assert (await alice_peer.receive_type("lobby-updated"))["lobby_count"] == 0


async def test_from_the_lobby_bob_can_neither_chat_nor_signal_nor_see_the_room(peers, alice, bob, lobby_room):
    alice_peer = await seat(peers, lobby_room, alice)
    bob_peer = await knock(peers, lobby_room, bob)
    await alice_peer.receive_all()
    for message in (
        {"type": "chat", "text": "let me in"},
        {"type": "offer", "to": alice_peer.peer_id, "description": {"type": "offer", "sdp": "v=0"}},
        {"type": "state", "hand": True},
        {"type": "resync"},
    ):
        await bob_peer.send(message)
        error = await bob_peer.receive_type("error")
        assert (error["code"], error["fatal"]) == ("not-admitted", False)
    await alice_peer.send({"type": "chat", "text": "members only"})
    await alice_peer.receive_type("chat")
    assert await bob_peer.nothing_more()
    assert [m["type"] for m in await alice_peer.receive_all()] == []


async def test_reconnecting_or_opening_a_second_socket_puts_bob_back_in_the_lobby(peers, alice, bob, lobby_room):
    alice_peer = await seat(peers, lobby_room, alice)
    first = await knock(peers, lobby_room, bob)
    second = await knock(peers, lobby_room, bob)
    error, code = await first.expect_refusal()
    assert (error["code"], code) == ("replaced", 4011)
    await second.close()
    third = await knock(peers, lobby_room, bob)
    assert third.welcome["type"] == "lobby"
    await alice_peer.receive_all()
    await alice_peer.send({"type": "resync"})
    state = (await alice_peer.receive_type("state"))["state"]
    assert [entry["peer_id"] for entry in state["lobby"]] == [third.peer_id]
    assert [peer["name"] for peer in state["peers"]] == ["Alice"]


async def test_a_moderator_skips_the_lobby(peers, bob, lobby_room):
    moderator = await seat(peers, lobby_room, bob, role="moderator")
    assert moderator.welcome["type"] == "welcome"


async def test_a_room_password_is_asked_of_participants_but_not_of_the_host(peers, alice, bob, alices_room):
    alices_room.set_password("open sesame")
    await alices_room.asave()
    for password, expected in ((None, ("password-required", 4014)), ("guess", ("bad-password", 4015))):
        peer = await peers(alices_room.slug)
        await peer.send({"type": "join", "token": token_for(bob, alices_room), "versions": [1], "password": password})
        error, code = await peer.expect_refusal()
        assert (error["code"], code) == expected
    await seat(peers, alices_room, bob, password="open sesame")
    await seat(peers, alices_room, alice)
