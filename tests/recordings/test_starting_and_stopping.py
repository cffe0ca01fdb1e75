"""recordings.service: one recording per room, a clear refusal with no recorder, nothing left over after faults."""

from datetime import timedelta

import pytest
from django.utils import timezone

from meetings import actions
from recordings import service, worker
from recordings.models import RecorderProcess, Recording
from signalling.models import Meeting

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
    with pytest.raises(actions.NotAllowed) as refusal:
        actions.start_recording(room, f"user:{alice.pk}")
    assert refusal.value.code == "no-recorder"
    assert not Recording.objects.exists()


def test_a_recorder_that_stopped_beating_does_not_count_as_alive(room, alice, live_recorder):
    RecorderProcess.objects.update(last_seen=timezone.now() - timedelta(minutes=5))
    with pytest.raises(actions.NotAllowed) as refusal:
        actions.start_recording(room, f"user:{alice.pk}")
    assert refusal.value.code == "no-recorder"


def test_it_starts_one_recording_tells_the_room_and_refuses_a_second(room, alice, live_recorder):
    recording = actions.start_recording(room, f"user:{alice.pk}")
    assert (recording.status, recording.started_by_user) == ("starting", alice)
    assert meeting_says_recording(room)
    with pytest.raises(actions.NotAllowed) as refusal:
        actions.start_recording(room, f"user:{alice.pk}")
    assert refusal.value.code == "already-recording"


def test_stopping_with_nothing_recording_is_refused(room, alice):
    with pytest.raises(actions.NotAllowed) as refusal:
        actions.stop_recording(room, f"user:{alice.pk}")
    assert refusal.value.code == "not-recording"


def test_a_stop_before_any_recorder_took_the_start_ends_it_without_joining(room, alice, live_recorder):
    recording = actions.start_recording(room, f"user:{alice.pk}")
    actions.stop_recording(room, f"user:{alice.pk}")
    assert worker.claim(recording.pk, live_recorder) is None
    recording.refresh_from_db()
    assert (recording.status, recording.stop_reason) == ("done", "requested")
    assert not meeting_says_recording(room)


def test_the_room_stays_told_while_a_stopping_recording_overlaps_the_next(room, alice, live_recorder):
    first = actions.start_recording(room, f"user:{alice.pk}")
    worker.claim(first.pk, live_recorder)
    actions.stop_recording(room, f"user:{alice.pk}")
    second = actions.start_recording(room, f"user:{alice.pk}")
    service.finish(first.pk, Recording.Status.DONE, "requested")
    assert meeting_says_recording(room)
    actions.stop_recording(room, f"user:{alice.pk}")
    service.finish(second.pk, Recording.Status.DONE, "requested")
    assert not meeting_says_recording(room)


def test_the_recordings_of_a_dead_recorder_are_marked_failed_and_the_room_told(room, alice, live_recorder):
    recording = actions.start_recording(room, f"user:{alice.pk}")
    worker.claim(recording.pk, live_recorder)
    RecorderProcess.objects.update(last_seen=timezone.now() - timedelta(minutes=5))
    assert service.sweep() == 1
    recording.refresh_from_db()
    assert (recording.status, recording.stop_reason) == ("failed", "recorder-lost")
    assert not RecorderProcess.objects.exists()
    assert not meeting_says_recording(room)


def test_a_start_request_no_recorder_took_in_time_is_marked_failed(room, alice, live_recorder, settings):
    recording = actions.start_recording(room, f"user:{alice.pk}")
    Recording.objects.update(requested_at=timezone.now() - timedelta(seconds=settings.RECORDER_START_TIMEOUT + 1))
    service.sweep()
    recording.refresh_from_db()
    assert (recording.status, recording.stop_reason) == ("failed", "no-recorder")
