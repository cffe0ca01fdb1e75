"""Delete what is older than the deployment keeps: chat, ended meetings, recordings (with their files), and the
webhook delivery log. `python manage.py apply_retention` runs it; 0 days keeps for ever."""

import logging
import os
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

log = logging.getLogger(__name__)


def cutoff(days, now):
    """Return the moment before which things go, or None when `days` is 0 (keep for ever)."""
    return now - timedelta(days=days) if days else None


@dataclass
class Report:
    chat_messages: int = 0
    meetings: int = 0
    recordings: int = 0
    recording_files: int = 0
    webhook_events: int = 0
    missing_files: list = field(default_factory=list)

    def lines(self):
        return [
            f"chat messages: {self.chat_messages}",
            f"ended meetings: {self.meetings}",
            f"recordings: {self.recordings} ({self.recording_files} files)",
            f"webhook events: {self.webhook_events}",
        ]


def apply(now=None, dry_run=False):
    """Delete everything past its retention; return a Report of what was (or, dry, would be) deleted."""
    from recordings.models import Recording, RecordingFile
    from signalling.models import ChatMessage, Meeting
    from webhooks.models import Delivery, Event

    now = now or timezone.now()
    report = Report()

    chat_before = cutoff(settings.CHAT_RETENTION_DAYS, now)
    if chat_before:
        old_chat = ChatMessage.objects.filter(sent_at__lt=chat_before)
        report.chat_messages = old_chat.count() if dry_run else old_chat.delete()[1].get(ChatMessage._meta.label, 0)

    meetings_before = cutoff(settings.MEETING_RETENTION_DAYS, now)
    if meetings_before:
        # Only ended meetings: a live one is never cut short. Its participants, removals and chat go with it.
        old_meetings = Meeting.objects.filter(ended_at__isnull=False, ended_at__lt=meetings_before)
        report.meetings = old_meetings.count() if dry_run else old_meetings.delete()[1].get(Meeting._meta.label, 0)

    recordings_before = cutoff(settings.RECORDING_RETENTION_DAYS, now)
    if recordings_before:
        old_recordings = Recording.objects.filter(status__in=Recording.FINISHED, ended_at__lt=recordings_before)
        for recording in old_recordings.prefetch_related("files"):
            files = list(recording.files.all())
            report.recordings += 1
            report.recording_files += len(files)
            if not dry_run:
                delete_recording(recording, files, report)

    webhooks_before = cutoff(settings.WEBHOOK_RETENTION_DAYS, now)
    if webhooks_before:
        # Events whose deliveries are all settled (delivered or given up); their attempt log goes with them.
        settled = Event.objects.filter(created__lt=webhooks_before).exclude(
            deliveries__status=Delivery.Status.PENDING
        )
        report.webhook_events = settled.count() if dry_run else settled.delete()[1].get(Event._meta.label, 0)
    return report


def delete_recording(recording, files, report):
    """Delete a recording's files from storage, then its rows; a file already gone is noted, not an error."""
    directories = set()
    for recording_file in files:
        name = recording_file.file.name
        if not name:
            continue
        try:
            directories.add(os.path.dirname(default_storage.path(name)))
        except NotImplementedError:  # storage without local paths (S3...): nothing to tidy
            pass
        if default_storage.exists(name):
            default_storage.delete(name)
        else:
            report.missing_files.append(name)
    with transaction.atomic():
        recording.delete()
    for directory in directories:
        try:
            os.rmdir(directory)  # only when empty: recordings/<room>/<id>/
            os.rmdir(os.path.dirname(directory))  # and the room's, when it was the last
        except OSError:
            pass
