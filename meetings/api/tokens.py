"""POST /api/v1/rooms/<slug>/tokens/: a short-lived room token for a person, a guest, or a service's user."""

from datetime import UTC, datetime

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from meetings import access, guests
from meetings.api.common import FORBIDDEN, INVALID, NOT_FOUND, UNAUTHENTICATED, error_response
from meetings.authentication import Service, SessionAuthentication
from meetings.exceptions import ApiError
from meetings.models import Invite, Room
from meetings.serializers import RoomSummarySerializer, ServiceTokenRequestSerializer, TokenSerializer
from meetings.throttling import GuestAddressThrottle, TokenRateThrottle


def websocket_url(request, room):
    """Return the signalling WebSocket URL for this room, on the host the caller used."""
    scheme = "wss" if request.is_secure() else "ws"
    return f"{scheme}://{request.get_host()}/ws/rooms/{room.slug}/"


MEETING_NAME_MAX_LENGTH = 64


def meeting_name(request):
    """Return the display name a session caller asked for, for this meeting only, or None for its usual name."""
    data = request.data if isinstance(request.data, dict) else {}
    name = data.get("name")
    if name is None:
        return None
    if not isinstance(name, str):
        raise serializers.ValidationError({"name": ["Give the name as a string."]})
    name = name.strip()
    if len(name) > MEETING_NAME_MAX_LENGTH:
        raise serializers.ValidationError(
            {"name": [f"Ensure this field has no more than {MEETING_NAME_MAX_LENGTH} characters."]}
        )
    return name or None


def find_room(slug):
    room = Room.objects.filter(slug=slug).first()
    if room is None:
        raise ApiError(status.HTTP_404_NOT_FOUND, "not-found", "There is no room with this address.")
    return room


class RoomTokenView(APIView):
    # Anonymous callers get through to post(): a guest session is not a DRF user, so post() decides.
    permission_classes = [AllowAny]
    throttle_classes = [TokenRateThrottle, GuestAddressThrottle]

    @extend_schema(
        operation_id="rooms_tokens_create",
        summary="Issue a room token",
        description=(
            "Issue a short-lived token that lets one identity into this room with one role.\n\n"
            "- **Signed-in person** (session cookie + `X-CSRFToken`): no body; the token is for the caller, "
            "`host` in their own rooms and `participant` elsewhere. Refused (`not-a-member`) for a members-only "
            "room they are not a member of.\n"
            "- **Guest** (a session that opened an invite link): no body; a `participant` token for the invite's "
            "room only.\n"
            "- A person or guest may send `{\"name\": \"...\"}` (up to 64 characters) to be called that in this "
            "meeting instead of their usual name.\n"
            "- **Service** (`Authorization: Api-Key <key>`): names `identity`, `name` and `role` in the body; "
            "any existing room.\n\n"
            "Throttled per caller (`throttled`, with Retry-After); guests also per address, since a fresh "
            "guest session costs nothing."
        ),
        request=ServiceTokenRequestSerializer,
        responses={
            201: TokenSerializer,
            400: INVALID,
            401: UNAUTHENTICATED,
            403: FORBIDDEN,
            404: NOT_FOUND,
            429: error_response("Too many tokens asked for (`throttled`, with `retry_after`)."),
        },
        examples=[
            OpenApiExample(
                "A service's user",
                value={"identity": "customer-42", "name": "Dana", "role": "participant"},
                request_only=True,
            )
        ],
        tags=["tokens"],
    )
    def post(self, request, slug):
        fresh_device = None
        if isinstance(request.user, Service):
            token, claims, room = self.for_service(request, slug)
        else:
            request.device, fresh_device = access.device_of(request)
            if request.user.is_authenticated:
                token, claims, room = self.for_person(request, slug)
            else:
                token, claims, room = self.for_guest(request, slug)
        body = {
            "token": token,
            "expires_at": datetime.fromtimestamp(claims["exp"], tz=UTC).isoformat(),
            "websocket_url": websocket_url(request, room),
            "identity": claims["sub"],
            "name": claims["name"],
            "role": claims["role"],
            "room": RoomSummarySerializer(room).data,
        }
        response = Response(body, status=status.HTTP_201_CREATED)
        if fresh_device:
            response.set_cookie(access.DEVICE_COOKIE, fresh_device, max_age=365 * 86400, httponly=True,
                                samesite="Lax", secure=request.is_secure())
        return response

    def for_service(self, request, slug):
        room = find_room(slug)
        if not request.auth.may_issue_tokens_for(room):
            raise ApiError(status.HTTP_403_FORBIDDEN, "not-this-keys-room",
                           "This API key may issue tokens only for its owner's rooms and the rooms granted to it.")
        serializer = ServiceTokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        # Namespaced by key, so two services' "42" are two people, and no service can pose as an account.
        identity = f"ext:{request.auth.pk}:{data['identity']}"
        token, claims = access.issue_token(identity=identity, name=data["name"].strip(), room=room, role=data["role"])
        return token, claims, room

    def for_person(self, request, slug):
        room = find_room(slug)
        name = meeting_name(request)
        if access.can_enter(request.user, room):
            token, claims = access.issue_token_for_user(request.user, room, name=name, device=request.device)
            return token, claims, room
        guest = guests.guest_for(request, room)
        if guest is not None:
            return (*self.issue_for_guest(guest, room, name, request.device), room)
        raise ApiError(status.HTTP_403_FORBIDDEN, "not-a-member", "You are not a member of this room.")

    def for_guest(self, request, slug):
        if not guests.has_guest_entries(request):
            raise exceptions.NotAuthenticated("Sign in, open an invite link, or send an API key.")
        # An anonymous session is not authenticated to DRF, so its CSRF check is ours to make.
        SessionAuthentication().enforce_csrf(request)
        room = find_room(slug)
        name = meeting_name(request)
        had_entry, by_link = guests.has_entry_for(request, room), guests.came_by_link(request, room)
        guest = guests.guest_for(request, room)
        if guest is not None:
            return (*self.issue_for_guest(guest, room, name, request.device), room)
        if had_entry:
            detail = ("This room no longer lets in guests: ask its host for an invite link." if by_link
                      else "The invite you joined with has expired or was revoked.")
            raise ApiError(status.HTTP_403_FORBIDDEN, "invite-unusable", detail)
        raise ApiError(status.HTTP_403_FORBIDDEN, "guest-wrong-room", "Your invite is for another room.")

    @staticmethod
    def issue_for_guest(guest, room, name=None, device=""):
        invite = Invite.objects.filter(token=guest.invite).values_list("pk", flat=True).first()
        return access.issue_token(identity=guest.identity, name=name or guest.name, room=room, role=guest.role,
                                  device=device, invite=str(invite or ""))
