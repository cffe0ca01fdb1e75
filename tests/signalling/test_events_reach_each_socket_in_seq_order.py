"""Changes commit on several database threads (and workers), so their events may be published out of order; each
socket puts them back in seq order before sending, and waits only a moment for one that never comes."""

import time

import pytest

from signalling import db, seats
from signalling.publish import apublish
from tests.signalling.conftest import seat

pytestmark = pytest.mark.django_db(transaction=True)


async def test_events_published_out_of_order_arrive_in_order(peers, alice, bob, alices_room):
    alice_peer = await seat(peers, alices_room, alice)
    bob_peer = await seat(peers, alices_room, bob)
    await alice_peer.receive_all()
    first = await db.run(seats.update_presence, bob_peer.peer_id, {"hand": True})
    second = await db.run(seats.update_presence, bob_peer.peer_id, {"audio": True})
    await apublish(second)
    await apublish(first)
    updates = [await alice_peer.receive_type("peer-updated") for _ in range(2)]
    assert [u["seq"] for u in updates] == [first.events[0]["seq"], second.events[0]["seq"]]
    assert [u["peer"]["hand"] for u in updates] == [True, True]


async def test_an_event_whose_predecessor_never_comes_is_sent_after_a_moment_and_the_client_resyncs(
    peers, alice, bob, alices_room
):
    alice_peer = await seat(peers, alices_room, alice)
    bob_peer = await seat(peers, alices_room, bob)
    await alice_peer.receive_all()
    await db.run(seats.update_presence, bob_peer.peer_id, {"hand": True})  # its event is lost on the way
    later = await db.run(seats.update_presence, bob_peer.peer_id, {"audio": True})
    started = time.monotonic()
    await apublish(later)
    event = await alice_peer.receive_type("peer-updated", timeout=3)
    assert event["seq"] == later.events[0]["seq"]
    assert 0.2 <= time.monotonic() - started < 2
    await alice_peer.send({"type": "resync"})
    state = (await alice_peer.receive_type("state"))["state"]
    assert state["seq"] == later.events[0]["seq"]
    assert [p["hand"] for p in state["peers"] if p["peer_id"] == bob_peer.peer_id] == [True]
