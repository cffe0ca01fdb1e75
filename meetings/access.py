"""Who may do what with a room: the rules in one place, for pages, the API and the signalling server."""

from django.conf import settings

from meetings.models import Room
from meetings.tokens import issue_room_token


def user_id_of(identity):
    """Return the account id in a token identity `user:<id>`, or None for guests, services and recorders."""
    kind, _, user_id = str(identity).partition(":")
    return int(user_id) if kind == "user" and user_id.isdigit() else None


def account_may_enter(user_id, room):
    """Return whether the account with this id may join the room under its rule (members only, or the link:
    signed in, or anyone)."""
    if room.owner_id == user_id or room.access in (Room.Access.LINK, Room.Access.ANYONE):
        return True
    return room.memberships.filter(user_id=user_id).exists()


def can_enter(user, room):
    """Return whether this signed-in user may join the room."""
    return user.is_authenticated and account_may_enter(user.pk, room)


def identity_may_enter(identity, room):
    """Return whether a token's holder may still enter: an account must still pass the room's rule.

    Tokens outlive changes to the rule: an account taken off a members-only room is refused even with a token
    issued before. Guests, services and recorders were let in by what issued their token.
    """
    user_id = user_id_of(identity)
    return user_id is None or account_may_enter(user_id, room)


def can_manage(user, room):
    """Return whether this user may change, lock or delete the room."""
    return user.is_authenticated and (room.owner_id == user.pk or user.is_staff)


def role_for(user, room):
    """Return the role a signed-in user gets in this room."""
    return "host" if room.owner_id == user.pk else "participant"


class NotAMember(Exception):
    """The account may not enter the room."""


def issue_token(*, identity, name, room, role, device="", invite=""):
    """Return (token, claims) for one identity in one room, signed with the deployment's room-token secret."""
    return issue_room_token(
        device=device,
        invite=invite,
        secret=settings.ROOM_TOKEN_SECRET,
        issuer=settings.ROOM_TOKEN_ISSUER,
        audience=settings.ROOM_TOKEN_AUDIENCE,
        identity=identity,
        name=name,
        room=room.slug,
        role=role,
        lifetime_seconds=settings.ROOM_TOKEN_LIFETIME.total_seconds(),
    )


def issue_token_for_user(user, room, name=None, device=""):
    """Return (token, claims) for a signed-in user (shown as `name` in this meeting if given), or raise NotAMember."""
    if not can_enter(user, room):
        raise NotAMember("You are not a member of this room.")
    return issue_token(identity=f"user:{user.pk}", name=name or user.name, room=room, role=role_for(user, room),
                       device=device)


DEVICE_COOKIE = "confer_device"


def device_of(request):
    """Return (the device hash a token carries, a new cookie value to set or None) for this browser.

    Each browser gets a random, long-lived cookie the first time it asks for a room token; tokens carry a hash of
    it, never the cookie. A removal then holds against that browser, whatever identity it comes back with.
    """
    import hashlib
    import secrets

    cookie = request.COOKIES.get(DEVICE_COOKIE, "")
    fresh = None
    if not (16 <= len(cookie) <= 64) or not cookie.replace("-", "").replace("_", "").isalnum():
        cookie = fresh = secrets.token_urlsafe(24)
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:device:{cookie}".encode()).hexdigest()[:32]
    return digest, fresh
