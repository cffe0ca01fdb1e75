"""Compose finished recordings in the background (docs/recording.md, "The composed file").

- When a recording finishes (done, or failed with files that play up to the failure), a pending Composition is
  made in the same transaction (the receivers of meetings.signals.recording_finished and recording_failed), and
  the composers of this process are woken once it commits.
- A composer takes one pending composition at a time (a conditional UPDATE, so two never take the same), runs
  recordings.compose on it with ffmpeg, and writes its progress every second. A composition whose composer
  stopped saying so for COMPOSE_STALE_SECONDS (a killed process) is handed back to waiting, three times at most.
- Composers run inside every `manage.py recorder` (RECORDER_COMPOSES, on by default: a machine that records also
  composes, at a lower CPU priority than the live recordings) and as `manage.py compose_recordings`.
- A failed composition (and one never made) can be asked for again: retry() (the admin and the hosts' page).
"""

import logging
import os
import secrets
import shutil
import socket
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

import av
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import close_old_connections, transaction
from django.db.models import F
from django.utils import timezone

from recordings import compose
from recordings.models import Composition, Recording

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3  # a composition whose composer died this many times fails
PROGRESS_EVERY_SECONDS = 1.0
COMPOSED_NAME = "composed.mp4"

_local_composers = set()  # the Composers running in this process, woken when a composition is queued


# Asking for compositions.
def queue(recording):
    """Ask for the recording's composition (call inside the transaction that finished it); return it, or None
    when there is nothing to compose or composing is off."""
    if not settings.RECORDING_COMPOSE or not recording.files.exists():
        return None
    composition, _ = Composition.objects.update_or_create(
        recording=recording,
        defaults={"status": Composition.Status.PENDING, "progress": 0, "error": "", "attempts": 0,
                  "requested_at": timezone.now(), "started_at": None, "finished_at": None, "worker": "",
                  "heartbeat": None},
    )
    transaction.on_commit(wake)
    return composition


def on_recording_finished(sender, recording, **kwargs):
    """Receiver of recording_finished and recording_failed: never let composing break finishing a recording."""
    try:
        with transaction.atomic():
            queue(recording)
    except Exception:
        log.exception("could not queue the composition of recording %s", recording.pk)


class CannotRetry(Exception):
    pass


def retry(recording):
    """Compose this recording (again): for one whose composition failed, was never made, or is done. Raise
    CannotRetry (with a message for people) when it is still recording or being composed."""
    with transaction.atomic():
        recording = Recording.objects.select_for_update().get(pk=recording.pk)
        if recording.status not in Recording.FINISHED:
            raise CannotRetry("This recording has not finished yet.")
        current = Composition.objects.filter(recording=recording).first()
        if current is not None and current.status in (Composition.Status.PENDING, Composition.Status.RUNNING):
            raise CannotRetry("This recording is already being composed.")
        if not recording.files.exists():
            raise CannotRetry("Nothing was recorded, so there is nothing to compose.")
        if not settings.RECORDING_COMPOSE:
            raise CannotRetry("Composing recordings is switched off on this server (RECORDING_COMPOSE).")
        return queue(recording)


def wake():
    for composer in list(_local_composers):
        composer.wake()


# Taking them.
def worker_name():
    return f"{socket.gethostname()[:150]}:{os.getpid()}:{threading.get_ident() % 100000}"


def requeue_stale():
    """Hand back the compositions of composers that stopped saying they are at it; fail those tried too often."""
    stale = timezone.now() - timedelta(seconds=settings.COMPOSE_STALE_SECONDS)
    running = Composition.objects.filter(status=Composition.Status.RUNNING, heartbeat__lt=stale)
    running.filter(attempts__gte=MAX_ATTEMPTS).update(
        status=Composition.Status.FAILED, finished_at=timezone.now(),
        error="The composer stopped while composing, too many times.")
    running.filter(attempts__lt=MAX_ATTEMPTS).update(status=Composition.Status.PENDING, worker="", progress=0)


def claim(name):
    """Take the oldest waiting composition; return it, or None."""
    for pk in Composition.objects.filter(status=Composition.Status.PENDING).order_by("requested_at", "pk") \
            .values_list("pk", flat=True)[:10]:
        now = timezone.now()
        taken = Composition.objects.filter(pk=pk, status=Composition.Status.PENDING).update(
            status=Composition.Status.RUNNING, worker=name, heartbeat=now, started_at=now, progress=0,
            attempts=F("attempts") + 1, error="")
        if taken:
            return Composition.objects.select_related("recording__room").get(pk=pk)
    return None


# Doing one.
def local_path(field_file, workdir):
    """A path ffmpeg can read the stored file at: the storage's own, or a copy in workdir."""
    try:
        return field_file.storage.path(field_file.name)
    except NotImplementedError:
        copy = Path(workdir) / ("input-" + Path(field_file.name).name)
        with field_file.open("rb") as stored, open(copy, "wb") as local:
            shutil.copyfileobj(stored, local)
        return str(copy)


def probe(path):
    """Return (duration, has_video, has_audio) of a recorded file by its own media: a file the recorder could
    not close (it was killed) has no duration in its header, so its packets are read to their end."""
    with av.open(path) as container:
        kinds = {stream.type for stream in container.streams}
        if container.duration:
            return container.duration / 1_000_000, "video" in kinds, "audio" in kinds
        end, seen = 0.0, set()
        for packet in container.demux():
            if packet.pts is not None:
                seen.add(packet.stream.type)
                end = max(end, float((packet.pts + (packet.duration or 0)) * packet.time_base))
        return end, "video" in seen, "audio" in seen


def sources_for(recording, workdir):
    """Place the recording's files on one timeline, each at its real start."""
    files = list(recording.files.order_by("started_at", "pk"))
    if not files:
        return []
    zero = min(f.started_at for f in files)
    sources = []
    for recording_file in files:
        try:
            path = local_path(recording_file.file, workdir)
            duration, has_video, has_audio = probe(path)
        except (OSError, av.FFmpegError) as error:
            log.warning("composition of recording %s: leaving out %s: %s", recording.pk, recording_file.file.name,
                        error)
            continue
        sources.append(compose.Source(
            key=recording_file.pk, path=path, name=recording_file.participant_name or "?",
            label=recording_file.label, start=(recording_file.started_at - zero).total_seconds(),
            duration=duration, has_video=has_video, has_audio=has_audio,
        ))
    return sources


def options():
    width, height = settings.COMPOSE_VIDEO_SIZE
    return compose.Options(width=width, height=height, fps=settings.COMPOSE_FRAME_RATE,
                           ffmpeg=settings.COMPOSE_FFMPEG, nice=settings.COMPOSE_NICE)


class MovedFile(File):
    """A finished file in the storage's own folder: FileSystemStorage moves it into place instead of copying."""

    def temporary_file_path(self):
        return self.file.name


def work_directory(composition):
    """Where the segments are written: beside the media when the storage is local (the result is then moved,
    not copied), else the system's temporary folder."""
    try:
        base = Path(default_storage.path("")) / "recordings" / ".composing"
    except NotImplementedError:
        base = Path(tempfile.gettempdir())
    base.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f"{composition.pk}-{secrets.token_hex(4)}-", dir=base))


class ProgressWriter:
    """Write progress (and that we are alive) at most every second; cancel the run when the composition is no
    longer ours (deleted, or handed to another composer)."""

    def __init__(self, composition, name):
        self.composition = composition
        self.name = name
        self.run = None
        self.last = 0.0

    def __call__(self, fraction):
        now = time.monotonic()
        if now - self.last < PROGRESS_EVERY_SECONDS and fraction < 1:
            return
        self.last = now
        ours = Composition.objects.filter(pk=self.composition.pk, status=Composition.Status.RUNNING,
                                          worker=self.name)
        if not ours.update(progress=round(100 * fraction, 1), heartbeat=timezone.now()) and self.run:
            self.run.cancel()


def compose_one(composition, name, on_run=None):
    """Compose one claimed composition and store the result; the row says how it went."""
    recording = composition.recording
    workdir = work_directory(composition)
    progress = ProgressWriter(composition, name)
    run = compose.Run(options(), progress)
    progress.run = run
    if on_run is not None:
        on_run(run)
    ours = Composition.objects.filter(pk=composition.pk, status=Composition.Status.RUNNING, worker=name)
    try:
        sources = sources_for(recording, workdir)
        output = workdir / COMPOSED_NAME
        duration = run.compose(sources, output, workdir)
        size = output.stat().st_size
        name_in_storage = f"recordings/{recording.room.slug}/{recording.pk}/{COMPOSED_NAME}"
        if not ours.exists():
            raise compose.Cancelled()
        old = Composition.objects.get(pk=composition.pk).file.name
        if old:
            default_storage.delete(old)
        with open(output, "rb") as handle:
            saved = default_storage.save(name_in_storage, MovedFile(handle, name=COMPOSED_NAME))
        if not ours.update(status=Composition.Status.DONE, file=saved, duration=duration, size=size,
                           progress=100, finished_at=timezone.now(), heartbeat=timezone.now()):
            default_storage.delete(saved)  # deleted meanwhile
            return
        log.warning("recording %s composed: %.1f s, %d bytes", recording.pk, duration, size)
    except compose.Cancelled:
        # Shutting down: hand it back. Deleted or taken over: nothing to do.
        ours.update(status=Composition.Status.PENDING, worker="", progress=0,
                    attempts=F("attempts") - 1)
        log.warning("composition of recording %s stopped before it was done", recording.pk)
    except compose.ComposeError as error:
        ours.update(status=Composition.Status.FAILED, error=str(error), finished_at=timezone.now())
        log.warning("composition of recording %s failed: %s", recording.pk, error)
    except Exception as error:
        log.exception("composition of recording %s failed", recording.pk)
        ours.update(status=Composition.Status.FAILED, error=f"The composer failed: {error}",
                    finished_at=timezone.now())
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


class Composer:
    """Take waiting compositions one at a time until stopped (in a thread of its own, or the foreground)."""

    def __init__(self, poll_seconds=None):
        self.poll_seconds = poll_seconds or settings.COMPOSE_POLL_SECONDS
        self.stopping = threading.Event()
        self.woken = threading.Event()
        self.run = None
        self.name = None

    def wake(self):
        self.woken.set()

    def stop(self):
        """Stop after (or during) the composition at hand; it goes back to waiting for another composer."""
        self.stopping.set()
        self.woken.set()
        if self.run is not None:
            self.run.cancel()

    def run_forever(self):
        _local_composers.add(self)
        self.name = worker_name()
        try:
            while not self.stopping.is_set():
                if not self.step():
                    self.woken.wait(self.poll_seconds)
                    self.woken.clear()
        finally:
            _local_composers.discard(self)
            close_old_connections()

    def run_until_done(self):
        """Compose everything waiting, then return how many were taken."""
        self.name = worker_name()
        count = 0
        while not self.stopping.is_set() and self.step():
            count += 1
        return count

    def step(self):
        """Take and compose one waiting composition; return whether there was one."""
        close_old_connections()
        try:
            requeue_stale()
            composition = claim(self.name)
        except Exception:
            log.exception("the composer could not look for work; trying again")
            return False
        if composition is None:
            return False
        try:
            compose_one(composition, self.name, on_run=self.set_run)
        finally:
            self.run = None
        return True

    def set_run(self, run):
        self.run = run
        if self.stopping.is_set():
            run.cancel()
