"""Rooms: list mine, create, retrieve, change, delete, and who is in one right now."""

from django.db.models import Q
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from meetings import actions
from meetings.api.common import (
    FORBIDDEN, INVALID, NOT_FOUND, UNAUTHENTICATED, acting_user, error_response, get_room, may_manage,
)
from meetings.exceptions import ApiError
from meetings.models import Room
from meetings.serializers import MuteSerializer, ParticipantSerializer, RoomCreateSerializer, RoomSerializer
from signalling.contract import HIDDEN_ROLES
from signalling.models import Participant
from signalling.publish import publish
from signalling.seats import stale_before
from signalling.wire import SEATED, describe


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
        description="Change the name, access, max_participants, lock, lobby (`requires_approval`) or password "
        "(`\"\"` removes it). Owner or staff only. A live meeting hears of it at once (`room-updated`).",
        request=RoomSerializer(partial=True),
        responses={200: RoomSerializer, 400: INVALID, 401: UNAUTHENTICATED, 403: FORBIDDEN, 404: NOT_FOUND},
        tags=["rooms"],
    )
    def patch(self, request, slug):
        room = get_room(request, slug, manage=True)
        serializer = RoomSerializer(room, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        password = changes.pop("password", None)
        publish(actions.update_room(room, actions.Actor.user(acting_user(request)), password=password, **changes))
        return Response(RoomSerializer(room, context={"request": request}).data)

    @extend_schema(
        operation_id="rooms_destroy",
        summary="Delete a room",
        description="Delete the room for good. Owner or staff only. Its live meeting ends: everyone in it is "
        "closed with 4004 (`room-not-found`).",
        responses={204: None, 401: UNAUTHENTICATED, 403: FORBIDDEN, 404: NOT_FOUND},
        tags=["rooms"],
    )
    def delete(self, request, slug):
        room = get_room(request, slug, manage=True)
        publish(actions.delete_room(room, actions.Actor.user(acting_user(request))))
        return Response(status=status.HTTP_204_NO_CONTENT)


class RoomParticipantsView(APIView):
    @extend_schema(
        operation_id="rooms_participants_list",
        summary="Who is in a room now",
        description="The live participants, oldest first, as peers see them in rosters. "
        "Recorders and people waiting in the lobby are not listed. In a room with a password, only its owner, "
        "staff and the people in its meeting may look (else 403 `password-required`).",
        responses={200: ParticipantSerializer(many=True), 401: UNAUTHENTICATED, 403: FORBIDDEN, 404: NOT_FOUND},
        tags=["rooms"],
    )
    def get(self, request, slug):
        room = get_room(request, slug)
        if room.has_password and not may_manage(request, room) and not in_its_meeting(request, room):
            # Who is in a password room is for those who know the password: its people, its owner, staff.
            raise ApiError(status.HTTP_403_FORBIDDEN, "password-required",
                           "This room has a password: only the people in its meeting and its owner see who is in it.")
        live = (
            Participant.objects.filter(room=room, status__in=SEATED, last_seen__gte=stale_before())
            .exclude(role__in=HIDDEN_ROLES)
            .order_by("joined_at", "pk")
        )
        return Response([describe(participant) for participant in live])


def in_its_meeting(request, room):
    """Return whether the caller (a person) holds a seat in the room's meeting now."""
    user = acting_user(request)
    return Participant.objects.filter(room=room, identity=f"user:{user.pk}", status__in=SEATED).exists()


class RoomMeetingView(APIView):
    @extend_schema(
        operation_id="rooms_meeting_end",
        summary="End the meeting",
        description="End the room's live meeting for everyone, as a moderator's `end-meeting` does: every socket, "
        "the lobby's included, is closed with 4013 (`meeting-ended`), and the next join starts a new meeting. "
        "Owner or staff only. A room with no live meeting answers 204 too.",
        request=None,
        responses={204: None, 401: UNAUTHENTICATED, 403: FORBIDDEN, 404: NOT_FOUND},
        tags=["rooms"],
    )
    def delete(self, request, slug):
        room = get_room(request, slug, manage=True)
        publish(actions.end_meeting(room, actions.Actor.user(acting_user(request))))
        return Response(status=status.HTTP_204_NO_CONTENT)


NO_SUCH_PEER = error_response("No such room (`not-found`), or nobody with this peer id in its meeting (`unknown-peer`).")


class RoomParticipantView(APIView):
    @extend_schema(
        operation_id="rooms_participants_remove",
        summary="Remove someone from the meeting",
        description="As a moderator's `remove` does: their socket is closed with 4012 (`removed`), the others see "
        "`peer-left` (`removed`), and they cannot come back to this meeting. Owner or staff only; a host cannot be "
        "removed (403, `not-allowed`).",
        request=None,
        responses={204: None, 401: UNAUTHENTICATED, 403: FORBIDDEN, 404: NO_SUCH_PEER},
        tags=["rooms"],
    )
    def delete(self, request, slug, peer_id):
        room = get_room(request, slug, manage=True)
        publish(actions.remove_participant(room, peer_id, actions.Actor.user(acting_user(request))))
        return Response(status=status.HTTP_204_NO_CONTENT)


class RoomParticipantMuteView(APIView):
    @extend_schema(
        operation_id="rooms_participants_mute",
        summary="Turn someone's microphone, camera or screen off",
        description="As a moderator's `mute` does: their page receives `mute` and turns that source off. In a "
        "meeting between browsers this relies on their client. Owner or staff only.",
        request=MuteSerializer,
        responses={202: None, 400: INVALID, 401: UNAUTHENTICATED, 403: FORBIDDEN, 404: NO_SUCH_PEER},
        tags=["rooms"],
    )
    def post(self, request, slug, peer_id):
        room = get_room(request, slug, manage=True)
        serializer = MuteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        by = actions.Actor.user(acting_user(request))
        publish(actions.mute(room, peer_id, serializer.validated_data["kind"], by))
        return Response(status=status.HTTP_202_ACCEPTED)
