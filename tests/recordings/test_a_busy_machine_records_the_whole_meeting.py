"""A recorder on a machine busy with other work still records the meeting for as long as it lasted.

The CPU hogs are `yes` processes started by the test and killed by PID. Two people send 640x480 VP8 (a test
picture encoded once beforehand, so the senders cost little) and a tone for ten seconds; each file, reopened with
PyAV, must last as long as they sent, within 5 %.
"""

import asyncio
import contextlib
import os
import subprocess
import sys
from pathlib import Path

import av
import pytest

from tests.recorder_process import RecorderProcess
from tests.recordings.conftest import RECORDER_ENV, file_path, in_thread, probe
from tests.recordings.publisher import PacketVideo, Publisher, encoded_clip
from tests.servers import Deployment

pytestmark = pytest.mark.slow

SENDING_SECONDS = 10
TOLERANCE = 0.05


def start_hogs(count, prefix=()):
    return [subprocess.Popen([*prefix, "yes"], stdout=subprocess.DEVNULL) for _ in range(count)]


def stop_hogs(hogs):
    for hog in hogs:
        hog.kill()
        hog.wait()


@pytest.fixture(scope="module")
def deployment(tmp_path_factory, redis_server, media_root):
    """As conftest's, but a recorder counts as dead only after 16 s without a heartbeat: a starved one beats late."""
    deployment = Deployment(
        tmp_path_factory.mktemp("recording"), redis_url=redis_server.url,
        extra_env={**RECORDER_ENV, "MEDIA_ROOT": str(media_root), "RECORDER_HEARTBEAT_SECONDS": "5"},
    ).setup()
    yield deployment
    deployment.stop()


def set_priority(pid, niceness):
    """Set every thread of a process to this niceness (Linux keeps it per thread)."""
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, int(task.name), niceness)


# These tests make the machine busy in a measured way. When other work already takes most of it (several test
# suites at once on a shared machine), the recorder and this process get an unknown and far smaller share.
PROBE = """
import time
wall, cpu = time.monotonic(), time.process_time()
while time.monotonic() - wall < 1.0:
    pass
print((time.process_time() - cpu) / (time.monotonic() - wall))
"""
MIN_SHARE = 0.2  # of a core, for a new process spinning for a second: with 2 cores, about 9 other busy tasks


@pytest.fixture(autouse=True)
def not_already_overloaded():
    share = float(subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True).stdout)
    if share < MIN_SHARE:
        pytest.skip(f"the machine is already overloaded by other work (a new process got {share:.0%} of a core "
                    "for a second): how busy it is cannot be controlled")


@pytest.fixture(autouse=True)
def senders_first(worker):
    """The senders (this process) and daphne run ahead of everything else, so that on a machine other work has
    loaded too they still send in real time, and what is measured is the recorder. Needs root; else a no-op."""
    if os.geteuid() != 0:
        yield
        return
    for pid in (os.getpid(), worker.process.pid):
        set_priority(pid, -10)
    yield
    for pid in (os.getpid(), worker.process.pid):
        set_priority(pid, 0)


@pytest.fixture
def hogs():
    started = []
    yield lambda count, prefix=(): started.extend(start_hogs(count, prefix)) or started
    stop_hogs(started)


@pytest.fixture
def start_recorder(deployment, worker):
    started = []

    def start(prefix=(), **env):
        process = RecorderProcess(deployment, worker, prefix=prefix, **env).start()
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    # A keyframe every third of a second: after a packet the starved recorder lost, the picture comes back at once.
    return encoded_clip(tmp_path_factory.mktemp("clip") / "clip.webm", keyframe_every=10)


async def record_two_people(api, worker, media_root, name, clip):
    """Alice and Bob send for SENDING_SECONDS while recorded; return the recording and, per person, how much
    sound and picture they sent, how long their file lasts and what it holds."""
    slug = await in_thread(api.new_room, name)
    video = lambda: PacketVideo(clip)  # noqa: E731  (640x480 VP8, encoded once: the senders cost little)
    alice = await Publisher(worker.ws_url, slug, "user:1", "Alice", role="host", make_video=video).join()
    bob = await Publisher(worker.ws_url, slug, "user:2", "Bob", make_video=video).join()
    people = [alice, bob]
    try:
        _, recording = await in_thread(api.start, slug)
        await in_thread(api.wait_for, slug, recording["id"], {"recording"}, 60)
        for person in people:  # until the recorder's connection carries their media
            while not (person.videos and person.videos[0].first_sent):
                await asyncio.sleep(0.05)
        await asyncio.sleep(SENDING_SECONDS)
        for person in people:
            await person.leave()
        await in_thread(api.stop, slug)
        recording = await in_thread(api.wait_for, slug, recording["id"], {"done", "failed"}, 120)
    finally:
        for person in people:
            await person.leave()
    assert (recording["status"], recording["stop_reason"]) == ("done", "requested"), recording

    results = {}
    for person in people:
        [described] = [f for f in recording["files"] if f["participant_name"] == person.name]
        path = file_path(media_root, slug, recording, described)
        with av.open(str(path)) as container:
            container_seconds = container.duration / 1_000_000
        described["path"] = path
        results[person.name] = (person.media_seconds, container_seconds, probe(path), described)
    return recording, results


def assert_as_long_as_sent(results):
    """Each file's sound and picture last as long as the person sent them (the wall time they were sending, unless
    the test's own process was too starved to send in real time: then what its tracks made)."""
    for name, ((sound, picture), container_seconds, streams, described) in results.items():
        sent = {"audio": sound, "video": picture}
        assert picture > 0.9 * SENDING_SECONDS and sound > 0.5 * SENDING_SECONDS, (name, sent)
        for kind in ("audio", "video"):
            _, frames, first, last = streams[kind]
            assert abs((last - first) - sent[kind]) <= TOLERANCE * sent[kind], (name, kind, sent, streams)
        longest = max(sound, picture)
        assert abs(container_seconds - longest) <= TOLERANCE * longest, (name, sent, container_seconds, described)
        # Sound has no holes: 50 Opus frames a second, received or filled with silence.
        assert streams["audio"][1] >= 50 * sound * (1 - TOLERANCE), (name, streams)


async def test_a_recording_made_beside_cpu_hogs_lasts_as_long_as_the_people_sent(
    api, worker, start_recorder, media_root, hogs, clip
):
    start_recorder()
    hogs(3)  # with the two publishers, daphne and the recorder: a load of about 6 on 2 cores
    recording, results = await record_two_people(api, worker, media_root, "Busy machine", clip)

    assert_as_long_as_sent(results)
    for _, _, streams, described in results.values():
        # The video is there too, not a single held picture: most frames sent arrive (30 a second were sent).
        assert streams["video"][1] >= 10 * SENDING_SECONDS, streams


async def test_a_recorder_starved_of_cpu_says_it_fell_behind_and_still_records_the_whole_meeting(
    api, worker, start_recorder, media_root, hogs, clip
):
    # The recorder shares one core with three hogs at a lower priority (nice 10): it gets a small share of that
    # core, less than encoding two 640x480 streams at 30 frames a second needs.
    one_core = ["taskset", "-c", "0"]
    start_recorder(prefix=[*one_core, "nice", "-n", "10"])
    hogs(3, prefix=one_core)
    recording, results = await record_two_people(api, worker, media_root, "Starved recorder", clip)

    assert recording["fell_behind"] is True, recording
    assert_as_long_as_sent(results)
    for _, _, streams, described in results.values():
        # The recorder skipped video to keep up (the skipped time holds the picture before it) and says so.
        assert described["dropped_video_frames"] > 0, described
        assert described["max_lag"] > 0, described
