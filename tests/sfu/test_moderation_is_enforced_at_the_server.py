"""In a meeting through the server, a removal and a mute are enforced by Janus, not by the client's goodwill."""

import asyncio
import json
import time

import pytest

from tests.sfu.conftest import make_room
from tests.sfu.participant import SfuParticipant

pytestmark = pytest.mark.slow


async def meet(worker, slug, names, host="Host"):
    people = [SfuParticipant(worker.ws_url, slug, f"ext:test:{host.lower()}", host, role="host")]
    people += [SfuParticipant(worker.ws_url, slug, f"ext:test:{name.lower()}", name) for name in names]
    for person in people:
        await person.join()
        await person.start_media()
    for person in people:
        for other in people:
            if other is not person:
                await person.wait_for_video_from(other.peer_id, frames=5)
    return people


async def test_a_removed_participants_video_stops_reaching_the_others_within_a_second(sfu_deployment, sfu_worker):
    slug = make_room(sfu_deployment, "Town hall")
    host, watcher, heckler = await meet(sfu_worker, slug, ["Watcher", "Heckler"])
    try:
        await host.send({"type": "remove", "peer_id": heckler.peer_id})
        removed_at = time.monotonic()
        # The heckler's own client does nothing about it: its media connection stays open on its side.
        await asyncio.sleep(1.0)
        counted = watcher.video_frames(heckler.peer_id)
        await asyncio.sleep(1.5)
        assert watcher.video_frames(heckler.peer_id) == counted, "video kept arriving after the removal"
        last = watcher.last_frame[heckler.peer_id]
        assert last - removed_at < 1.0, f"the last frame came {last - removed_at:.2f} s after the removal"
        # The others still see each other.
        await watcher.wait_for_video_from(host.peer_id, frames=10)
        await heckler.closed.wait()
        assert heckler.close_code == 4012
    finally:
        for person in (host, watcher, heckler):
            await person.leave()


async def test_a_muted_publisher_that_keeps_sending_reaches_nobody(sfu_deployment, sfu_worker):
    slug = make_room(sfu_deployment, "Seminar")
    host, listener, talker = await meet(sfu_worker, slug, ["Listener", "Talker"])
    try:
        await host.send({"type": "mute", "peer_id": talker.peer_id, "kind": "video"})
        await talker.wait_for(lambda: any(m.get("type") == "mute" for m in talker.messages), what="mute notice")
        # The talker ignores the request: its camera track keeps producing frames into the connection.
        assert talker.video_track.readyState == "live"
        sent_before = await video_packets_sent(talker)
        await asyncio.sleep(0.5)  # what Janus had already forwarded drains
        received = {p.name: p.video_frames(talker.peer_id) for p in (host, listener)}
        await asyncio.sleep(2)
        assert await video_packets_sent(talker) > sent_before + 30, "the talker stopped sending: not a fair test"
        assert {p.name: p.video_frames(talker.peer_id) for p in (host, listener)} == received
        # Its audio was not muted, and others' video still flows.
        audio = listener.frames[talker.peer_id]["audio"]
        await listener.wait_for(lambda: listener.frames[talker.peer_id]["audio"] > audio + 20, what="talker's audio")
        await listener.wait_for_video_from(host.peer_id, frames=10)
        # When the talker turns the camera on again itself, others receive it again.
        await talker.send({"type": "state", "video": True})
        await listener.wait_for_video_from(talker.peer_id, frames=10)
    finally:
        for person in (host, listener, talker):
            await person.leave()


async def video_packets_sent(person):
    stats = await person.publisher_pc.getStats()
    return sum(s.packetsSent for s in stats.values() if s.type == "outbound-rtp" and s.kind == "video")
