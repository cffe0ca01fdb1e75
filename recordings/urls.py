"""The hosts' recordings pages and the media they play, under the room's own URL (included by config/urls.py)."""

from django.urls import path

from meetings import converters  # noqa: F401  (registers <db_id:…>)
from recordings import views

urlpatterns = [
    path("r/<slug:slug>/recordings/", views.room_recordings, name="room_recordings"),
    path("r/<slug:slug>/recordings/<db_id:recording_id>/delete/", views.delete_recording,
         name="room_recording_delete"),
    path("r/<slug:slug>/recordings/<db_id:recording_id>/compose/", views.compose_recording,
         name="room_recording_compose"),
    path("r/<slug:slug>/recordings/<db_id:recording_id>/composed.mp4", views.composed_file,
         name="room_recording_composed"),
    path("r/<slug:slug>/recordings/<db_id:recording_id>/files/<db_id:file_id>/", views.recording_file,
         name="room_recording_file"),
]
