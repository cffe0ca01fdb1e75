"""The REST API under /api/v1/ (docs/api.md)."""

from django.shortcuts import get_object_or_404
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from meetings import actions
from meetings.models import Room


def websocket_url(request, room):
    scheme = "wss" if request.is_secure() else "ws"
    return f"{scheme}://{request.get_host()}/ws/rooms/{room.slug}/"


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()
    expires_at = serializers.DateTimeField()
    websocket_url = serializers.CharField()
    room = serializers.DictField()


class RoomTokenView(APIView):
    """Issue a short-lived room token for the caller."""

    def post(self, request, slug):
        from datetime import datetime, timezone

        room = get_object_or_404(Room, slug=slug)
        try:
            token, claims = actions.issue_token_for_user(request.user, room)
        except actions.NotAllowed as error:
            return Response({"code": "forbidden", "detail": str(error)}, status=status.HTTP_403_FORBIDDEN)
        return Response(
            {
                "token": token,
                "expires_at": datetime.fromtimestamp(claims["exp"], tz=timezone.utc).isoformat(),
                "websocket_url": websocket_url(request, room),
                "room": {"slug": room.slug, "name": room.name},
            },
            status=status.HTTP_201_CREATED,
        )
