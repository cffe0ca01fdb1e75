"""Alice shares her screen in a recorded meeting through the server: the recorder subscribes to it at Janus and
writes it to a file of its own labelled `screen` (as in a mesh, so the composed file shows it large), and her camera's
file goes on whole while she starts, stops and starts sharing again. The files are reopened and checked.

Chromium publishes here: aiortc sent no packets on a second published video track (docs/sfu.md)."""

import time

import av
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import join
from tests.recordings.conftest import probe
from tests.sfu.test_recording_through_the_server import recorded  # noqa: F401  (the recorded deployment)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WAIT_SECONDS = 90  # a loaded machine: every wait is for something the recorder reports, never for a guessed time


def wait_for_file(api, slug, recording_id, wanted, what):
    """Return the recording's first file for which `wanted(file)` holds, once there is one."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        files = api.recording(slug, recording_id)["files"]
        found = [described for described in files if wanted(described)]
        if found:
            return found[0]
        if time.monotonic() > deadline:
            raise AssertionError(f"no file {what} after {WAIT_SECONDS} s: {files}")
        time.sleep(0.3)


def recorded_for(seconds):
    """A file whose writer has reported at least this much media (the recorder writes progress every second)."""
    return lambda described: (described["duration"] or 0) >= seconds


def picture_size(path):
    with av.open(str(path)) as container:
        frame = next(container.decode(video=0))
        return frame.width, frame.height


def test_alices_screen_is_recorded_in_files_of_its_own_and_her_camera_file_stays_whole(recorded, open_page):  # noqa: F811
    api, worker, media_root = recorded
    slug = api.new_room("Slides through the server")
    alice = open_page(worker, "alice")
    join(alice, slug)
    expect(alice.locator("#room[data-route=sfu]")).to_be_attached()
    status, recording = api.start(slug)
    assert status == 201, recording
    recording_id = api.wait_for(slug, recording["id"], {"recording"})["id"]
    camera = wait_for_file(api, slug, recording_id,
                           lambda f: f["label"] == "audio-video" and recorded_for(2)(f), "for Alice's camera")
    camera_seen_at = time.monotonic()

    shares = []
    for turn in range(2):
        alice.get_by_role("button", name="Share screen").click()
        expect(alice.get_by_role("button", name="Stop sharing screen")).to_have_attribute("aria-pressed", "true")
        shared_at = time.monotonic()
        screen = wait_for_file(api, slug, recording_id,
                               lambda f: f["label"] == "screen" and f["id"] not in {s["id"] for s, _ in shares}
                               and recorded_for(3)(f), f"for Alice's screen, share {turn + 1}")
        alice.get_by_role("button", name="Stop sharing screen").click()
        expect(alice.get_by_role("button", name="Share screen")).to_have_attribute("aria-pressed", "false")
        shares.append((screen, time.monotonic() - shared_at))
        # The recorder finishes the screen's file when the screen goes (and only that file).
        wait_for_file(api, slug, recording_id, lambda f, pk=screen["id"]: f["id"] == pk and f["ended_at"],
                      "closed when the screen stopped")

    status, _ = api.stop(slug)
    stopped_at = time.monotonic()
    final = api.wait_for(slug, recording_id, {"done", "failed"}, timeout=WAIT_SECONDS)
    assert (final["status"], final["stop_reason"]) == ("done", "requested"), final
    files = final["files"]
    assert {f["participant_name"] for f in files} == {"Alice"}, files
    # One camera file for the whole recording: sharing did not cut it; one screen file per share.
    assert sorted(f["label"] for f in files) == ["audio-video", "screen", "screen"], files
    [camera] = [f for f in files if f["label"] == "audio-video"]
    folder = media_root / "recordings" / slug / str(recording_id)

    streams = probe(folder / camera["name"])
    assert set(streams) == {"audio", "video"}, streams
    assert (streams["audio"][0], streams["video"][0]) == ("opus", "vp8"), streams
    # It lasts at least from when the recorder first reported it until the recording stopped.
    assert streams["video"][3] >= stopped_at - camera_seen_at - 1.5, (stopped_at - camera_seen_at, streams)
    assert streams["audio"][3] >= stopped_at - camera_seen_at - 1.5, (stopped_at - camera_seen_at, streams)
    camera_size = picture_size(folder / camera["name"])
    # Recorded from a larger simulcast layer than the smallest (320x180 of her 1280x720 camera), where Janus starts
    # every subscription: the recorder asks for the largest, and the file takes the size that layer brings.
    assert camera_size[0] >= 640, camera_size

    for screen, shared_for in shares:
        [screen] = [f for f in files if f["id"] == screen["id"]]
        path = folder / screen["name"]
        streams = probe(path)
        assert set(streams) == {"video"}, streams  # a screen has no sound, as in a mesh
        codec, frames, _, last = streams["video"]
        assert codec == "vp8", streams
        # Reported at 3 s or more before she stopped; not longer than she shared.
        assert 2.5 <= last <= shared_for + 1.0, (shared_for, streams)
        assert frames >= 2 * last, (shared_for, streams)
        # It holds the screen (Chromium's fake screen is wide), not a second copy of her 4:3 camera.
        width, height = picture_size(path)
        assert width / height > 1.5, ((width, height), camera_size)
        assert screen["peer_id"] == camera["peer_id"]
