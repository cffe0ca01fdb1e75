from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RecorderProcess(models.Model):
    """A running `manage.py recorder`: it marks itself alive every RECORDER_HEARTBEAT_SECONDS."""

    channel_name = models.CharField(max_length=200, unique=True, help_text="Its own channel: stop requests go there.")
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("recorder process")
        verbose_name_plural = _("recorder processes")  # not Django's "recorder processs"

    def __str__(self):
        return f"recorder {self.pid} on {self.hostname}"


class Recording(models.Model):
    """One recording of a room: a hidden recorder peer receives every participant into files."""

    class Status(models.TextChoices):
        STARTING = "starting", _("starting")
        RECORDING = "recording", _("recording")
        STOPPING = "stopping", _("stopping")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    ACTIVE = (Status.STARTING, Status.RECORDING)  # at most one per room
    ANNOUNCED = (Status.STARTING, Status.RECORDING, Status.STOPPING)  # the room is told while any of these exists
    FINISHED = (Status.DONE, Status.FAILED)

    room = models.ForeignKey("meetings.Room", on_delete=models.CASCADE, related_name="recordings")
    started_by = models.CharField(max_length=150, help_text="The identity that asked for it, e.g. user:3.")
    started_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    stopped_by = models.CharField(max_length=150, blank=True)
    requested_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True, help_text="When the recorder joined the room.")
    ended_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.STARTING)
    stop_reason = models.CharField(max_length=32, blank=True)
    error = models.TextField(blank=True)
    recorder = models.ForeignKey(
        RecorderProcess, null=True, blank=True, on_delete=models.SET_NULL, related_name="recordings"
    )
    recorder_channel = models.CharField(max_length=200, blank=True, help_text="Where stop requests go.")
    fell_behind = models.BooleanField(
        default=False, help_text="The recorder could not keep up (a busy machine): some video was skipped (the "
        "picture holds) or written late. Its files still last as long as the meeting did."
    )

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["room"], condition=Q(status__in=["starting", "recording"]), name="one_active_recording_per_room"
            )
        ]

    def __str__(self):
        return f"Recording {self.pk} of {self.room_id} ({self.status})"

    @property
    def is_active(self):
        return self.status in self.ACTIVE


def recording_file_name(instance, filename):
    return f"recordings/{instance.recording.room.slug}/{instance.recording_id}/{filename}"


class RecordingFile(models.Model):
    """One participant's media from one connection: audio and camera, or a track that came later (a screen)."""

    recording = models.ForeignKey(Recording, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(upload_to=recording_file_name, max_length=300)
    peer_id = models.CharField(max_length=32)
    participant_name = models.CharField(max_length=64)
    label = models.CharField(max_length=32, help_text="What it holds: audio-video, audio, video, screen.")
    started_at = models.DateTimeField(
        default=timezone.now, help_text="The wall-clock time of the file's time zero: the arrival of its first frame."
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    duration = models.FloatField(default=0, help_text="Seconds.")
    size = models.PositiveBigIntegerField(default=0, help_text="Bytes.")
    dropped_video_frames = models.PositiveIntegerField(
        default=0, help_text="Video frames the recorder skipped because it was behind; the picture holds there."
    )
    dropped_audio_frames = models.PositiveIntegerField(
        default=0, help_text="Audio frames the recorder dropped because it was far behind; silence fills them."
    )
    max_lag = models.FloatField(default=0, help_text="Seconds the writing fell behind the media at worst.")

    class Meta:
        ordering = ["started_at", "pk"]

    def __str__(self):
        return self.file.name


def composition_file_name(instance, filename):
    return f"recordings/{instance.recording.room.slug}/{instance.recording_id}/{filename}"


class Composition(models.Model):
    """The one file of a whole recording: everyone's video in a grid that follows who was there, the sound mixed
    (recordings.compose). Made by a composer (recordings.composer) after the recording finishes."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting")
        RUNNING = "running", _("composing")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    recording = models.OneToOneField(Recording, on_delete=models.CASCADE, related_name="composition")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    progress = models.FloatField(default=0, help_text="Percent done, from ffmpeg's progress.")
    file = models.FileField(upload_to=composition_file_name, max_length=300, blank=True)
    duration = models.FloatField(default=0, help_text="Seconds.")
    size = models.PositiveBigIntegerField(default=0, help_text="Bytes.")
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    requested_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=200, blank=True, help_text="The process composing it: host and pid.")
    heartbeat = models.DateTimeField(null=True, blank=True, help_text="When that process last said it was at it.")

    def __str__(self):
        return f"Composition of recording {self.recording_id} ({self.status})"
