"""A layer asked for before a subscriber's connection is up reaches Janus only once it is up: Janus asks the
publisher for a keyframe on every layer change, and one asked for too early reaches nobody and makes Chromium
ignore the request that matters for 300 ms (docs/performance.md, "Why the first frame took 300 ms after DTLS")."""

import asyncio

import pytest
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription

from sfu.backend import SubscribedStream
from sfu.janus import JanusBackend
from tests.recordings.publisher import MovingBar

pytestmark = pytest.mark.slow


async def test_a_layer_asked_for_before_the_connection_is_up_is_sent_when_it_is(janus):
    backend = JanusBackend((janus.url,), janus.token_secret, janus.admin_key)
    feeds_seen = asyncio.Event()
    alice = backend.session(janus.url, "confer-layers", "alice", "Alice", lambda event: None)
    bob = backend.session(janus.url, "confer-layers", "bob", "Bob",
                          lambda event: feeds_seen.set() if event["type"] == "feeds" and event["feeds"] else None)
    publisher = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    subscriber = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    try:
        await alice.join()
        publisher.addTrack(MovingBar())
        await publisher.setLocalDescription(await publisher.createOffer())
        answer = await alice.publish(publisher.localDescription.sdp)
        await publisher.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
        await bob.join()
        await asyncio.wait_for(feeds_seen.wait(), 10)

        offer = await bob.subscribe("main", [SubscribedStream("alice", "video")])
        subscription = bob.subscriptions["main"]
        configures = []
        configured = asyncio.Event()
        message = bob.connection.message

        async def watched(handle, body, **options):
            if handle == subscription.handle and body.get("request") == "configure":
                configures.append((body["streams"], getattr(subscription, "up", None)))
                configured.set()
            return await message(handle, body, **options)

        bob.connection.message = watched
        mid = offer["streams"][0]["mid"]
        await bob.configure("main", mid, 1)
        assert configures == [], "the layer went to Janus before the subscriber's connection was up"

        await subscriber.setRemoteDescription(RTCSessionDescription(**offer["description"]))
        await subscriber.setLocalDescription(await subscriber.createAnswer())
        await bob.answer("main", subscriber.localDescription.sdp)
        await asyncio.wait_for(configured.wait(), 20)
        assert configures == [([{"mid": mid, "substream": 1}], True)]

        # Once the connection is up, a layer goes to Janus at once.
        await bob.configure("main", mid, 0)
        assert configures[-1] == ([{"mid": mid, "substream": 0}], True)
    finally:
        for pc in (publisher, subscriber):
            await pc.close()
        for session in (bob, alice):
            await session.close()
        for connection in backend.connections.values():
            await connection.close()
