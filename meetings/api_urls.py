"""Mounted at /api/ by config/urls.py: the versioned API, its OpenAPI schema and its browsable docs."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from meetings import api
from meetings import converters  # noqa: F401  (registers <db_id:…>)
from meetings.exceptions import not_found

urlpatterns = [
    path("v1/rooms/", api.RoomListView.as_view(), name="api-rooms"),
    path("v1/rooms/<slug:slug>/", api.RoomDetailView.as_view(), name="api-room"),
    path("v1/rooms/<slug:slug>/tokens/", api.RoomTokenView.as_view(), name="api-room-tokens"),
    path("v1/rooms/<slug:slug>/meeting/", api.RoomMeetingView.as_view(), name="api-room-meeting"),
    path("v1/rooms/<slug:slug>/participants/", api.RoomParticipantsView.as_view(), name="api-room-participants"),
    path("v1/rooms/<slug:slug>/participants/<str:peer_id>/", api.RoomParticipantView.as_view(),
         name="api-room-participant"),
    path("v1/rooms/<slug:slug>/participants/<str:peer_id>/mute/", api.RoomParticipantMuteView.as_view(),
         name="api-room-participant-mute"),
    path("v1/rooms/<slug:slug>/invites/", api.InviteListView.as_view(), name="api-room-invites"),
    path("v1/rooms/<slug:slug>/invites/<db_id:invite_id>/", api.InviteDetailView.as_view(), name="api-room-invite"),
    path("", include("recordings.api_urls")),  # a room's recording and recordings
    path("", include("webhooks.api_urls")),  # webhook endpoints (staff)
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    # Anything else under /api/ is a JSON 404 too, never the site's HTML page.
    re_path(r"^.*$", not_found, name="api-not-found"),
]
