"""recordings.service: one recording per room, a clear refusal with no recorder, nothing left over after faults."""

from datetime import timedelta

import pytest
from django.utils import timezone

from meetings import actions
from meetings.actions import Actor
from recordings import worker
from recordings.models import RecorderProcess, Recording
from signalling.models import Meeting
from signalling.publish import publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def room(alice):
    return actions.create_room(alice, "Design review")


@pytest.fixture
def live_recorder():
    return RecorderProcess.objects.create(channel_name="recorder.test!abc", hostname="here", pid=1)


def meeting_says_recording(room):
    return Meeting.objects.get(room=room, ended_at__isnull=True).recording


def test_it_refuses_at_once_with_no_recorder_alive_and_records_nothing(room, alice):
    with pytest.raises(actions.Refused) as refusal:
        publish(actions.start_recording(room, Actor.user(alice))).result
    assert refusal.value.code == "no-recorder"
    assert not Recording.objects.exists()


def test_a_recorder_that_stopped_beating_does_not_count_as_alive(room, alice, live_recorder):
    RecorderProcess.objects.update(last_seen=timezone.now() - timedelta(minutes=5))
    with pytest.raises(actions.Refused) as refusal:
        publish(actions.start_recording(room, Actor.user(alice))).result
    assert refusal.value.code == "no-recorder"


def test_it_starts_one_recording_tells_the_room_and_refuses_a_second(room, alice, live_recorder):
    recording = publish(actions.start_recording(room, Actor.user(alice))).result
    assert (recording.status, recording.started_by_user) == ("starting", alice)
    assert meeting_says_recording(room)
    with pytest.raises(actions.Refused) as refusal:
        publish(actions.start_recording(room, Actor.user(alice))).result
    assert refusal.value.code == "already-recording"


def test_stopping_with_nothing_recording_is_refused(room, alice):
    with pytest.raises(actions.Refused) as refusal:
        publish(actions.stop_recording(room, Actor.user(alice)))
    assert refusal.value.code == "not-recording"


def test_a_stop_before_any_recorder_took_the_start_ends_it_without_joining(room, alice, live_recorder):
    recording = publish(actions.start_recording(room, Actor.user(alice))).result
    publish(actions.stop_recording(room, Actor.user(alice)))
    assert worker.claim(recording.pk, live_recorder) is None
    recording.refresh_from_db()
    assert (recording.status, recording.stop_reason) == ("done", "requested")
    assert not meeting_says_recording(room)


def test_the_room_stays_told_while_a_stopping_recording_overlaps_the_next(room, alice, live_recorder):
    first = publish(actions.start_recording(room, Actor.user(alice))).result
    worker.claim(first.pk, live_recorder)
    publish(actions.stop_recording(room, Actor.user(alice)))
    second = publish(actions.start_recording(room, Actor.user(alice))).result
    publish(actions.finish_recording(first.pk, Recording.Status.DONE, "requested"))
    assert meeting_says_recording(room)
    publish(actions.stop_recording(room, Actor.user(alice)))
    publish(actions.finish_recording(second.pk, Recording.Status.DONE, "requested"))
    assert not meeting_says_recording(room)


def test_the_recordings_of_a_dead_recorder_are_marked_failed_and_the_room_told(room, alice, live_recorder):
    recording = publish(actions.start_recording(room, Actor.user(alice))).result
    worker.claim(recording.pk, live_recorder)
    RecorderProcess.objects.update(last_seen=timezone.now() - timedelta(minutes=5))
    assert len(actions.finish_lost_recordings()) == 1
    recording.refresh_from_db()
    assert (recording.status, recording.stop_reason) == ("failed", "recorder-lost")
    assert not RecorderProcess.objects.exists()
    assert not meeting_says_recording(room)


def test_a_start_request_no_recorder_took_in_time_is_marked_failed(room, alice, live_recorder, settings):
    recording = publish(actions.start_recording(room, Actor.user(alice))).result
    Recording.objects.update(requested_at=timezone.now() - timedelta(seconds=settings.RECORDER_START_TIMEOUT + 1))
    actions.finish_lost_recordings()
    recording.refresh_from_db()
    assert (recording.status, recording.stop_reason) == ("failed", "no-recorder")
