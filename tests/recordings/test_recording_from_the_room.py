"""Hosts start and stop recording with signalling messages; refusals are user errors and the socket lives on."""

import pytest

from recordings.models import RecorderProcess
from tests.signalling.conftest import alices_room, fresh_housekeeping, peers, seat  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db(transaction=True)


async def test_a_host_is_told_no_recorder_runs_and_stays_in_the_meeting(peers, alices_room, alice):  # noqa: F811
    host = await seat(peers, alices_room, alice)
    await host.send({"type": "start-recording"})
    error = await host.receive_type("error")
    assert (error["code"], error["fatal"], error["in_reply_to"]) == ("no-recorder", False, "start-recording")
    await host.send({"type": "ping"})
    assert (await host.receive_type("pong"))["type"] == "pong"


async def test_a_host_starts_a_recording_and_everyone_sees_it_in_the_room_state(
    peers, alices_room, alice, bob  # noqa: F811
):
    from channels.db import database_sync_to_async

    await database_sync_to_async(RecorderProcess.objects.create)(channel_name="recorder.x!y", hostname="h", pid=1)
    host = await seat(peers, alices_room, alice)
    guest = await seat(peers, alices_room, bob)
    await host.send({"type": "start-recording"})
    updated = await guest.receive_type("room-updated")
    assert updated["room"]["recording"] is True
    await guest.send({"type": "stop-recording"})
    assert (await guest.receive_type("error"))["code"] == "not-allowed"
    await host.send({"type": "stop-recording"})
    await host.send({"type": "stop-recording"})
    assert (await host.receive_type("error"))["code"] == "not-recording"
