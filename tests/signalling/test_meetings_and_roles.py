"""How long a meeting lasts, who is seen in it, and that nothing is lost to a full channel without a resync."""

import asyncio

import pytest
from channels.db import database_sync_to_async
from channels.exceptions import ChannelFull
from channels.layers import get_channel_layer

from signalling import chat, housekeeping
from signalling.models import Meeting, Participant
from signalling.publish import apublish
from signalling.state import apply_event
from tests.signalling.conftest import seat, token_for

pytestmark = pytest.mark.django_db(transaction=True)


async def test_a_recorder_is_hidden_uncounted_and_unannounced(peers, alice, bob, alices_room):
    alices_room.max_participants = 2
    await alices_room.asave()
    alice_peer = await seat(peers, alices_room, alice)
    recorder = await peers(alices_room.slug)
    from tests.signalling_client import room_token

    welcome = await recorder.join(room_token(alices_room.slug, "recorder:1", "Recorder", role="recorder"))
    assert [p["name"] for p in welcome["roster"]] == ["Alice"]
    bob_peer = await seat(peers, alices_room, bob)  # the recorder took no seat
    assert [p["name"] for p in bob_peer.welcome["roster"]] == ["Alice"]
    assert [p["name"] for p in bob_peer.welcome["state"]["peers"]] == ["Alice", "Bob"]
    assert [m["type"] for m in await alice_peer.receive_all()] == ["peer-joined"]
    # The recorder learns of Bob and can reach him; Bob sees its offer marked as from a hidden peer.
    joined = await recorder.receive_type("peer-joined")
    await recorder.send({"type": "offer", "to": joined["peer"]["peer_id"],
                         "description": {"type": "offer", "sdp": "v=0\r\nm=audio 9 RTP/AVP 0\r\na=recvonly\r\n"}})
    offer = await bob_peer.receive_type("offer")
    assert offer["from"] == recorder.peer_id and offer["from_hidden"] is True


async def test_the_token_only_gates_joining_so_a_meeting_outlives_it(peers, alice, bob, alices_room, settings):
    settings.ROOM_TOKEN_LEEWAY = 0
    alice_peer = await seat(peers, alices_room, alice)
    bob_peer = await peers(alices_room.slug)
    await bob_peer.join(token_for(bob, alices_room, lifetime=1))
    await asyncio.sleep(1.5)
    await bob_peer.send({"type": "chat", "text": "my token has expired and I am still here"})
    assert (await alice_peer.receive_type("chat"))["message"]["name"] == "Bob"
    # A join, unlike a meeting in progress, needs a token that has not expired.
    expired = await peers(alices_room.slug)
    await expired.send({"type": "join", "token": token_for(bob, alices_room, lifetime=-10), "versions": [1]})
    assert (await expired.expect_refusal())[1] == 4101


async def test_an_empty_meeting_ends_after_the_timeout_and_the_next_join_starts_a_new_one(
    peers, alice, alices_room, settings
):
    settings.MEETING_EMPTY_TIMEOUT = 0
    alice_peer = await seat(peers, alices_room, alice)
    await alice_peer.send({"type": "chat", "text": "anyone?"})
    await alice_peer.receive_type("chat")
    first = await Meeting.objects.aget(room=alices_room, ended_at__isnull=True)
    await alice_peer.send({"type": "leave"})
    await alice_peer.communicator.receive_output(2)
    await asyncio.sleep(0.05)
    await housekeeping.tick()
    ended = await Meeting.objects.aget(pk=first.pk)
    assert ended.ended_reason == "empty"
    again = await seat(peers, alices_room, alice)
    assert again.welcome["state"]["chat"] == []
    assert (await Meeting.objects.aget(room=alices_room, ended_at__isnull=True)).pk != first.pk


async def test_events_dropped_by_a_full_channel_show_as_a_gap_and_a_resync_repairs_the_state(
    peers, alice, bob, alices_room
):
    alice_peer = await seat(peers, alices_room, alice)
    bob_peer = await seat(peers, alices_room, bob)
    await alice_peer.receive_all()
    state = bob_peer.welcome["state"]  # what Alice holds too, once she has applied Bob's peer-joined
    outboxes = await database_sync_to_async(chat.store_chat_messages)(
        [(bob_peer.peer_id, alices_room.slug, f"message {n}", None) for n in range(12)]
    )
    layer = get_channel_layer()
    alices_channel = await database_sync_to_async(
        lambda: Participant.objects.get(peer_id=alice_peer.peer_id).channel_name
    )()
    real_put, delivered = layer._put, []

    def put_on_a_channel_that_fills_up(channel, message, expires):  # where the in-process layer delivers
        if channel == alices_channel:
            if len(delivered) >= 3:
                raise ChannelFull()  # what a full channel does; group_send drops the message and says nothing
            delivered.append(message)
        real_put(channel, message, expires)

    layer._put = put_on_a_channel_that_fills_up
    try:
        for outbox, _ in outboxes:
            await apublish(outbox)
    finally:
        layer._put = real_put
    await bob_peer.send({"type": "chat", "text": "the last one"})
    received = [m for m in await alice_peer.receive_all() if m.get("seq") is not None]

    applied, gap = state, False
    for event in received:  # as a client does: apply in order; on a gap, ask for the state
        if event["seq"] != applied["seq"] + 1:
            gap = True
            break
        applied = apply_event(applied, event, 50)
    assert gap, "no event was dropped: the test did not overflow the channel"
    assert len(received) < 13
    await alice_peer.send({"type": "resync"})
    repaired = (await alice_peer.receive_type("state"))["state"]
    assert [m["text"] for m in repaired["chat"]] == [f"message {n}" for n in range(12)] + ["the last one"]
