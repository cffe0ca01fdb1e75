"""The recorder process (`python manage.py recorder`): takes start and stop requests from the channel layer and runs
one RoomRecorder per recording.

Start requests arrive on one channel that every recorder process reads (channels-redis gives each message to one
reader), so processes on several machines share the work against one Redis. Stop requests arrive on the process's
own channel, named in the Recording when the process takes it. Every RECORDER_HEARTBEAT_SECONDS the process marks
itself alive (start_recording fails at once with `no-recorder` when no process is), writes its files' sizes, checks
its recordings' status (a stop request that got lost still stops them) and sweeps the recordings of dead processes.
On SIGTERM or SIGINT it finishes every file, leaves every room and marks its recordings done.
"""

import asyncio
import functools
import logging
import os
import signal
import socket
import tempfile
import threading
from dataclasses import dataclass
from datetime import datetime
from datetime import timezone as dt_timezone
from pathlib import Path

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from meetings import access, actions
from recordings import service
from recordings.composer import Composer
from recordings.models import RecorderProcess, Recording, RecordingFile
from recordings.recorder import Outcome, RoomRecorder
from signalling.publish import publish

log = logging.getLogger(__name__)
db = database_sync_to_async

SHUTDOWN = Outcome("done", "shutdown", "The recorder process was shut down; the recording ends there.")


@dataclass
class Limits:
    max_seconds: int
    max_bytes: int
    min_free_bytes: int
    empty_room_seconds: int
    resume_seconds: int

    @classmethod
    def from_settings(cls):
        return cls(
            max_seconds=settings.RECORDER_MAX_SECONDS,
            max_bytes=settings.RECORDER_MAX_BYTES,
            min_free_bytes=settings.RECORDER_MIN_FREE_BYTES,
            empty_room_seconds=settings.RECORDER_EMPTY_ROOM_SECONDS,
            resume_seconds=max(1, settings.SIGNALLING_RESUME_GRACE - 2),
        )


@dataclass
class FileHandle:
    pk: int
    name: str
    path: str
    spooled: bool  # written to a local spool, to be saved to a storage without local paths when it closes


class RecordingFiles:
    """Where one recording's files go: Django's default storage, written in place when it has local paths."""

    def __init__(self, recording):
        self.recording = recording
        self.storage = default_storage
        self.count = 0
        self.closed_bytes = 0
        try:
            self.directory = Path(self.storage.path(""))
        except NotImplementedError:
            self.directory = Path(tempfile.gettempdir())
        self.directory.mkdir(parents=True, exist_ok=True)

    async def open(self, peer, label):
        self.count += 1
        person = slugify(peer.get("name") or "")[:40] or "participant"
        name = f"recordings/{self.recording.room.slug}/{self.recording.pk}/{self.count:02d}-{person}-{label}.webm"
        return await db(self.create)(peer, label, name)

    def create(self, peer, label, name):
        name = self.storage.get_available_name(name)
        try:
            path, spooled = self.storage.path(name), False
        except NotImplementedError:
            handle, path = tempfile.mkstemp(suffix=".webm", prefix="confer-recording-")
            os.close(handle)
            spooled = True
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        row = RecordingFile.objects.create(
            recording_id=self.recording.pk, file=name, peer_id=peer["peer_id"][:32],
            participant_name=(peer.get("name") or "")[:64], label=label,
        )
        return FileHandle(row.pk, name, path, spooled)

    async def close(self, handle, sink):
        self.closed_bytes += sink.size
        await db(self.finish)(handle, file_facts(sink), any(state.frames for state in sink.tracks))

    def finish(self, handle, facts, has_frames):
        if not has_frames:  # the peer never sent anything: no empty file to download
            RecordingFile.objects.filter(pk=handle.pk).delete()
            Path(handle.path).unlink(missing_ok=True)
            return
        if handle.spooled:
            with open(handle.path, "rb") as spooled:
                saved = self.storage.save(handle.name, File(spooled))
            Path(handle.path).unlink(missing_ok=True)
            RecordingFile.objects.filter(pk=handle.pk).update(file=saved)
        save_facts(handle.pk, facts, ended_at=timezone.now())

    async def progress(self, sinks):
        """Write the open files' sizes, so a crash leaves honest numbers behind."""
        rows = [(handle.pk, file_facts(sink)) for sink, handle in sinks]
        if rows:
            await db(save_progress)(rows)


def file_facts(sink):
    """What the database keeps of an open or closed file: its size, length, start, and whether it kept up."""
    facts = {
        "duration": sink.duration, "size": sink.size, "dropped_video_frames": sink.dropped_video_frames,
        "dropped_audio_frames": sink.dropped_audio_frames, "max_lag": round(sink.max_lag, 3),
    }
    if sink.started_wall is not None:
        facts["started_at"] = datetime.fromtimestamp(sink.started_wall, tz=dt_timezone.utc)
    return facts, sink.fell_behind


def save_facts(pk, facts, **more):
    fields, fell_behind = facts
    RecordingFile.objects.filter(pk=pk).update(**fields, **more)
    if fell_behind:
        Recording.objects.filter(files__pk=pk, fell_behind=False).update(fell_behind=True)


def save_progress(rows):
    for pk, facts in rows:
        save_facts(pk, facts)


# Bookkeeping in the database (sync; wrapped with db()).
def register(channel_name):
    return RecorderProcess.objects.create(channel_name=channel_name, hostname=socket.gethostname()[:255],
                                          pid=os.getpid())


def heartbeat(process):
    """Mark this process alive; come back if a sweep took it for dead while it stalled."""
    if not RecorderProcess.objects.filter(pk=process.pk).update(last_seen=timezone.now()):
        process.pk = None
        process.last_seen = timezone.now()
        process.save()


def unregister(process):
    RecorderProcess.objects.filter(pk=process.pk).delete()


def claim(recording_id, process):
    """Take a start request: return the Recording to record, or None when it was stopped or failed meanwhile."""
    with transaction.atomic():
        recording = Recording.objects.select_for_update().select_related("room").filter(pk=recording_id).first()
        if recording is None:
            return None
        if recording.status == Recording.Status.STARTING and recording.recorder_id is None:
            recording.recorder = process
            recording.recorder_channel = process.channel_name
            recording.save(update_fields=["recorder", "recorder_channel"])
            return recording
        stopped_first = recording.status == Recording.Status.STOPPING and recording.recorder_id is None
    if stopped_first:
        publish(actions.finish_recording(recording_id, Recording.Status.DONE, "requested"))
    return None


def finish(recording_id, outcome):
    publish(actions.finish_recording(recording_id, outcome.status, outcome.stop_reason, outcome.error))


def finish_lost_recordings():
    for outbox in actions.finish_lost_recordings():
        publish(outbox)


def statuses(recording_ids):
    return dict(Recording.objects.filter(pk__in=list(recording_ids)).values_list("pk", "status"))


def recorder_token(recording):
    """Return a fresh room token for this recording's recorder: each recording has its own identity."""
    token, _ = access.issue_token(identity=f"recorder:{recording.pk}", name="Recorder", room=recording.room,
                                   role="recorder")
    return token


class RecorderWorker:
    def __init__(self, max_recordings=None):
        self.max_recordings = max_recordings or settings.RECORDER_MAX_RECORDINGS
        self.recorders = {}  # recording id -> RoomRecorder
        self.shutting_down = asyncio.Event()
        self.capacity = asyncio.Event()
        self.capacity.set()

    async def run(self):
        use_ice_host_addresses(settings.RECORDER_ICE_HOST_ADDRESSES)
        self.layer = get_channel_layer()
        self.channel = await self.layer.new_channel("recorder")
        self.process = await db(register)(self.channel)
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self.shutting_down.set)
        log.warning("recorder %s ready: %s, joining rooms through %s", os.getpid(), self.channel,
                    settings.RECORDER_SIGNALLING_URL)
        loops = [asyncio.ensure_future(job()) for job in (self.take_starts, self.take_stops, self.beat)]
        composing = self.start_composer()
        try:
            await self.shutting_down.wait()
        finally:
            for job in loops:
                job.cancel()
            await asyncio.gather(*loops, return_exceptions=True)
            await self.stop_all()
            if composing is not None:
                self.composer.stop()  # the composition at hand goes back to waiting
                await asyncio.to_thread(composing.join)
            await db(unregister)(self.process)
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(signum)

    def start_composer(self):
        """Compose finished recordings on a thread of this process (RECORDER_COMPOSES); ffmpeg runs niced, so the
        live recordings come first."""
        if not (settings.RECORDING_COMPOSE and settings.RECORDER_COMPOSES):
            return None
        self.composer = Composer()
        thread = threading.Thread(target=self.composer.run_forever, name="composer", daemon=True)
        thread.start()
        return thread

    async def take_starts(self):
        while True:
            await self.capacity.wait()
            message = await self.layer.receive(service.REQUESTS_CHANNEL)
            if message.get("type") == "recording.start":
                await self.start(message["recording_id"])

    async def take_stops(self):
        while True:
            message = await self.layer.receive(self.channel)
            recorder = self.recorders.get(message.get("recording_id"))
            if message.get("type") == "recording.stop" and recorder is not None:
                recorder.stop(Outcome("done", "requested"))

    async def beat(self):
        while True:
            try:
                await db(heartbeat)(self.process)
                for recorder in list(self.recorders.values()):
                    await recorder.files.progress(recorder.open_sinks())
                for recording_id, status in (await db(statuses)(self.recorders)).items():
                    if status == Recording.Status.STOPPING:
                        self.recorders[recording_id].stop(Outcome("done", "requested"))
                    elif status in Recording.FINISHED:  # a sweep took this process for dead
                        self.recorders[recording_id].stop(Outcome(status, "recorder-lost"))
                await db(finish_lost_recordings)()
            except Exception:
                log.exception("the recorder's heartbeat failed; trying again")
            await asyncio.sleep(settings.RECORDER_HEARTBEAT_SECONDS)

    async def start(self, recording_id):
        recording = await db(claim)(recording_id, self.process)
        if recording is None:
            return
        recorder = RoomRecorder(
            recording.pk, recording.room.slug,
            url=settings.RECORDER_SIGNALLING_URL,
            make_token=functools.partial(recorder_token, recording),
            files=RecordingFiles(recording),
            limits=Limits.from_settings(),
            on_started=lambda: db(actions.recording_started)(recording.pk),
        )
        self.recorders[recording.pk] = recorder
        self.update_capacity()
        asyncio.ensure_future(self.record(recorder))

    async def record(self, recorder):
        try:
            outcome = await recorder.run()
        except BaseException:
            outcome = Outcome("failed", "error", "The recorder failed.")
            raise
        finally:
            await db(finish)(recorder.recording_id, outcome)
            self.recorders.pop(recorder.recording_id, None)
            self.update_capacity()
        log.warning("recording %s ended: %s (%s)", recorder.recording_id, outcome.status, outcome.stop_reason)

    def update_capacity(self):
        if len(self.recorders) < self.max_recordings:
            self.capacity.set()
        else:
            self.capacity.clear()

    async def stop_all(self):
        """Finish every recording's files and leave every room (SIGTERM)."""
        waiting = []
        for recorder in list(self.recorders.values()):
            recorder.stop(SHUTDOWN)
            waiting.append(self.until_gone(recorder.recording_id))
        await asyncio.gather(*waiting)

    async def until_gone(self, recording_id):
        while recording_id in self.recorders:
            await asyncio.sleep(0.05)


def use_ice_host_addresses(addresses):
    """Gather ICE host candidates on these addresses only (aioice otherwise takes every non-loopback one)."""
    if not addresses:
        return
    import aioice.ice

    from config import patches

    patches.check(["recordings.worker ICE host addresses"])

    def chosen(use_ipv4, use_ipv6):
        return [a for a in addresses if (":" in a and use_ipv6) or (":" not in a and use_ipv4)]

    aioice.ice.get_host_addresses = chosen
