"""A dropped client keeps its seat for the grace window; a silent or flooding one is dropped; one identity, one seat."""

import asyncio
import json

import pytest

from signalling import housekeeping
from signalling.models import Participant
from tests.signalling.conftest import seat, token_for

pytestmark = pytest.mark.django_db(transaction=True)


async def drop(peer):
    """Cut the socket as a network failure would: no `leave`."""
    await peer.communicator.disconnect(code=1006)


async def test_bob_comes_back_within_the_grace_window_with_his_old_peer_id_and_alice_sees_no_leave(
    peers, alice, bob, alices_room
):
    alice_peer = await seat(peers, alices_room, alice)
    bob_peer = await seat(peers, alices_room, bob)
    await alice_peer.receive_type("peer-joined")
    await drop(bob_peer)
    away = await alice_peer.receive_type("peer-updated")
    assert (away["peer"]["peer_id"], away["peer"]["connected"]) == (bob_peer.peer_id, False)

    back = await peers(alices_room.slug)
    resume = {"peer_id": bob_peer.peer_id, "secret": bob_peer.welcome["resume_secret"]}
    welcome = await back.join(token_for(bob, alices_room), resume=resume)
    assert (welcome["peer_id"], welcome["resumed"]) == (bob_peer.peer_id, True)
    returned = await alice_peer.receive()
    assert returned["type"] == "peer-updated" and returned["peer"]["connected"] is True
    assert await alice_peer.nothing_more()

    # The resumed seat relays like before.
    await alice_peer.send({"type": "candidate", "to": bob_peer.peer_id, "candidate": None})
    assert (await back.receive_type("candidate"))["from"] == alice_peer.peer_id


async def test_after_the_grace_window_bob_is_gone_and_resuming_makes_a_new_peer(
    peers, alice, bob, alices_room, settings
):
    settings.SIGNALLING_RESUME_GRACE = 1
    alice_peer = await seat(peers, alices_room, alice)
    bob_peer = await seat(peers, alices_room, bob)
    await drop(bob_peer)
    await alice_peer.receive_type("peer-updated")
    await asyncio.sleep(1.2)
    await housekeeping.tick()
    left = await alice_peer.receive_type("peer-left")
    assert (left["peer_id"], left["reason"]) == (bob_peer.peer_id, "timeout")

    back = await peers(alices_room.slug)
    resume = {"peer_id": bob_peer.peer_id, "secret": bob_peer.welcome["resume_secret"]}
    welcome = await back.join(token_for(bob, alices_room), resume=resume)
    assert welcome["resumed"] is False and welcome["peer_id"] != bob_peer.peer_id


async def test_a_resume_with_the_wrong_secret_takes_no_seat(peers, alice, bob, alices_room):
    alice_peer = await seat(peers, alices_room, alice)
    bob_peer = await seat(peers, alices_room, bob)
    await drop(bob_peer)
    mallory = await peers(alices_room.slug)
    welcome = await mallory.join(token_for(bob, alices_room), resume={"peer_id": bob_peer.peer_id, "secret": "guessed"})
    assert welcome["resumed"] is False and welcome["peer_id"] != bob_peer.peer_id
    # Same identity without a valid resume: the older (away) seat is replaced.
    left = await alice_peer.receive_type("peer-left")
    assert (left["peer_id"], left["reason"]) == (bob_peer.peer_id, "replaced")


async def test_bob_joining_from_a_second_tab_replaces_his_first(peers, alice, bob, alices_room):
    alice_peer = await seat(peers, alices_room, alice)
    first = await seat(peers, alices_room, bob)
    await alice_peer.receive_type("peer-joined")
    second = await seat(peers, alices_room, bob)
    error, code = await first.expect_refusal()
    assert (error["code"], code) == ("replaced", 4011)
    left = await alice_peer.receive_type("peer-left")
    assert (left["peer_id"], left["reason"]) == (first.peer_id, "replaced")
    joined = await alice_peer.receive_type("peer-joined")
    assert joined["peer"]["peer_id"] == second.peer_id
    assert await Participant.objects.filter(identity=f"user:{bob.pk}").acount() == 1


async def test_a_client_that_falls_silent_is_closed_and_keeps_its_seat_for_a_resume(
    peers, alice, bob, alices_room, settings
):
    settings.SIGNALLING_CLIENT_TIMEOUT = 0.5
    alice_peer = await seat(peers, alices_room, alice)
    bob_peer = await seat(peers, alices_room, bob)

    async def alice_keeps_talking():
        while True:
            await alice_peer.send({"type": "ping"})
            await asyncio.sleep(0.1)

    talking = asyncio.ensure_future(alice_keeps_talking())
    try:
        error, code = await bob_peer.expect_refusal(timeout=10)
        assert (error["code"], code) == ("liveness-timeout", 4016)
        assert (await alice_peer.receive_type("peer-updated"))["peer"]["connected"] is False
        assert await Participant.objects.filter(peer_id=bob_peer.peer_id, status="away").aexists()
        # Alice, who kept talking, is still there, well past the timeout.
        await asyncio.sleep(settings.SIGNALLING_CLIENT_TIMEOUT)
        assert await Participant.objects.filter(peer_id=alice_peer.peer_id, status="joined").aexists()
    finally:
        talking.cancel()


async def test_a_flood_is_answered_with_an_error_and_then_closed(peers, alice, bob, alices_room, settings):
    settings.SIGNALLING_RATE = 5
    settings.SIGNALLING_BURST = 10
    settings.SIGNALLING_FLOOD_LIMIT = 20
    alice_peer = await seat(peers, alices_room, alice)
    bob_peer = await seat(peers, alices_room, bob)
    for _ in range(60):
        await bob_peer.send({"type": "ping"})
    messages = []
    while True:
        output = await bob_peer.communicator.receive_output(2)
        if output["type"] == "websocket.close":
            assert output["code"] == 4009
            break
        messages.append(json.loads(output["text"]))
    errors = [m for m in messages if m["type"] == "error"]
    assert [e["code"] for e in errors] == ["rate-limited", "flooding"]
    assert sum(1 for m in messages if m["type"] == "pong") <= 11
    left = await alice_peer.receive_type("peer-left")
    assert left["peer_id"] == bob_peer.peer_id


SENDING_OFFER = "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=sendrecv\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=recvonly\r\n"
RECEIVING_OFFER = "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=recvonly\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"


async def test_a_viewer_can_receive_but_cannot_send_media(peers, alice, bob, alices_room):
    alice_peer = await seat(peers, alices_room, alice)
    viewer = await seat(peers, alices_room, bob, role="viewer")
    await viewer.send({"type": "offer", "to": alice_peer.peer_id, "description": {"type": "offer", "sdp": SENDING_OFFER}})
    assert (await viewer.receive_type("error"))["code"] == "not-allowed"
    await viewer.send({"type": "offer", "to": alice_peer.peer_id,
                       "description": {"type": "offer", "sdp": RECEIVING_OFFER}})
    assert (await alice_peer.receive_type("offer"))["from"] == viewer.peer_id


async def test_ice_restart_requests_are_relayed_with_the_sender(peers, alice, bob, alices_room):
    alice_peer = await seat(peers, alices_room, alice)
    bob_peer = await seat(peers, alices_room, bob)
    await bob_peer.send({"type": "restart-ice", "to": alice_peer.peer_id})
    assert await alice_peer.receive_type("restart-ice") == {"type": "restart-ice", "from": bob_peer.peer_id}


async def test_a_dropped_seat_outlives_the_stale_timeout_until_its_grace_window_ends(
    peers, alice, bob, alices_room, settings
):
    settings.SIGNALLING_STALE_SECONDS = 0
    settings.SIGNALLING_RESUME_GRACE = 30
    alice_peer = await seat(peers, alices_room, alice)
    bob_peer = await seat(peers, alices_room, bob)
    await drop(bob_peer)
    await alice_peer.receive_type("peer-updated")
    await alice_peer.send({"type": "ping"})
    await alice_peer.receive_type("pong")
    await housekeeping.tick()
    assert await Participant.objects.filter(peer_id=bob_peer.peer_id, status="away").aexists()


async def test_a_message_for_bob_whose_socket_has_just_closed_marks_him_closing_instead_of_ending_his_consumer():
    # daphne raises when a socket closed between a message arriving for it and its being sent. Raised out of the
    # consumer, it cancelled Bob's other task between committing his leave and publishing it: a seq gap for all.
    from autobahn.exception import Disconnected

    from signalling.consumers import RoomConsumer

    async def closed_socket(message):
        raise Disconnected("Attempt to send on a closed protocol")

    bobs = RoomConsumer()
    bobs.base_send, bobs.closing = closed_socket, False
    await bobs.send_payload({"type": "chat", "message": {"text": "are you there?"}})
    assert bobs.closing
