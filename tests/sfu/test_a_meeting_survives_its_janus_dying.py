"""Several Janus instances: a meeting goes to the least loaded one and stays there; when that one dies, the meeting
moves to another and everyone's video plays again within 10 seconds, without anyone joining again."""

import asyncio
import time

import pytest

from tests.janus_server import JanusServer
from tests.servers import Deployment
from tests.sfu.conftest import make_room, sfu_env
from tests.sfu.participant import SfuParticipant

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def two_janus(tmp_path_factory):
    first = JanusServer(tmp_path_factory.mktemp("janus-a")).start()
    second = JanusServer(tmp_path_factory.mktemp("janus-b"), token_secret=first.token_secret,
                         admin_key=first.admin_key).start()
    yield first, second
    first.stop()
    second.stop()


@pytest.fixture(scope="module")
def failover_worker(tmp_path_factory, redis_server, two_janus):
    deployment = Deployment(tmp_path_factory.mktemp("failover"), redis_url=redis_server.url,
                            extra_env=sfu_env(*two_janus)).setup()
    worker = deployment.start_worker()
    yield deployment, worker
    deployment.stop()


def instance_of(deployment, slug):
    return deployment.run_python(
        "import json\nfrom signalling.models import Meeting\n"
        f"print(json.dumps(Meeting.objects.get(room__slug={slug!r}, ended_at__isnull=True).media_instance))")


async def test_meetings_spread_over_instances_and_move_when_theirs_is_killed(failover_worker, two_janus):
    deployment, worker = failover_worker
    by_url = {server.url: server for server in two_janus}
    rooms = [make_room(deployment, f"Room {n}") for n in range(2)]
    people = []
    try:
        for slug in rooms:
            pair = [SfuParticipant(worker.ws_url, slug, f"ext:test:{slug}-{n}", f"P{n}") for n in range(2)]
            for person in pair:
                await person.join()
                await person.start_media()
            people.append(pair)
        for first, second in people:
            await first.wait_for_video_from(second.peer_id)
            await second.wait_for_video_from(first.peer_id)
        placed = [await asyncio.to_thread(instance_of, deployment, slug) for slug in rooms]
        assert sorted(placed) == sorted(by_url), "two meetings, two instances: each went to the least loaded"

        doomed = by_url[placed[0]]
        first, second = people[0]
        doomed.kill()
        killed_at = time.monotonic()
        await first.wait_for_video_from(second.peer_id, frames=10, timeout=10)
        await second.wait_for_video_from(first.peer_id, frames=10, timeout=10)
        took = time.monotonic() - killed_at
        assert took < 10, f"video came back after {took:.1f} s"
        assert first.resets == 1 and second.resets == 1
        assert await asyncio.to_thread(instance_of, deployment, rooms[0]) == placed[1]
        # The other meeting never noticed.
        third, fourth = people[1]
        assert third.resets == 0
        await third.wait_for_video_from(fourth.peer_id)
        print(f"video back {took:.2f} s after SIGKILL")
    finally:
        for pair in people:
            for person in pair:
                await person.leave()
