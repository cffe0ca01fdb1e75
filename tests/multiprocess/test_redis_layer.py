"""The Redis channel layers: many sends at once wait for a connection, pub/sub keeps order, queues keep requests."""

import asyncio

import pytest

from recordings import service
from signalling.layers import ResilientRedisChannelLayer, SignallingRedisChannelLayer

pytestmark = pytest.mark.slow


def test_five_hundred_sends_at_once_all_arrive_through_a_pool_of_twenty_connections(redis_server):
    async def scenario():
        layer = ResilientRedisChannelLayer(hosts=[redis_server.url], max_connections=20, capacity=1000)
        channels = [await layer.new_channel() for _ in range(50)]
        try:
            await asyncio.gather(*(
                layer.send(channels[n % 50], {"type": "peer.relay", "n": n}) for n in range(500)
            ))
            received = []
            for channel in channels:
                for _ in range(10):
                    received.append((await asyncio.wait_for(layer.receive(channel), 5))["n"])
            return sorted(received)
        finally:
            await layer.flush()
            await layer.close_pools()

    assert asyncio.run(scenario()) == list(range(500))


def test_a_thousand_messages_to_one_socket_and_its_room_arrive_in_the_order_they_were_sent(redis_server):
    async def scenario():
        layer = SignallingRedisChannelLayer(hosts=[redis_server.url])
        alices, bobs = await layer.new_channel(), await layer.new_channel()
        await layer.group_add("room.standup", alices)
        await layer.group_add("room.standup", bobs)
        try:
            # Sent the way a busy worker sends: many at once, each handed to the layer in turn.
            await asyncio.gather(*(
                layer.send(alices, {"type": "peer.relay", "n": n}) if n % 2 else
                layer.group_send("room.standup", {"type": "room.event", "n": n})
                for n in range(1000)
            ))
            alice_got = [(await asyncio.wait_for(layer.receive(alices), 5))["n"] for _ in range(1000)]
            bob_got = [(await asyncio.wait_for(layer.receive(bobs), 5))["n"] for _ in range(500)]
            return alice_got, bob_got
        finally:
            await layer.flush()

    alice_got, bob_got = asyncio.run(scenario())
    assert alice_got == list(range(1000))
    assert bob_got == list(range(0, 1000, 2))


def test_work_queues_stay_on_channels_redis_so_a_request_waits_for_whoever_reads_it_first(redis_server):
    async def scenario():
        layer = SignallingRedisChannelLayer(hosts=[redis_server.url])
        try:
            await layer.send(service.REQUESTS_CHANNEL, {"type": "recording.start", "recording_id": 7})
            return await asyncio.wait_for(layer.receive(service.REQUESTS_CHANNEL), 5)  # read after it was sent
        finally:
            await layer.flush()

    assert asyncio.run(scenario())["recording_id"] == 7
