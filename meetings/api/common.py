"""What every API view needs: who the caller acts as, which rooms they may see or manage, and the error responses."""

from drf_spectacular.utils import OpenApiResponse
from rest_framework import status

from meetings import access
from meetings.authentication import Service
from meetings.exceptions import ApiError
from meetings.models import Room
from meetings.serializers import ErrorSerializer


def error_response(description):
    return OpenApiResponse(ErrorSerializer, description=description)


UNAUTHENTICATED = error_response(
    "No session and no API key, or a bad or revoked key (`not-authenticated`, `api-key-…`)."
)
FORBIDDEN = error_response("The caller may not do this (`not-a-member`, `not-the-owner`, `csrf-failed`, …).")
NOT_FOUND = error_response("No such room (`not-found`).")
INVALID = error_response("The body is not valid (`invalid`, with `errors` by field).")


def acting_user(request):
    """Return the user the caller acts as in the rooms API: the person, or the creator of a service's API key."""
    if isinstance(request.user, Service):
        if request.user.owner is None:
            raise ApiError(
                status.HTTP_403_FORBIDDEN,
                "api-key-has-no-owner",
                "This API key has no owner, so it has no rooms; it can only issue tokens. "
                "Create a key with an owner (create_api_key --user) to manage rooms.",
            )
        return request.user.owner
    return request.user


def may_manage(request, room):
    """Return whether the caller may change the room: its owner or staff; a service only its owner's rooms."""
    if isinstance(request.user, Service):
        return room.owner_id == acting_user(request).pk
    return access.can_manage(request.user, room)


def may_see(request, room):
    """Return whether the caller may look at the room: anyone who may enter it, and whoever may manage it."""
    return may_manage(request, room) or access.can_enter(acting_user(request), room)


def get_room(request, slug, manage=False):
    """Return the room the caller may see (or manage), or raise a 404 or 403 API error."""
    room = Room.objects.select_related("owner").filter(slug=slug).first()
    if room is None:
        raise ApiError(status.HTTP_404_NOT_FOUND, "not-found", "There is no room with this address.")
    if manage and not may_manage(request, room):
        raise ApiError(status.HTTP_403_FORBIDDEN, "not-the-owner", "Only the room's owner may do this.")
    if not may_see(request, room):
        raise ApiError(status.HTTP_403_FORBIDDEN, "not-a-member", "You are not a member of this room.")
    return room
