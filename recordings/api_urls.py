"""Included by meetings/api_urls.py under /api/."""

from django.urls import path

from recordings import api

urlpatterns = [
    path("v1/rooms/<slug:slug>/recording/", api.RoomRecordingView.as_view(), name="api-room-recording"),
    path("v1/rooms/<slug:slug>/recordings/", api.RoomRecordingListView.as_view(), name="api-room-recordings"),
    path("v1/rooms/<slug:slug>/recordings/<int:recording_id>/", api.RecordingDetailView.as_view(),
         name="api-room-recording-detail"),
    path("v1/rooms/<slug:slug>/recordings/<int:recording_id>/files/<int:file_id>/", api.RecordingFileView.as_view(),
         name="api-room-recording-file"),
]
