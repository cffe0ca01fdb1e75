"""What happens to a recording when the recorder is stopped, crashes, hits a limit, or is asked twice."""

import asyncio
import time

import pytest

from tests.recorder_process import RecorderProcess
from tests.recordings.conftest import assert_recorded, file_path, in_thread, probe, until
from tests.recordings.publisher import Publisher

pytestmark = pytest.mark.slow


@pytest.fixture
def start_recorder(deployment, worker):
    """Start recorder processes with settings of their own; stop by PID whatever the test left running."""
    started = []

    def start(**env):
        process = RecorderProcess(deployment, worker, **env).start()
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()


async def recorded_for(api, slug, seconds):
    _, recording = await in_thread(api.start, slug)
    recording = await in_thread(api.wait_for, slug, recording["id"], {"recording"})
    await asyncio.sleep(seconds)
    return recording


async def test_sigterm_finishes_the_files_and_then_starting_fails_at_once_with_no_recorder(
    api, worker, start_recorder, media_root
):
    recorder = start_recorder()
    slug = await in_thread(api.new_room, "Shut down")
    alice = await Publisher(worker.ws_url, slug, "user:1", "Alice", role="host").join()
    try:
        recording = await recorded_for(api, slug, 3)
        assert await in_thread(recorder.terminate) == 0
        recording = await in_thread(api.recording, slug, recording["id"])
        await until(lambda: not alice.recording_announced)

        began = time.monotonic()
        status, refusal = await in_thread(api.start, slug)
        assert time.monotonic() - began < 2
        assert (status, refusal["code"]) == (409, "no-recorder"), refusal
        assert "python manage.py recorder" in refusal["detail"]
    finally:
        await alice.leave()

    assert (recording["status"], recording["stop_reason"]) == ("done", "shutdown"), recording
    [described] = recording["files"]
    path = file_path(media_root, slug, recording, described)
    assert_recorded(path, 3, tolerance=1.5)
    import av

    with av.open(str(path)) as container:
        assert container.duration is not None  # the Matroska trailer was written: the file was finished


async def test_a_killed_recorder_leaves_a_playable_file_and_its_recording_is_marked_failed(
    api, worker, start_recorder, media_root
):
    recorder = start_recorder()
    slug = await in_thread(api.new_room, "Crash")
    alice = await Publisher(worker.ws_url, slug, "user:1", "Alice", role="host").join()
    try:
        recording = await recorded_for(api, slug, 3)
        recorder.kill()
        await asyncio.sleep(4.5)  # three missed heartbeats of a second, and one more
        status, refusal = await in_thread(api.start, slug)
        assert (status, refusal["code"]) == (409, "no-recorder"), refusal
        recording = await in_thread(api.recording, slug, recording["id"])
        await until(lambda: not alice.recording_announced)
    finally:
        await alice.leave()

    assert (recording["status"], recording["stop_reason"]) == ("failed", "recorder-lost"), recording
    assert "stopped unexpectedly" in recording["error"]
    [described] = recording["files"]
    streams = probe(file_path(media_root, slug, recording, described))
    assert streams["video"][0] == "vp8" and streams["video"][1] >= 30, streams  # up to about a second before the kill
    assert streams["audio"][0] == "opus" and streams["audio"][3] >= 1.5, streams
    assert described["size"] > 0


async def test_starting_twice_is_refused_and_start_stop_start_in_a_rush_leaves_no_recorder_behind(
    api, deployment, worker, start_recorder
):
    start_recorder()
    slug = await in_thread(api.new_room, "Rush")
    alice = await Publisher(worker.ws_url, slug, "user:1", "Alice", role="host").join()
    try:
        first_status, first = await in_thread(api.start, slug)
        second_status, refusal = await in_thread(api.start, slug)
        assert first_status == 201
        assert (second_status, refusal["code"]) == (409, "already-recording")
        ids = [first["id"]]
        for _ in range(2):
            assert (await in_thread(api.stop, slug))[0] == 202
            status, again = await in_thread(api.start, slug)
            assert status == 201, again
            ids.append(again["id"])
        assert (await in_thread(api.stop, slug))[0] == 202
        status, refusal = await in_thread(api.stop, slug)
        assert (status, refusal["code"]) == (409, "not-recording")
        finished = [await in_thread(api.wait_for, slug, pk, {"done", "failed"}) for pk in ids]
        await until(lambda: not alice.recording_announced)
        recorders_in_room = lambda: deployment.run_python(  # noqa: E731
            "import json\nfrom signalling.models import Participant\n"
            f"print(json.dumps(Participant.objects.filter(room__slug={slug!r}, role='recorder').count()))"
        )
        assert await in_thread(recorders_in_room) == 0
    finally:
        await alice.leave()
    assert [r["status"] for r in finished] == ["done"] * 3, finished


async def test_the_duration_cap_stops_the_recording_with_a_clear_status(api, worker, start_recorder, media_root):
    start_recorder(RECORDER_MAX_SECONDS="2")
    slug = await in_thread(api.new_room, "Capped")
    alice = await Publisher(worker.ws_url, slug, "user:1", "Alice", role="host").join()
    try:
        _, recording = await in_thread(api.start, slug)
        recording = await in_thread(api.wait_for, slug, recording["id"], {"done", "failed"})
    finally:
        await alice.leave()
    assert (recording["status"], recording["stop_reason"]) == ("done", "duration-limit"), recording
    assert "RECORDER_MAX_SECONDS" in recording["error"]
    [described] = recording["files"]
    assert probe(file_path(media_root, slug, recording, described))["video"][1] > 0


async def test_a_nearly_full_disk_stops_the_recording_as_failed(api, worker, start_recorder):
    start_recorder(RECORDER_MIN_FREE_BYTES=str(10**18))
    slug = await in_thread(api.new_room, "Full disk")
    alice = await Publisher(worker.ws_url, slug, "user:1", "Alice", role="host").join()
    try:
        _, recording = await in_thread(api.start, slug)
        recording = await in_thread(api.wait_for, slug, recording["id"], {"done", "failed"})
        await until(lambda: not alice.recording_announced)
    finally:
        await alice.leave()
    assert (recording["status"], recording["stop_reason"]) == ("failed", "disk-full"), recording
    assert "disk is almost full" in recording["error"]
