"""A room's invite links for guests: create, list, revoke. The room's owner (or staff) only."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from meetings import invites
from meetings.api.common import FORBIDDEN, INVALID, NOT_FOUND, UNAUTHENTICATED, acting_user, error_response, get_room
from meetings.exceptions import ApiError
from meetings.serializers import InviteSerializer


class InviteListView(APIView):
    @extend_schema(
        operation_id="rooms_invites_list",
        summary="List a room's invites",
        description="Every invite of the room, newest first, revoked and expired ones included.",
        responses={200: InviteSerializer(many=True), 401: UNAUTHENTICATED, 403: FORBIDDEN, 404: NOT_FOUND},
        tags=["invites"],
    )
    def get(self, request, slug):
        room = get_room(request, slug, manage=True)
        rows = room.invites.select_related("room").order_by("-created", "-pk")
        return Response(InviteSerializer(rows, many=True, context={"request": request}).data)

    @extend_schema(
        operation_id="rooms_invites_create",
        summary="Create an invite link",
        description="A link that lets people without an account join this room as guests (`participant`), "
        "until `expires_at` (optional) or until it is revoked.",
        request=InviteSerializer,
        responses={201: InviteSerializer, 400: INVALID, 401: UNAUTHENTICATED, 403: FORBIDDEN, 404: NOT_FOUND},
        tags=["invites"],
    )
    def post(self, request, slug):
        room = get_room(request, slug, manage=True)
        serializer = InviteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invite = invites.create_invite(
            room, created_by=acting_user(request), expires_at=serializer.validated_data.get("expires_at")
        )
        return Response(InviteSerializer(invite, context={"request": request}).data, status=status.HTTP_201_CREATED)


class InviteDetailView(APIView):
    @extend_schema(
        operation_id="rooms_invites_destroy",
        summary="Revoke an invite",
        description="The link stops working at once, and guests who came in through it get no new tokens. "
        "The invite stays in the list with its `revoked_at`.",
        responses={
            204: None,
            401: UNAUTHENTICATED,
            403: FORBIDDEN,
            404: error_response("No such room, or no such invite in it (`not-found`)."),
        },
        tags=["invites"],
    )
    def delete(self, request, slug, invite_id):
        room = get_room(request, slug, manage=True)
        invite = room.invites.filter(pk=invite_id).first()
        if invite is None:
            raise ApiError(status.HTTP_404_NOT_FOUND, "not-found", "This room has no such invite.")
        invites.revoke_invite(invite)
        return Response(status=status.HTTP_204_NO_CONTENT)
