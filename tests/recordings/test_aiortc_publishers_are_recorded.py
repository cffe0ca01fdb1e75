"""Two aiortc participants in a room; a real recorder process records them for about five seconds."""

import asyncio

import pytest

from tests.recordings.conftest import assert_recorded, file_path, in_thread, until
from tests.recordings.publisher import Publisher

pytestmark = pytest.mark.slow

RECORD_SECONDS = 5


async def test_each_participant_gets_a_webm_file_with_opus_and_vp8_of_about_five_seconds(
    api, worker, recorder, media_root
):
    slug = await in_thread(api.new_room, "Recorded stand-up")
    alice = await Publisher(worker.ws_url, slug, "user:1", "Alice", role="host").join()
    bob = await Publisher(worker.ws_url, slug, "user:2", "Bob").join()
    try:
        status, recording = await in_thread(api.start, slug)
        assert status == 201, recording
        assert recording["status"] == "starting"
        recording = await in_thread(api.wait_for, slug, recording["id"], {"recording"})
        await asyncio.sleep(RECORD_SECONDS)
        status, stopping = await in_thread(api.stop, slug)
        assert status == 202 and stopping["status"] == "stopping", stopping
        recording = await in_thread(api.wait_for, slug, recording["id"], {"done", "failed"})
        await until(lambda: not alice.recording_announced and not bob.recording_announced)
    finally:
        await alice.leave()
        await bob.leave()

    assert (recording["status"], recording["stop_reason"]) == ("done", "requested"), recording
    files = {f["participant_name"]: f for f in recording["files"]}
    assert set(files) == {"Alice", "Bob"}
    for described in files.values():
        path = file_path(media_root, slug, recording, described)
        streams = assert_recorded(path, RECORD_SECONDS)
        assert described["size"] == path.stat().st_size
        assert abs(described["duration"] - streams["video"][3]) < 1
    _, body = await in_thread(api.download, files["Bob"]["download_url"])
    assert body == file_path(media_root, slug, recording, files["Bob"]).read_bytes()


async def test_everyone_is_told_before_the_recorder_offers_and_told_again_when_it_stops(api, worker, recorder):
    slug = await in_thread(api.new_room, "Told")
    alice = await Publisher(worker.ws_url, slug, "user:1", "Alice", role="host").join()
    try:
        _, recording = await in_thread(api.start, slug)
        await until(lambda: any(kind == "offer-from-hidden" for kind, _ in alice.events))
        status, _ = await in_thread(api.stop, slug)
        await in_thread(api.wait_for, slug, recording["id"], {"done"})
        await until(lambda: not alice.recording_announced)
    finally:
        await alice.leave()
    kinds = [event if kind == "recording" else kind for kind, event in alice.events]
    assert kinds[:3] == [False, True, "offer-from-hidden"], alice.events
    assert kinds[-1] is False
