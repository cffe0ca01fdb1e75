"""A relay may take a shorter way than a room event: to a socket of the same worker it is handed over directly,
while the event may still be on its way through Redis (from a page, the recorder, another worker). So a relay
carries the last seq its sender had seen, and the addressee holds it until it has that event too: nobody hears of an
offer before the change that led to it (the recorder's offer once reached Alice before "recording started")."""

import time

import pytest
from channels.layers import get_channel_layer
from prometheus_client import REGISTRY

from signalling import db, seats
from signalling.consumers import REORDER_SECONDS
from signalling.publish import room_event_message
from tests.signalling.test_relaying import OFFER, in_room

pytestmark = pytest.mark.django_db(transaction=True)


def held(released):
    return REGISTRY.get_sample_value("confer_signalling_held_relays_total", {"released": released}) or 0


async def a_change_only_bob_has_heard_of(room, bob_peer):
    """Bob raises his hand; the event reaches Bob's socket, and is still on its way to everyone else."""
    outbox = await db.run(seats.update_presence, bob_peer.peer_id, {"hand": True})
    message = room_event_message(outbox.events[0])
    layer = get_channel_layer()
    await layer.send(await db.run(seats.channel_of, room.pk, bob_peer.peer_id, write=False), message)
    assert (await bob_peer.receive_type("peer-updated"))["peer"]["hand"] is True
    return message


async def test_bobs_offer_reaches_alice_after_the_change_bob_had_seen_before_he_sent_it(
    peers, alice, bob, alices_room
):
    alice_peer, bob_peer = await in_room(peers, alices_room, alice, bob)
    held_before = held("event")
    on_its_way = await a_change_only_bob_has_heard_of(alices_room, bob_peer)
    await bob_peer.send({"type": "offer", "to": alice_peer.peer_id, "description": OFFER})
    await bob_peer.send({"type": "candidate", "to": alice_peer.peer_id, "candidate": None})
    assert await alice_peer.nothing_more(), "the offer overtook the change"
    alices_channel = await db.run(seats.channel_of, alices_room.pk, alice_peer.peer_id, write=False)
    await get_channel_layer().send(alices_channel, on_its_way)
    arrived = [await alice_peer.receive() for _ in range(3)]
    assert [m["type"] for m in arrived] == ["peer-updated", "offer", "candidate"]
    assert arrived[1]["from"] == bob_peer.peer_id
    assert held("event") == held_before + 2  # the operator sees it too


async def test_a_relay_whose_event_never_comes_arrives_after_a_moment(peers, alice, bob, alices_room):
    alice_peer, bob_peer = await in_room(peers, alices_room, alice, bob)
    timed_out_before = held("timeout")
    await a_change_only_bob_has_heard_of(alices_room, bob_peer)  # and lost on its way to Alice
    started = time.monotonic()
    await bob_peer.send({"type": "offer", "to": alice_peer.peer_id, "description": OFFER})
    offer = await alice_peer.receive_type("offer", timeout=5)
    assert offer["from"] == bob_peer.peer_id
    assert time.monotonic() - started >= REORDER_SECONDS * 0.9
    assert held("timeout") == timed_out_before + 1
    # Alice's client sees no gap in the seqs yet; her next event shows it, and she resyncs as for any lost event.


async def test_relays_of_a_sender_who_is_up_to_date_go_straight_through(peers, alice, bob, alices_room):
    alice_peer, bob_peer = await in_room(peers, alices_room, alice, bob)
    started = time.monotonic()
    await bob_peer.send({"type": "offer", "to": alice_peer.peer_id, "description": OFFER})
    assert (await alice_peer.receive())["type"] == "offer"
    assert time.monotonic() - started < REORDER_SECONDS
