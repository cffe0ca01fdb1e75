"""The hosts' recordings page: each recording of a room with its composed file in a player, everyone's own files,
download, compose again and delete. The room's owner and staff only (meetings.access.can_manage); the media are
served by these views after the same check, never from a public URL."""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from meetings.views import manager_only
from recordings import composer, media, removal
from recordings.models import Composition, Recording, RecordingFile


def retention_days():
    """Days a finished recording is kept; 0 keeps it until someone deletes it (RECORDING_RETENTION_DAYS)."""
    return settings.RECORDING_RETENTION_DAYS


def recording_of(room, recording_id):
    return get_object_or_404(Recording.objects.select_related("room"), pk=recording_id, room=room)


@manager_only
def room_recordings(request, room):
    recordings = list(
        Recording.objects.filter(room=room).select_related("composition").prefetch_related("files")
    )
    days = retention_days()
    for recording in recordings:
        recording.composed = getattr(recording, "composition", None)
        recording.people = list(dict.fromkeys(f.participant_name for f in recording.files.all() if f.participant_name))
        recording.length = max((f.duration for f in recording.files.all()), default=0)
        if recording.started_at and recording.ended_at:
            recording.length = max(recording.length, (recording.ended_at - recording.started_at).total_seconds())
        recording.deleted_on = recording.ended_at + timedelta(days=days) if days and recording.ended_at else None
        recording.can_compose = recording.status in Recording.FINISHED and settings.RECORDING_COMPOSE and (
            recording.composed is None or recording.composed.status == Composition.Status.FAILED
        ) and bool(recording.files.all())
    return render(request, "recordings/room_recordings.html", {
        "room": room, "recordings": recordings, "retention_days": days,
        "watching": any(r.status not in Recording.FINISHED or (r.composed and r.composed.status in (
            Composition.Status.PENDING, Composition.Status.RUNNING)) for r in recordings),
    })


@manager_only
def delete_recording(request, room, recording_id):
    recording = recording_of(room, recording_id)
    if request.method == "POST":
        try:
            removal.delete_recording(recording)
        except removal.StillRecording:
            messages.error(request, _("This recording has not finished yet. Stop it first, then delete it."))
            return redirect("room_recordings", slug=room.slug)
        messages.success(request, _("The recording was deleted, with its files."))
        return redirect("room_recordings", slug=room.slug)
    return render(request, "recordings/delete_recording.html", {"room": room, "recording": recording})


@require_POST
@manager_only
def compose_recording(request, room, recording_id):
    recording = recording_of(room, recording_id)
    try:
        composer.retry(recording)
    except composer.CannotRetry as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The recording will be composed again. This page shows how far it has got."))
    return redirect("room_recordings", slug=room.slug)


def served(request, field_file):
    try:
        return media.file_response(request, field_file, as_attachment=request.GET.get("download") == "1")
    except (OSError, ValueError):
        raise Http404("This file is no longer stored.") from None


@manager_only
def composed_file(request, room, recording_id):
    composition = Composition.objects.filter(recording=recording_of(room, recording_id),
                                             status=Composition.Status.DONE).first()
    if composition is None or not composition.file:
        raise Http404("This recording has no composed file yet.")
    return served(request, composition.file)


@manager_only
def recording_file(request, room, recording_id, file_id):
    recorded = get_object_or_404(RecordingFile, pk=file_id, recording=recording_of(room, recording_id))
    return served(request, recorded.file)
