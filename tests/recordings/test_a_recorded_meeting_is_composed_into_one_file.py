"""A real recorder records Alice (red) and Bob (blue, who joins later); its composer makes one MP4 of the meeting."""

import asyncio

import av
import pytest

from tests.recorder_process import RecorderProcess
from tests.recordings.conftest import (
    colour_distance, file_path, frame_at, in_thread, mean_colour, wait_for_composition,
)
from tests.recordings.publisher import COLOURS_RGB, Publisher

pytestmark = pytest.mark.slow

ALONE_SECONDS = 4
TOGETHER_SECONDS = 4
CENTRE = dict(left=0.35, top=0.3, right=0.65, bottom=0.7)
LEFT_TILE = dict(left=0.1, top=0.35, right=0.4, bottom=0.65)
RIGHT_TILE = dict(left=0.6, top=0.35, right=0.9, bottom=0.65)


@pytest.fixture
def composing_recorder(deployment, worker):
    process = RecorderProcess(deployment, worker, RECORDER_COMPOSES="1").start()
    yield process
    process.stop()


async def wait_sending(person):
    while not (person.videos and person.videos[0].first_sent):
        await asyncio.sleep(0.05)


async def test_the_composed_file_lasts_the_meeting_and_its_grid_follows_who_was_there(
    api, worker, composing_recorder, media_root, tmp_path
):
    slug = await in_thread(api.new_room, "Composed")
    alice = await Publisher(worker.ws_url, slug, "user:1", "Alice", role="host", colour="red").join()
    people = [alice]
    try:
        _, recording = await in_thread(api.start, slug)
        await in_thread(api.wait_for, slug, recording["id"], {"recording"}, 30)
        await wait_sending(alice)
        await asyncio.sleep(ALONE_SECONDS)
        bob = await Publisher(worker.ws_url, slug, "user:2", "Bob", colour="blue").join()
        people.append(bob)
        await wait_sending(bob)
        await asyncio.sleep(TOGETHER_SECONDS)
        for person in people:
            await person.leave()
        await in_thread(api.stop, slug)
        await in_thread(api.wait_for, slug, recording["id"], {"done"}, 60)
        recording = await in_thread(wait_for_composition, api, slug, recording["id"])
    finally:
        for person in people:
            await person.leave()

    composition = recording["composition"]
    assert composition["status"] == "done", composition
    assert composition["progress"] == 100
    _, body = await in_thread(api.download, composition["download_url"])
    composed = tmp_path / "composed.mp4"
    composed.write_bytes(body)
    assert len(body) == composition["size"]

    meeting = max(p.videos[0].last_sent for p in people) - alice.videos[0].first_sent
    with av.open(str(composed)) as container:
        kinds = sorted(stream.type for stream in container.streams)
        seconds = container.duration / 1_000_000
    assert kinds == ["audio", "video"]
    assert abs(seconds - meeting) <= 0.05 * meeting, (seconds, meeting)
    assert abs(composition["duration"] - seconds) < 0.1

    files = {f["participant_name"]: f for f in recording["files"]}
    from datetime import datetime

    def started(name):
        return datetime.fromisoformat(files[name]["started_at"].replace("Z", "+00:00"))

    bob_joined = (started("Bob") - started("Alice")).total_seconds()
    assert ALONE_SECONDS - 0.5 < bob_joined < ALONE_SECONDS + 3, bob_joined

    # While only Alice was there, the picture is hers: the same colour as her own file at that moment.
    alone = ALONE_SECONDS / 2
    composed_alone = mean_colour(frame_at(composed, alone), **CENTRE)
    her_own = mean_colour(frame_at(file_path(media_root, slug, recording, files["Alice"]), alone), **CENTRE)
    assert colour_distance(composed_alone, her_own) < 40, (composed_alone, her_own)
    assert colour_distance(composed_alone, COLOURS_RGB["red"]) < colour_distance(composed_alone, COLOURS_RGB["blue"])
    assert colour_distance(mean_colour(frame_at(composed, alone), **RIGHT_TILE), COLOURS_RGB["red"]) < 90

    # Once Bob joined, the grid has two tiles: Alice on the left, Bob on the right.
    together = bob_joined + TOGETHER_SECONDS / 2
    frame = frame_at(composed, together)
    left, right = mean_colour(frame, **LEFT_TILE), mean_colour(frame, **RIGHT_TILE)
    assert colour_distance(left, COLOURS_RGB["red"]) < 90, left
    assert colour_distance(right, COLOURS_RGB["blue"]) < 90, right
