"""Rooms: list mine, create, retrieve, change, delete, and who is in one right now."""

from django.db.models import Q
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from meetings import actions
from meetings.api.common import FORBIDDEN, INVALID, NOT_FOUND, UNAUTHENTICATED, acting_user, get_room
from meetings.models import Room
from meetings.serializers import ParticipantSerializer, RoomCreateSerializer, RoomSerializer
from signalling import roster
from signalling.models import Participant


class RoomListView(APIView):
    @extend_schema(
        operation_id="rooms_list",
        summary="List my rooms",
        description="The rooms the caller owns or is a member of, newest first. "
        "A service sees the rooms of its API key's owner.",
        responses={200: RoomSerializer(many=True), 401: UNAUTHENTICATED, 403: FORBIDDEN},
        tags=["rooms"],
    )
    def get(self, request):
        user = acting_user(request)
        rooms = Room.objects.filter(Q(owner=user) | Q(memberships__user=user)).select_related("owner").distinct()
        return Response(RoomSerializer(rooms, many=True, context={"request": request}).data)

    @extend_schema(
        operation_id="rooms_create",
        summary="Create a room",
        description="Create a room owned by the caller (a service: by its API key's owner).",
        request=RoomCreateSerializer,
        responses={201: RoomSerializer, 400: INVALID, 401: UNAUTHENTICATED, 403: FORBIDDEN},
        tags=["rooms"],
    )
    def post(self, request):
        owner = acting_user(request)
        serializer = RoomCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        room = actions.create_room(
            owner, data["name"], data.get("access", Room.Access.LINK), data.get("max_participants")
        )
        return Response(RoomSerializer(room, context={"request": request}).data, status=status.HTTP_201_CREATED)


class RoomDetailView(APIView):
    @extend_schema(
        operation_id="rooms_retrieve",
        summary="Get a room",
        description="Anyone who may enter the room may look at it.",
        responses={200: RoomSerializer, 401: UNAUTHENTICATED, 403: FORBIDDEN, 404: NOT_FOUND},
        tags=["rooms"],
    )
    def get(self, request, slug):
        room = get_room(request, slug)
        return Response(RoomSerializer(room, context={"request": request}).data)

    @extend_schema(
        operation_id="rooms_partial_update",
        summary="Change a room",
        description="Change the name, access, max_participants or lock. Owner or staff only.",
        request=RoomSerializer(partial=True),
        responses={200: RoomSerializer, 400: INVALID, 401: UNAUTHENTICATED, 403: FORBIDDEN, 404: NOT_FOUND},
        tags=["rooms"],
    )
    def patch(self, request, slug):
        room = get_room(request, slug, manage=True)
        serializer = RoomSerializer(room, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        locked = changes.pop("is_locked", None)
        if changes:
            actions.update_room(room, **changes)
        if locked is not None and locked != room.is_locked:
            actions.set_locked(room, locked)
        return Response(RoomSerializer(room, context={"request": request}).data)

    @extend_schema(
        operation_id="rooms_destroy",
        summary="Delete a room",
        description="Delete the room for good. Owner or staff only.",
        responses={204: None, 401: UNAUTHENTICATED, 403: FORBIDDEN, 404: NOT_FOUND},
        tags=["rooms"],
    )
    def delete(self, request, slug):
        room = get_room(request, slug, manage=True)
        actions.delete_room(room)
        return Response(status=status.HTTP_204_NO_CONTENT)


class RoomParticipantsView(APIView):
    @extend_schema(
        operation_id="rooms_participants_list",
        summary="Who is in a room now",
        description="The live participants, oldest first, as peers see them in rosters. "
        "Recorders and people waiting in the lobby are not listed.",
        responses={200: ParticipantSerializer(many=True), 401: UNAUTHENTICATED, 403: FORBIDDEN, 404: NOT_FOUND},
        tags=["rooms"],
    )
    def get(self, request, slug):
        room = get_room(request, slug)
        live = (
            Participant.objects.filter(room=room, status__in=roster.SEATED, last_seen__gte=roster.stale_before())
            .exclude(role__in=roster.HIDDEN_ROLES)
            .order_by("joined_at", "pk")
        )
        return Response([roster.describe(participant) for participant in live])
