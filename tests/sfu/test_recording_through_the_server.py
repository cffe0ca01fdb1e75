"""Recording a meeting through the server: the recorder subscribes to each participant at Janus, through its own
Confer socket, so nobody uploads a copy for it; each participant's file is reopened and checked."""

import asyncio

import pytest

from tests.recorder_process import RecorderProcess
from tests.recordings.conftest import RECORDER_ENV, Api, assert_recorded, file_path, in_thread
from tests.servers import Deployment
from tests.sfu.conftest import sfu_env
from tests.sfu.participant import SfuParticipant

pytestmark = pytest.mark.slow

RECORD_SECONDS = 5


@pytest.fixture(scope="module")
def recorded(tmp_path_factory, redis_server, janus):
    media_root = tmp_path_factory.mktemp("sfu-media")
    # Not RECORDER_ICE_HOST_ADDRESSES=127.0.0.1: in the test namespace the recorder must gather 127.0.0.2 for Janus.
    recorder_env = {key: value for key, value in RECORDER_ENV.items() if key != "RECORDER_ICE_HOST_ADDRESSES"}
    deployment = Deployment(tmp_path_factory.mktemp("sfu-recording"), redis_url=redis_server.url, extra_env={
        **sfu_env(janus), **recorder_env, "MEDIA_ROOT": str(media_root), "ROOM_DEFAULT_MEDIA_ROUTE": "sfu"}).setup()
    worker = deployment.start_worker()
    deployment.create_user("alice", "alice-password-1", "Alice")
    key = deployment.manage("create_api_key", "Recording tests", "--user", "alice").strip().splitlines()[-1]
    recorder = RecorderProcess(deployment, worker).start()
    yield Api(worker.base_url, key, deployment), worker, media_root
    recorder.stop()
    deployment.stop()


async def test_each_participant_is_recorded_from_janus(recorded):
    api, worker, media_root = recorded
    slug = await in_thread(api.new_room, "Recorded all-hands")
    people = [SfuParticipant(worker.ws_url, slug, f"ext:test:{name}", name.title()) for name in ("ann", "ben")]
    try:
        for person in people:
            await person.join()
            assert person.route == "sfu"
            await person.start_media()
        for person in people:
            await asyncio.wait_for(person.published.wait(), 15)
        status, recording = await in_thread(api.start, slug)
        assert status == 201, recording
        recording = await in_thread(api.wait_for, slug, recording["id"], {"recording"})
        await asyncio.sleep(RECORD_SECONDS)
        status, _ = await in_thread(api.stop, slug)
        recording = await in_thread(api.wait_for, slug, recording["id"], {"done", "failed"})
    finally:
        for person in people:
            await person.leave()
    assert (recording["status"], recording["stop_reason"]) == ("done", "requested"), recording
    files = {f["participant_name"]: f for f in recording["files"]}
    assert set(files) == {"Ann", "Ben"}, recording["files"]
    for described in files.values():
        assert_recorded(file_path(media_root, slug, recording, described), RECORD_SECONDS)
    # Nobody was asked for a copy: no offer reached a participant (the recorder never used the mesh).
    for person in people:
        assert not [m for m in person.messages if m["type"] == "offer"], "a participant was asked to upload a copy"
