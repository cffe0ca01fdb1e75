"""A room's recording through the REST API: start, stop, look, list, download, compose again, delete. The room's
owner (or staff) only."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from meetings import actions
from meetings.api.common import FORBIDDEN, NOT_FOUND, UNAUTHENTICATED, acting_user, error_response, get_room
from meetings.exceptions import ApiError
from recordings import composer, media, removal
from recordings.models import Composition, Recording, RecordingFile
from recordings.serializers import RecordingSerializer
from signalling.publish import publish

START_CONFLICT = error_response(
    "A recording is starting or running already (`already-recording`), or no recorder process is running "
    "(`no-recorder`)."
)
STOP_CONFLICT = error_response("No recording is starting or running (`not-recording`).")


def recordings_of(room):
    return Recording.objects.filter(room=room).select_related("room", "composition").prefetch_related(
        "files", "files__recording"
    )


def recording_of(room, recording_id):
    recording = recordings_of(room).filter(pk=recording_id).first()
    if recording is None:
        raise ApiError(status.HTTP_404_NOT_FOUND, "not-found", "This room has no such recording.")
    return recording


def stored_file(request, field_file, what):
    try:
        return media.file_response(request, field_file, as_attachment=request.GET.get("inline") != "1")
    except (OSError, ValueError):
        raise ApiError(status.HTTP_404_NOT_FOUND, "not-found", f"{what} is no longer stored.") from None


class RoomRecordingView(APIView):
    @extend_schema(
        operation_id="rooms_recording_retrieve",
        summary="The room's current recording",
        description="The recording that is starting or running, or 404 (`not-recording`).",
        responses={200: RecordingSerializer, 401: UNAUTHENTICATED, 403: FORBIDDEN,
                   404: error_response("No such room (`not-found`), or no recording runs (`not-recording`).")},
        tags=["recordings"],
    )
    def get(self, request, slug):
        room = get_room(request, slug, manage=True)
        recording = recordings_of(room).filter(status__in=Recording.ACTIVE).first()
        if recording is None:
            raise ApiError(status.HTTP_404_NOT_FOUND, "not-recording", "This meeting is not being recorded.")
        return Response(RecordingSerializer(recording, context={"request": request}).data)

    @extend_schema(
        operation_id="rooms_recording_start",
        summary="Start recording",
        description="Everyone in the room is told at once that the meeting is being recorded; a recorder process "
        "then joins it as a hidden peer and records each participant to a file of their own. The recording is "
        "`starting` until the recorder has joined, then `recording`.",
        request=None,
        responses={201: RecordingSerializer, 401: UNAUTHENTICATED, 403: FORBIDDEN, 404: NOT_FOUND,
                   409: START_CONFLICT},
        tags=["recordings"],
    )
    def post(self, request, slug):
        room = get_room(request, slug, manage=True)
        recording = publish(actions.start_recording(room, actions.Actor.user(acting_user(request)))).result
        return Response(RecordingSerializer(recording, context={"request": request}).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="rooms_recording_stop",
        summary="Stop recording",
        description="The recording becomes `stopping`; its recorder closes its files and leaves, and it becomes "
        "`done` a moment later.",
        request=None,
        responses={202: RecordingSerializer, 401: UNAUTHENTICATED, 403: FORBIDDEN, 404: NOT_FOUND,
                   409: STOP_CONFLICT},
        tags=["recordings"],
    )
    def delete(self, request, slug):
        room = get_room(request, slug, manage=True)
        recording = publish(actions.stop_recording(room, actions.Actor.user(acting_user(request)))).result
        return Response(RecordingSerializer(recording, context={"request": request}).data,
                        status=status.HTTP_202_ACCEPTED)


class RoomRecordingListView(APIView):
    @extend_schema(
        operation_id="rooms_recordings_list",
        summary="List a room's recordings",
        description="Every recording of the room, newest first, with its files.",
        responses={200: RecordingSerializer(many=True), 401: UNAUTHENTICATED, 403: FORBIDDEN, 404: NOT_FOUND},
        tags=["recordings"],
    )
    def get(self, request, slug):
        room = get_room(request, slug, manage=True)
        return Response(RecordingSerializer(recordings_of(room), many=True, context={"request": request}).data)


class RecordingDetailView(APIView):
    @extend_schema(
        operation_id="rooms_recordings_retrieve",
        summary="Get a recording",
        responses={200: RecordingSerializer, 401: UNAUTHENTICATED, 403: FORBIDDEN,
                   404: error_response("No such room or recording (`not-found`).")},
        tags=["recordings"],
    )
    def get(self, request, slug, recording_id):
        room = get_room(request, slug, manage=True)
        return Response(RecordingSerializer(recording_of(room, recording_id), context={"request": request}).data)

    @extend_schema(
        operation_id="rooms_recordings_destroy",
        summary="Delete a recording",
        description="Deletes the recording with its files and its composed file. A recording that is starting, "
        "recording or stopping cannot be deleted (`still-recording`).",
        responses={204: None, 401: UNAUTHENTICATED, 403: FORBIDDEN,
                   404: error_response("No such room or recording (`not-found`)."),
                   409: error_response("The recording has not finished (`still-recording`).")},
        tags=["recordings"],
    )
    def delete(self, request, slug, recording_id):
        room = get_room(request, slug, manage=True)
        try:
            removal.delete_recording(recording_of(room, recording_id))
        except removal.StillRecording as error:
            raise ApiError(status.HTTP_409_CONFLICT, "still-recording", str(error)) from None
        return Response(status=status.HTTP_204_NO_CONTENT)


class RecordingCompositionView(APIView):
    @extend_schema(
        operation_id="rooms_recordings_compose",
        summary="Compose a recording (again)",
        description="Asks for the recording's composed file again: after a failed composition, or for a recording "
        "that has none. The composition becomes `pending`; a composer takes it.",
        request=None,
        responses={202: RecordingSerializer, 401: UNAUTHENTICATED, 403: FORBIDDEN,
                   404: error_response("No such room or recording (`not-found`)."),
                   409: error_response("Not finished, already being composed, nothing recorded, or composing "
                                       "switched off (`cannot-compose`).")},
        tags=["recordings"],
    )
    def post(self, request, slug, recording_id):
        room = get_room(request, slug, manage=True)
        recording = recording_of(room, recording_id)
        try:
            composer.retry(recording)
        except composer.CannotRetry as error:
            raise ApiError(status.HTTP_409_CONFLICT, "cannot-compose", str(error)) from None
        return Response(RecordingSerializer(recording_of(room, recording_id), context={"request": request}).data,
                        status=status.HTTP_202_ACCEPTED)


class RecordingComposedFileView(APIView):
    @extend_schema(
        operation_id="rooms_recordings_composed_download",
        summary="Download a recording's composed file",
        description="The MP4 (H.264 video, AAC audio) of the whole meeting, once its composition is `done`. "
        "Range requests are answered (206), so players can seek; `?inline=1` asks the browser to play it rather "
        "than save it.",
        responses={(200, "video/mp4"): OpenApiResponse(OpenApiTypes.BINARY), 401: UNAUTHENTICATED,
                   403: FORBIDDEN,
                   404: error_response("No such room or recording, or no composed file yet (`not-found`).")},
        tags=["recordings"],
    )
    def get(self, request, slug, recording_id):
        room = get_room(request, slug, manage=True)
        composition = Composition.objects.filter(
            recording_id=recording_id, recording__room=room, status=Composition.Status.DONE
        ).first()
        if composition is None or not composition.file:
            raise ApiError(status.HTTP_404_NOT_FOUND, "not-found", "This recording has no composed file yet.")
        return stored_file(request, composition.file, "The composed file")


class RecordingFileView(APIView):
    @extend_schema(
        operation_id="rooms_recordings_files_download",
        summary="Download a recording's file",
        description="The WebM file (VP8 video, Opus audio) of one participant. It can be downloaded while the "
        "recording still runs: it then ends where the recorder has got to. Range requests are answered (206); "
        "`?inline=1` asks the browser to play it rather than save it.",
        responses={(200, "video/webm"): OpenApiResponse(OpenApiTypes.BINARY), 401: UNAUTHENTICATED, 403: FORBIDDEN,
                   404: error_response("No such room, recording or file (`not-found`).")},
        tags=["recordings"],
    )
    def get(self, request, slug, recording_id, file_id):
        room = get_room(request, slug, manage=True)
        recording_file = RecordingFile.objects.filter(
            pk=file_id, recording_id=recording_id, recording__room=room
        ).first()
        if recording_file is None:
            raise ApiError(status.HTTP_404_NOT_FOUND, "not-found", "This recording has no such file.")
        return stored_file(request, recording_file.file, "This file")
