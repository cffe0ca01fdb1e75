"""Delete a recording with its stored files: the per-participant files and the composed one."""

import logging
import os

from django.db import transaction

from recordings.models import Composition, Recording, RecordingFile

log = logging.getLogger(__name__)


class StillRecording(Exception):
    """A recording that is starting, recording or stopping cannot be deleted: stop it and wait."""


def delete_recording(recording):
    """Delete a finished recording, its rows and its files. A composition at work on it notices and stops."""
    with transaction.atomic():
        recording = Recording.objects.select_for_update().get(pk=recording.pk)
        if recording.status not in Recording.FINISHED:
            raise StillRecording("This recording has not finished yet; stop it first.")
        names = [name for name in RecordingFile.objects.filter(recording=recording).values_list("file", flat=True)]
        names += [name for name in Composition.objects.filter(recording=recording).values_list("file", flat=True)]
        storage = RecordingFile._meta.get_field("file").storage
        recording.delete()
        # Files go only once the rows are gone for good: a rolled-back delete keeps both.
        transaction.on_commit(lambda: remove_files(storage, [name for name in names if name]))


def remove_files(storage, names):
    for name in names:
        try:
            storage.delete(name)
        except OSError as error:
            log.warning("could not delete the recorded file %s: %s", name, error)
    for folder in {os.path.dirname(name) for name in names}:
        try:
            os.rmdir(storage.path(folder))  # the recording's own folder, once empty
        except (NotImplementedError, OSError):
            pass
