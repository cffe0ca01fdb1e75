"""Participants in a room set to "through the server" publish once and receive everyone through Janus."""

import asyncio

import pytest

from tests.sfu.conftest import make_room
from tests.sfu.participant import SfuParticipant

pytestmark = pytest.mark.slow


async def test_three_people_each_receive_the_other_two_through_janus(sfu_deployment, sfu_worker):
    slug = make_room(sfu_deployment, "Stand-up")
    people = [SfuParticipant(sfu_worker.ws_url, slug, f"ext:test:{name}", name) for name in ("Ann", "Ben", "Cy")]
    try:
        for person in people:
            await person.join()
            assert person.route == "sfu"
            await person.start_media()
        for person in people:
            for other in people:
                if other is not person:
                    await person.wait_for_video_from(other.peer_id, frames=15)
        # Each publishes one connection, whatever the size of the room: two connections per person in all.
        assert all(person.publisher_pc.connectionState == "connected" for person in people)
    finally:
        for person in people:
            await person.leave()


async def test_a_viewer_can_subscribe_but_its_publish_is_refused(sfu_deployment, sfu_worker):
    slug = make_room(sfu_deployment, "Lecture")
    teacher = SfuParticipant(sfu_worker.ws_url, slug, "ext:test:teacher", "Teacher")
    student = SfuParticipant(sfu_worker.ws_url, slug, "ext:test:student", "Student", role="viewer")
    try:
        await teacher.join()
        await teacher.start_media()
        await student.join()
        await student.publish()
        await student.wait_for(lambda: any(e.get("code") == "not-allowed" for e in student.errors if isinstance(e, dict)),
                               what="refusal of a viewer's publish")
        assert not student.published.is_set()
        student.subscribing = True
        await student.wait_for(lambda: teacher.peer_id in student.feeds, what="the teacher's feed")
        await student.resubscribe()
        await student.wait_for_video_from(teacher.peer_id)
    finally:
        await teacher.leave()
        await student.leave()


async def test_media_messages_in_a_browser_to_browser_meeting_are_refused(sfu_deployment, sfu_worker):
    slug = make_room(sfu_deployment, "Pair", media_route="mesh")
    person = SfuParticipant(sfu_worker.ws_url, slug, "ext:test:solo", "Solo")
    try:
        await person.join()
        assert person.route == "mesh"
        await person.publish()
        await person.wait_for(lambda: any(isinstance(e, dict) and e.get("code") == "not-sfu" for e in person.errors),
                              what="not-sfu")
    finally:
        await person.leave()
