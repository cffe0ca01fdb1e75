"""A deployment with Redis, one daphne worker and recorder processes, and a way to drive it through the REST API."""

import asyncio
import json
import time
import urllib.error
import urllib.request

import av
import pytest

from tests.recorder_process import RecorderProcess
from tests.servers import Deployment

LOOPBACK = ["127.0.0.1"]
RECORDER_ENV = {
    "RECORDER_ICE_HOST_ADDRESSES": "127.0.0.1",  # a loopback-only test host: never gather anything else
    "RECORDER_HEARTBEAT_SECONDS": "1",
    "RECORDER_START_TIMEOUT": "10",
    "SIGNALLING_HEARTBEAT_SECONDS": "2",
    # Recorders compose only in the tests about composing: ffmpeg would take the CPU other tests measure.
    "RECORDER_COMPOSES": "0",
}


@pytest.fixture(autouse=True)
def loopback_candidates(monkeypatch):
    """The test's own aiortc peers gather host candidates on 127.0.0.1 only (aioice leaves it out by default)."""
    import aioice.ice

    monkeypatch.setattr(aioice.ice, "get_host_addresses", lambda use_ipv4, use_ipv6: list(LOOPBACK))


@pytest.fixture(scope="module")
def media_root(tmp_path_factory):
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="module")
def deployment(tmp_path_factory, redis_server, media_root):
    deployment = Deployment(
        tmp_path_factory.mktemp("recording"), redis_url=redis_server.url,
        extra_env={**RECORDER_ENV, "MEDIA_ROOT": str(media_root)},
    ).setup()
    yield deployment
    deployment.stop()


@pytest.fixture(scope="module")
def worker(deployment):
    return deployment.start_worker()


@pytest.fixture(scope="module")
def api(deployment, worker):
    """Alice's service, holding an API key of hers: it starts and stops recordings of her rooms."""
    deployment.create_user("alice", "alice-password-1", "Alice")
    key = deployment.manage("create_api_key", "Recording tests", "--user", "alice").strip().splitlines()[-1]
    return Api(worker.base_url, key, deployment)


@pytest.fixture
def recorder(deployment, worker):
    process = RecorderProcess(deployment, worker).start()
    yield process
    process.stop()


class Api:
    def __init__(self, base_url, key, deployment):
        self.base_url = base_url
        self.key = key
        self.deployment = deployment

    def call(self, method, path, body=None):
        request = urllib.request.Request(
            self.base_url + path, method=method, data=json.dumps(body).encode() if body is not None else None,
            headers={"Authorization": f"Api-Key {self.key}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def new_room(self, name):
        status, room = self.call("POST", "/api/v1/rooms/", {"name": name})
        assert status == 201, room
        return room["slug"]

    def start(self, slug):
        return self.call("POST", f"/api/v1/rooms/{slug}/recording/")

    def stop(self, slug):
        return self.call("DELETE", f"/api/v1/rooms/{slug}/recording/")

    def recordings(self, slug):
        status, body = self.call("GET", f"/api/v1/rooms/{slug}/recordings/")
        assert status == 200, body
        return body

    def recording(self, slug, recording_id):
        status, body = self.call("GET", f"/api/v1/rooms/{slug}/recordings/{recording_id}/")
        assert status == 200, body
        return body

    def wait_for(self, slug, recording_id, statuses, timeout=20):
        """Return the recording once its status is one of these."""
        deadline = time.monotonic() + timeout
        while True:
            recording = self.recording(slug, recording_id)
            if recording["status"] in statuses:
                return recording
            if time.monotonic() > deadline:
                raise TimeoutError(f"recording {recording_id} stayed {recording['status']}: {recording}")
            time.sleep(0.2)

    def download(self, url):
        request = urllib.request.Request(url, headers={"Authorization": f"Api-Key {self.key}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.headers, response.read()


async def in_thread(function, *args):
    """Run a blocking call (HTTP, a subprocess) without stopping the media of the test's own peers."""
    return await asyncio.to_thread(function, *args)


def probe(path):
    """Reopen a recorded file: return {kind: (codec, decoded frames, first time, last time)} and its size."""
    with av.open(str(path)) as container:
        streams = {stream.type: stream for stream in container.streams}
        found = {kind: [stream.codec_context.name, 0, None, None] for kind, stream in streams.items()}
        for frame in container.decode(*container.streams):
            kind = "audio" if isinstance(frame, av.AudioFrame) else "video"
            entry = found[kind]
            entry[1] += 1
            if frame.time is not None:
                entry[2] = frame.time if entry[2] is None else min(entry[2], frame.time)
                entry[3] = frame.time if entry[3] is None else max(entry[3], frame.time)
    return {kind: tuple(entry) for kind, entry in found.items()}


def file_path(media_root, slug, recording, described):
    return media_root / "recordings" / slug / str(recording["id"]) / described["name"]


def assert_recorded(path, seconds, tolerance=1.5):
    """Check a file holds Opus audio and VP8 video of about `seconds`, with a plausible number of frames."""
    streams = probe(path)
    assert set(streams) == {"audio", "video"}, streams
    (audio_codec, audio_frames, _, audio_end), (video_codec, video_frames, _, video_end) = (
        streams["audio"], streams["video"],
    )
    assert (audio_codec, video_codec) == ("opus", "vp8"), streams
    assert abs(video_end - seconds) <= tolerance, (seconds, streams)
    assert abs(audio_end - seconds) <= tolerance, (seconds, streams)
    # 30 fps and 50 Opus frames a second were sent; demand well over a third of them.
    assert video_frames >= 12 * (seconds - tolerance), (seconds, streams)
    assert audio_frames >= 20 * (seconds - tolerance), (seconds, streams)
    return streams


def wait_for_composition(api, slug, recording_id, timeout=180):
    """Return the recording once its composition is done or failed."""
    deadline = time.monotonic() + timeout
    while True:
        recording = api.recording(slug, recording_id)
        composition = recording["composition"]
        if composition and composition["status"] in ("done", "failed"):
            return recording
        if time.monotonic() > deadline:
            raise TimeoutError(f"recording {recording_id} was not composed: {composition}")
        time.sleep(0.5)


def mean_colour(frame, left=0.0, top=0.0, right=1.0, bottom=1.0):
    """Return the mean (R, G, B) of a decoded video frame within a box given in fractions of its size."""
    picture = frame.reformat(format="rgb24")
    plane = picture.planes[0]
    data, stride = bytes(plane), plane.line_size
    x0, x1 = int(left * picture.width), int(right * picture.width)
    y0, y1 = int(top * picture.height), int(bottom * picture.height)
    sums, count = [0, 0, 0], (x1 - x0) * (y1 - y0)
    for y in range(y0, y1):
        row = data[y * stride + 3 * x0:y * stride + 3 * x1]
        for channel in range(3):
            sums[channel] += sum(row[channel::3])
    return tuple(value / count for value in sums)


def colour_distance(a, b):
    return sum((x - y) ** 2 for x, y in zip(a, b)) ** 0.5


def frame_at(path, seconds):
    """Return the first decoded video frame at or after this time."""
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            if frame.time is not None and frame.time >= seconds:
                return frame
    raise AssertionError(f"{path} has no video frame at {seconds} s")


async def until(condition, timeout=10):
    """Wait (without blocking the test's own peers) until condition() is true."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("the condition never held")
        await asyncio.sleep(0.05)
