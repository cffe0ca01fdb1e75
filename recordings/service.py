"""How Confer reaches its recorder processes, and the records it keeps of them: the plumbing under the recording
actions of meetings.actions (start, stop, finish), which own every change and tell the room.

A start request goes to a channel every recorder process reads from, so exactly one of them takes it; a stop request
goes to the process that took it. A recorder process that stops marking itself alive is dead: its recordings fail.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from meetings import access
from recordings.models import RecorderProcess, Recording

# Every recorder process reads this channel; channels-redis hands each message to one reader.
REQUESTS_CHANNEL = "recorder.requests"

NO_RECORDER = "No recorder is running, so nothing can record this meeting. Start one with `python manage.py recorder`."


def stale_before():
    """Return the moment before which a recorder process that has not marked itself alive counts as dead."""
    return timezone.now() - timedelta(seconds=3 * settings.RECORDER_HEARTBEAT_SECONDS + 1)


def live_recorders():
    return RecorderProcess.objects.filter(last_seen__gte=stale_before())


def new_recording(room, identity):
    """Create the Recording of a start request (the room is locked by the caller)."""
    user_id = access.user_id_of(identity)
    return Recording.objects.create(
        room=room,
        started_by=str(identity)[:150],
        started_by_user=get_user_model().objects.filter(pk=user_id).first() if user_id else None,
    )


def start_request(recording):
    """Return (channel, message) asking whichever recorder reads it first to take this recording."""
    return REQUESTS_CHANNEL, {"type": "recording.start", "recording_id": recording.pk}


def stop_request(recording):
    """Return (channel, message) asking the recorder that took this recording to stop it."""
    return recording.recorder_channel, {"type": "recording.stop", "recording_id": recording.pk}


def finish(recording, status, stop_reason="", error=""):
    """Mark a (locked) recording done or failed, and close its files' time spans."""
    recording.status = status
    recording.ended_at = timezone.now()
    if stop_reason and (recording.stop_reason in ("", "requested") or status == Recording.Status.FAILED):
        recording.stop_reason = stop_reason
    recording.error = error or recording.error
    recording.save(update_fields=["status", "ended_at", "stop_reason", "error"])
    recording.files.filter(ended_at__isnull=True).update(ended_at=recording.ended_at)


def lost_recordings(room=None):
    """Return (recording id, status, stop reason, error) for each recording to finish because its recorder died,
    or because no recorder took its start request in time; of one room, or of all.

    Their files stay: Matroska written up to the crash plays.
    """
    unclaimed_before = timezone.now() - timedelta(seconds=settings.RECORDER_START_TIMEOUT)
    unfinished = Recording.objects.exclude(status__in=Recording.FINISHED)
    if room is not None:
        unfinished = unfinished.filter(room=room)
    lost = list(unfinished.filter(recorder__last_seen__lt=stale_before()).values_list("pk", flat=True))
    lost += list(
        unfinished.filter(recorder__isnull=True, recorder_channel__gt="").values_list("pk", flat=True)
    )  # its recorder's row is gone: it shut down or was swept without finishing it
    never_taken = list(
        unfinished.filter(recorder__isnull=True, recorder_channel="", requested_at__lt=unclaimed_before)
        .values_list("pk", "status")
    )
    finished = [(pk, Recording.Status.FAILED, "recorder-lost",
                 "The recorder process stopped unexpectedly; the files recorded up to then are kept.") for pk in lost]
    for pk, status in never_taken:
        if status == Recording.Status.STOPPING:
            finished.append((pk, Recording.Status.DONE, "requested", ""))
        else:
            finished.append((pk, Recording.Status.FAILED, "no-recorder", "No recorder took the request in time."))
    return finished


def forget_dead_recorders():
    RecorderProcess.objects.filter(last_seen__lt=stale_before()).delete()
