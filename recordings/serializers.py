"""Recordings in the REST API (docs/recording.md)."""

from django.urls import reverse
from rest_framework import serializers

from recordings.models import Recording, RecordingFile


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
        path = reverse("api-room-recording-file", args=[recording.room.slug, recording.pk, recording_file.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class RecordingSerializer(serializers.ModelSerializer):
    room = serializers.CharField(source="room.slug", read_only=True)
    files = RecordingFileSerializer(many=True, read_only=True)

    class Meta:
        model = Recording
        fields = ["id", "room", "status", "stop_reason", "error", "fell_behind", "started_by", "stopped_by",
                  "requested_at", "started_at", "ended_at", "files"]
        read_only_fields = fields
