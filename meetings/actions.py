"""Everything that changes a room, in one place: pages, the API, the admin and the signalling server call these."""

from django.conf import settings
from django.db import transaction

from meetings import access, signals
from meetings.models import Room
from meetings.tokens import issue_room_token


class NotAllowed(Exception):
    """The person may not do this to the room; `code` names it for the API and the signalling server."""

    def __init__(self, message, code="not-allowed"):
        super().__init__(message)
        self.code = code


def create_room(owner, name, access_rule=Room.Access.LINK, max_participants=None):
    room = Room(owner=owner, name=name, access=access_rule)
    if max_participants is not None:
        room.max_participants = max_participants
    room.full_clean()
    with transaction.atomic():
        room.save()
        signals.room_created.send(Room, room=room)
    return room


def set_locked(room, locked):
    """Lock or unlock a room; nobody new can join a locked room. A live meeting is told."""
    from signalling import moderation
    from signalling.publish import publish

    publish(moderation.set_locked(room.pk, locked), room.slug)
    room.is_locked = locked
    return room


def tell_live_meeting(room):
    """Send the room's current rules to the people in its live meeting, if there is one."""
    from signalling import moderation
    from signalling.publish import publish

    publish(moderation.room_updated(room.pk), room.slug)


def end_meeting(room, by):
    """End the room's live meeting for everyone in it."""
    from signalling import moderation
    from signalling.publish import publish

    publish(moderation.end_meeting(room.pk, by), room.slug)


def start_recording(room, by):
    """Start recording the room's meeting; raise NotAllowed (code no-recorder, already-recording) if it cannot."""
    from recordings import service

    return service.start_recording(room, by)


def stop_recording(room, by):
    """Stop the room's recording; raise NotAllowed (code not-recording) if none runs."""
    from recordings import service

    return service.stop_recording(room, by)


def remove_participant(room, peer_id, by):
    """Remove someone from the room's live meeting; they cannot come back to it."""
    from signalling import moderation
    from signalling.publish import publish

    publish(moderation.remove(room.pk, peer_id, by), room.slug)


def issue_token(*, identity, name, room, role):
    """Return (token, claims) for one identity in one room, signed with the deployment's room-token secret."""
    return issue_room_token(
        secret=settings.ROOM_TOKEN_SECRET,
        issuer=settings.ROOM_TOKEN_ISSUER,
        audience=settings.ROOM_TOKEN_AUDIENCE,
        identity=identity,
        name=name,
        room=room.slug,
        role=role,
        lifetime_seconds=settings.ROOM_TOKEN_LIFETIME.total_seconds(),
    )


def issue_token_for_user(user, room, name=None):
    """Return (token, claims) for a signed-in user (shown as `name` in this meeting if given), or raise NotAllowed."""
    if not access.can_enter(user, room):
        raise NotAllowed("You are not a member of this room.")
    return issue_token(identity=f"user:{user.pk}", name=name or user.name, room=room, role=access.role_for(user, room))


ROOM_RULES = {"name", "access", "max_participants", "is_locked", "requires_approval", "ice_transport_policy"}


def update_room(room, password=None, **changes):
    """Change a room's rules (and, with `password`, set it; "" clears it); tell its live meeting; return it."""
    unknown = set(changes) - ROOM_RULES
    if unknown:
        raise ValueError(f"cannot change {', '.join(sorted(unknown))}")
    for field, value in changes.items():
        setattr(room, field, value)
    fields = list(changes)
    if password is not None:
        room.set_password(password)
        fields.append("password_hash")
    room.full_clean()
    room.save(update_fields=fields or None)
    tell_live_meeting(room)
    return room


def add_member(room, user):
    """Let a user into a members-only room."""
    from meetings.models import RoomMember

    RoomMember.objects.get_or_create(room=room, user=user)


def remove_member(room, user):
    from meetings.models import RoomMember

    RoomMember.objects.filter(room=room, user=user).delete()


def delete_room(room):
    with transaction.atomic():
        signals.room_deleted.send(Room, room=room)
        room.delete()
