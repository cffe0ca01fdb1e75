"""Offers, answers and candidates reach one named peer of the sender's room, from the sender the server knows."""

import pytest
from channels.db import database_sync_to_async

from meetings import actions
from tests.signalling.conftest import token_for

pytestmark = pytest.mark.django_db(transaction=True)

OFFER = {"type": "offer", "sdp": "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n"}


async def in_room(peers, room, *people):
    joined = []
    for person in people:
        peer = await peers(room.slug)
        await peer.join(token_for(person, room))
        joined.append(peer)
    for index, peer in enumerate(joined):
        for _ in joined[index + 1:]:
            await peer.receive_type("peer-joined")
    return joined


async def test_bobs_offer_reaches_alice_with_bob_as_sender_even_when_he_claims_another(
    peers, alice, bob, alices_room
):
    alice_peer, bob_peer = await in_room(peers, alices_room, alice, bob)
    await bob_peer.send({"type": "offer", "to": alice_peer.peer_id, "from": alice_peer.peer_id, "description": OFFER})
    relayed = await alice_peer.receive()
    assert relayed == {"type": "offer", "from": bob_peer.peer_id, "description": OFFER}
    assert await bob_peer.nothing_more()


async def test_candidates_and_the_end_of_candidates_are_relayed(peers, alice, bob, alices_room):
    alice_peer, bob_peer = await in_room(peers, alices_room, alice, bob)
    candidate = {"candidate": "candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host", "sdp_mid": "0",
                 "sdp_mline_index": 0}
    await alice_peer.send({"type": "candidate", "to": bob_peer.peer_id, "candidate": candidate})
    await alice_peer.send({"type": "candidate", "to": bob_peer.peer_id, "candidate": None})
    assert (await bob_peer.receive())["candidate"] == candidate
    assert (await bob_peer.receive())["candidate"] is None


async def test_a_peer_of_another_room_cannot_be_reached(peers, alice, bob, carol, alices_room):
    carols_room = await database_sync_to_async(actions.create_room)(carol, "Carol's room")
    (alice_peer,) = await in_room(peers, alices_room, alice)
    (carol_peer,) = await in_room(peers, carols_room, carol)
    await carol_peer.send({"type": "offer", "to": alice_peer.peer_id, "description": OFFER})
    error = await carol_peer.receive()
    assert error["type"] == "error"
    assert error["code"] == "unknown-peer"
    assert error["fatal"] is False
    assert await alice_peer.nothing_more()
    # Carol's socket lives on.
    await carol_peer.send({"type": "ping"})
    assert await carol_peer.receive() == {"type": "pong"}


async def test_a_malformed_message_is_answered_and_the_socket_lives_on(peers, alice, alices_room):
    (alice_peer,) = await in_room(peers, alices_room, alice)
    await alice_peer.send({"type": "offer", "to": "p_x", "description": "v=0"})
    error = await alice_peer.receive()
    assert (error["code"], error["fatal"], error["in_reply_to"]) == ("bad-message", False, "offer")
    await alice_peer.send({"type": "dance"})
    assert (await alice_peer.receive())["code"] == "unknown-type"
    await alice_peer.send({"type": "ping"})
    assert await alice_peer.receive() == {"type": "pong"}


async def test_an_oversized_frame_closes_the_socket_with_4008_and_the_others_see_a_leave(
    peers, alice, bob, alices_room, settings
):
    settings.SIGNALLING_MAX_MESSAGE_BYTES = 2048
    alice_peer, bob_peer = await in_room(peers, alices_room, alice, bob)
    await bob_peer.send({"type": "offer", "to": alice_peer.peer_id, "description": {"type": "offer", "sdp": "x" * 4096}})
    error, code = await bob_peer.expect_refusal()
    assert (error["code"], code) == ("message-too-large", 4008)
    left = await alice_peer.receive_type("peer-left")
    assert left["peer_id"] == bob_peer.peer_id


async def test_a_frame_that_is_not_json_closes_the_socket_with_4000(peers, alice, alices_room):
    (alice_peer,) = await in_room(peers, alices_room, alice)
    await alice_peer.send_text("{not json")
    error, code = await alice_peer.expect_refusal()
    assert (error["code"], code) == ("protocol-error", 4000)


async def test_a_binary_frame_closes_the_socket_with_4000(peers, alice, alices_room):
    (alice_peer,) = await in_room(peers, alices_room, alice)
    await alice_peer.communicator.send_to(bytes_data=b'{"type": "ping"}')
    error, code = await alice_peer.expect_refusal()
    assert (error["code"], code) == ("protocol-error", 4000)


async def test_leave_tells_the_others_and_closes_normally(peers, alice, bob, alices_room):
    alice_peer, bob_peer = await in_room(peers, alices_room, alice, bob)
    await bob_peer.send({"type": "leave"})
    closed = await bob_peer.communicator.receive_output(2)
    assert closed == {"type": "websocket.close", "code": 1000}
    assert (await alice_peer.receive_type("peer-left"))["peer_id"] == bob_peer.peer_id


def socket_of(peer):
    """The worker's socket behind a test peer (the tests run the in-process layer, which hands relays over)."""
    from signalling.socket import LOCAL_SOCKETS

    return next(socket for socket in list(LOCAL_SOCKETS.values()) if getattr(socket, "peer_id", None) == peer.peer_id)


def candidate_numbered(n):
    return {"candidate": f"candidate:{n} 1 udp 2122260223 127.0.0.1 {50000 + n} typ host", "sdp_mid": "0",
            "sdp_mline_index": 0}


async def test_relays_to_a_busy_peer_wait_in_the_layer_and_arrive_in_the_order_they_were_sent(
    peers, alice, bob, alices_room
):
    alice_peer, bob_peer = await in_room(peers, alices_room, alice, bob)
    bobs_socket = socket_of(bob_peer)
    assert bobs_socket.local_mate(bobs_socket.channel_name) is bobs_socket  # idle: a relay is handed over at once

    await bobs_socket.turn.acquire()  # Bob's socket is busy with something else
    for n in (1, 2):
        await alice_peer.send({"type": "candidate", "to": bob_peer.peer_id, "candidate": candidate_numbered(n)})
    assert await bob_peer.nothing_more()
    bobs_socket.turn.release()
    # Free again, but with Alice's second candidate still waiting in the layer: the third must queue behind it.
    assert bobs_socket.local_mate(bobs_socket.channel_name) is None
    await alice_peer.send({"type": "candidate", "to": bob_peer.peer_id, "candidate": candidate_numbered(3)})

    received = [(await bob_peer.receive())["candidate"] for _ in range(3)]
    assert received == [candidate_numbered(1), candidate_numbered(2), candidate_numbered(3)]
