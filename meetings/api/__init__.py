"""The REST API under /api/v1/ (docs/api.md): room tokens, rooms, invites."""

from meetings.api.invites import InviteDetailView, InviteListView
from meetings.api.rooms import (
    RoomDetailView, RoomListView, RoomMeetingView, RoomParticipantMuteView, RoomParticipantsView, RoomParticipantView,
)
from meetings.api.tokens import RoomTokenView, websocket_url

__all__ = [
    "InviteDetailView",
    "InviteListView",
    "RoomDetailView",
    "RoomListView",
    "RoomMeetingView",
    "RoomParticipantMuteView",
    "RoomParticipantView",
    "RoomParticipantsView",
    "RoomTokenView",
    "websocket_url",
]
