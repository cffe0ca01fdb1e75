"""Included by meetings/api_urls.py under /api/."""

from django.urls import path

from meetings import converters  # noqa: F401  (registers <db_id:…>)
from recordings import api

urlpatterns = [
    path("v1/rooms/<slug:slug>/recording/", api.RoomRecordingView.as_view(), name="api-room-recording"),
    path("v1/rooms/<slug:slug>/recordings/", api.RoomRecordingListView.as_view(), name="api-room-recordings"),
    path("v1/rooms/<slug:slug>/recordings/<db_id:recording_id>/", api.RecordingDetailView.as_view(),
         name="api-room-recording-detail"),
    path("v1/rooms/<slug:slug>/recordings/<db_id:recording_id>/files/<db_id:file_id>/", api.RecordingFileView.as_view(),
         name="api-room-recording-file"),
    path("v1/rooms/<slug:slug>/recordings/<db_id:recording_id>/composition/", api.RecordingCompositionView.as_view(),
         name="api-room-recording-composition"),
    path("v1/rooms/<slug:slug>/recordings/<db_id:recording_id>/composed/", api.RecordingComposedFileView.as_view(),
         name="api-room-recording-composed"),
]
