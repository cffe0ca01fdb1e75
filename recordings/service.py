"""Start and stop recordings: what the room page, the API, the admin and the signalling server call (through
meetings.actions), and the sweep that fails the recordings of a recorder process that died.

A start request goes to a channel every recorder process reads from, so exactly one of them takes it; a stop request
goes to the process that took it. The room is told a recording runs before any recorder hears of it, and is told it
stopped only when no recording of the room is left starting, recording or stopping.
"""

import logging
from datetime import timedelta

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from meetings import signals
from meetings.actions import NotAllowed
from meetings.models import Room
from recordings.models import RecorderProcess, Recording

log = logging.getLogger(__name__)

# Every recorder process reads this channel; channels-redis hands each message to one reader.
REQUESTS_CHANNEL = "recorder.requests"

NO_RECORDER = "No recorder is running, so nothing can record this meeting. Start one with `python manage.py recorder`."


def stale_before():
    """Return the moment before which a recorder process that has not marked itself alive counts as dead."""
    return timezone.now() - timedelta(seconds=3 * settings.RECORDER_HEARTBEAT_SECONDS + 1)


def live_recorders():
    return RecorderProcess.objects.filter(last_seen__gte=stale_before())


def user_id_of(identity):
    kind, _, user_id = str(identity).partition(":")
    return int(user_id) if kind == "user" and user_id.isdigit() else None


def start_recording(room, by):
    """Start recording the room's meeting and return the Recording; raise NotAllowed if it cannot start."""
    sweep()
    try:
        with transaction.atomic():
            Room.objects.select_for_update().filter(pk=room.pk).first()
            if Recording.objects.filter(room=room, status__in=Recording.ACTIVE).exists():
                raise NotAllowed("This meeting is already being recorded.", code="already-recording")
            if not live_recorders().exists():
                raise NotAllowed(NO_RECORDER, code="no-recorder")
            user_id = user_id_of(by)
            recording = Recording.objects.create(
                room=room,
                started_by=str(by)[:150],
                started_by_user=get_user_model().objects.filter(pk=user_id).first() if user_id else None,
            )
    except IntegrityError:  # another start won the race between the check and the insert
        raise NotAllowed("This meeting is already being recorded.", code="already-recording") from None
    # Everyone is told before any recorder hears of it: nobody is recorded unawares.
    announce(room)
    try:
        async_to_sync(get_channel_layer().send)(
            REQUESTS_CHANNEL, {"type": "recording.start", "recording_id": recording.pk}
        )
    except Exception as error:
        log.exception("could not send the start request of recording %s", recording.pk)
        finish(recording.pk, Recording.Status.FAILED, "error", f"The recorders could not be reached: {error}")
        raise NotAllowed(NO_RECORDER, code="no-recorder") from None
    return recording


def stop_recording(room, by):
    """Ask the room's recorder to stop; return the Recording (now stopping); raise NotAllowed if none runs."""
    sweep()
    with transaction.atomic():
        Room.objects.select_for_update().filter(pk=room.pk).first()
        recording = Recording.objects.filter(room=room, status__in=Recording.ACTIVE).first()
        if recording is None:
            raise NotAllowed("This meeting is not being recorded.", code="not-recording")
        recording.status = Recording.Status.STOPPING
        recording.stopped_by = str(by)[:150]
        recording.stop_reason = "requested"
        recording.save(update_fields=["status", "stopped_by", "stop_reason"])
        channel = recording.recorder_channel
    if channel:
        send_stop(channel, recording.pk)
    # Not taken by a recorder yet: the one that takes it sees it stopping and finishes it without joining.
    return recording


def send_stop(channel, recording_id):
    try:
        async_to_sync(get_channel_layer().send)(channel, {"type": "recording.stop", "recording_id": recording_id})
    except Exception:
        # The recorder also reads its recordings' status every heartbeat, so it stops a moment later anyway.
        log.warning("could not send the stop request of recording %s to %s", recording_id, channel)


def announce(room):
    """Tell the room's meeting whether a recording runs: while any is starting, recording or stopping."""
    from signalling import moderation
    from signalling.publish import publish

    running = Recording.objects.filter(room=room, status__in=Recording.ANNOUNCED).exists()
    publish(moderation.set_recording(room.pk, running), room.slug)


def finish(recording_id, status, stop_reason="", error=""):
    """Mark a recording done or failed (unless it already is), then tell its room."""
    with transaction.atomic():
        recording = Recording.objects.select_for_update().select_related("room").filter(pk=recording_id).first()
        if recording is None or recording.status in Recording.FINISHED:
            return recording
        recording.status = status
        recording.ended_at = timezone.now()
        if stop_reason and (recording.stop_reason in ("", "requested") or status == Recording.Status.FAILED):
            recording.stop_reason = stop_reason
        recording.error = error or recording.error
        recording.save(update_fields=["status", "ended_at", "stop_reason", "error"])
        recording.files.filter(ended_at__isnull=True).update(ended_at=recording.ended_at)
        finished = signals.recording_failed if status == Recording.Status.FAILED else signals.recording_finished
        finished.send(Recording, recording=recording)
    announce(recording.room)
    return recording


def sweep():
    """Fail the recordings of recorder processes that died, and the start requests nobody took in time.

    Their files stay: Matroska written up to the crash plays. Return how many recordings were finished.
    """
    stale = stale_before()
    unclaimed_before = timezone.now() - timedelta(seconds=settings.RECORDER_START_TIMEOUT)
    unfinished = Recording.objects.exclude(status__in=Recording.FINISHED)
    lost = list(unfinished.filter(recorder__last_seen__lt=stale).values_list("pk", flat=True))
    lost += list(
        unfinished.filter(recorder__isnull=True, recorder_channel__gt="").values_list("pk", flat=True)
    )  # its recorder's row is gone: it shut down or was swept without finishing it
    never_taken = list(
        unfinished.filter(recorder__isnull=True, recorder_channel="", requested_at__lt=unclaimed_before)
        .values_list("pk", "status")
    )
    for pk in lost:
        finish(pk, Recording.Status.FAILED, "recorder-lost",
               "The recorder process stopped unexpectedly; the files recorded up to then are kept.")
    for pk, status in never_taken:
        if status == Recording.Status.STOPPING:
            finish(pk, Recording.Status.DONE, "requested")
        else:
            finish(pk, Recording.Status.FAILED, "no-recorder", "No recorder took the request in time.")
    RecorderProcess.objects.filter(last_seen__lt=stale).delete()
    return len(lost) + len(never_taken)
