"""Who may do what with a room: the rules in one place, for pages, the API and the signalling server."""

from meetings.models import Room


def can_enter(user, room):
    """Return whether this signed-in user may join the room."""
    if not user.is_authenticated:
        return False
    if room.owner_id == user.pk:
        return True
    if room.access == Room.Access.LINK:
        return True
    return room.memberships.filter(user=user).exists()


def can_manage(user, room):
    """Return whether this user may change, lock or delete the room."""
    return user.is_authenticated and (room.owner_id == user.pk or user.is_staff)


def role_for(user, room):
    """Return the role a signed-in user gets in this room."""
    return "host" if room.owner_id == user.pk else "participant"
