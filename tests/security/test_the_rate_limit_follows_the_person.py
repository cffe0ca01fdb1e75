"""Finding 9: 42 reconnects with one token in 5 s delivered 8,228 relays to one victim, against a documented
50/s. The rate limit follows the token's identity, not the socket."""

import pytest

from tests.signalling.conftest import seat, token_for

pytestmark = pytest.mark.django_db(transaction=True)


async def test_reconnecting_does_not_refill_the_bucket(peers, alice, bob, alices_room, settings):
    settings.SIGNALLING_RATE = 1
    settings.SIGNALLING_BURST = 10
    settings.SIGNALLING_FLOOD_LIMIT = 1000
    victim = await seat(peers, alices_room, alice)
    sent = 0
    for _ in range(5):  # five sockets in turn, one identity, a fresh token each time
        flooder = await peers(alices_room.slug)
        await flooder.join(token_for(bob, alices_room))
        for _ in range(10):
            await flooder.send({"type": "restart-ice", "to": victim.peer_id})
            sent += 1
        await flooder.send({"type": "leave"})
        await flooder.communicator.wait()
    relayed = [m for m in await victim.receive_all() if m["type"] == "restart-ice"]
    # The joins and leaves draw on the same bucket; a few seconds may have refilled a few tokens.
    assert sent == 50 and len(relayed) <= 15, len(relayed)
