"""Recordings in the REST API (docs/recording.md)."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from recordings.models import Composition, Recording, RecordingFile


def absolute(serializer, path):
    request = serializer.context.get("request")
    return request.build_absolute_uri(path) if request else path


class RecordingFileSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField(help_text="The file's name, without its folders.")
    download_url = serializers.SerializerMethodField(help_text="Where the room's owner (or staff) downloads it.")

    class Meta:
        model = RecordingFile
        fields = ["id", "name", "participant_name", "peer_id", "label", "started_at", "ended_at", "duration", "size",
                  "dropped_video_frames", "dropped_audio_frames", "max_lag", "download_url"]
        read_only_fields = fields

    def get_name(self, recording_file) -> str:
        return recording_file.file.name.rsplit("/", 1)[-1]

    def get_download_url(self, recording_file) -> str:
        recording = recording_file.recording
        return absolute(self, reverse("api-room-recording-file",
                                      args=[recording.room.slug, recording.pk, recording_file.pk]))


class CompositionSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField(
        help_text="Where the room's owner (or staff) downloads the composed MP4; null until it is done."
    )

    class Meta:
        model = Composition
        fields = ["status", "progress", "error", "requested_at", "started_at", "finished_at", "duration", "size",
                  "download_url"]
        read_only_fields = fields

    def get_download_url(self, composition) -> str | None:
        if composition.status != Composition.Status.DONE or not composition.file:
            return None
        recording = composition.recording
        return absolute(self, reverse("api-room-recording-composed", args=[recording.room.slug, recording.pk]))


class RecordingSerializer(serializers.ModelSerializer):
    room = serializers.CharField(source="room.slug", read_only=True)
    files = RecordingFileSerializer(many=True, read_only=True)
    composition = serializers.SerializerMethodField(
        help_text="The one file of the whole meeting: null when none was asked for (a recording that is not "
        "finished, or had no files)."
    )

    class Meta:
        model = Recording
        fields = ["id", "room", "status", "stop_reason", "error", "fell_behind", "started_by", "stopped_by",
                  "requested_at", "started_at", "ended_at", "files", "composition"]
        read_only_fields = fields

    @extend_schema_field(CompositionSerializer(allow_null=True))
    def get_composition(self, recording):
        try:
            composition = recording.composition
        except Composition.DoesNotExist:
            return None
        return CompositionSerializer(composition, context=self.context).data
