"""Guests: people without an account who opened an invite link, or the link of a room that lets in anyone. They
live in the session, one entry per room.

A guest entry lets its session into that room only, and only while what let it in still does: revoking or expiring
the invite, or closing the room to guests (its access rule), shuts out the guests it let in the next time they ask
for a token. An entry made by the room's own link has no invite (`"invite": null`).
"""

import secrets
from dataclasses import dataclass

from meetings.models import Invite

SESSION_KEY = "confer_guests"
GUEST_NAME_MAX_LENGTH = 64


@dataclass(frozen=True)
class Guest:
    identity: str
    name: str
    room: str
    invite: str | None  # None: let in by the room's own link

    role = "participant"


def usable_invite(token):
    """Return the usable invite with this token, or None when there is none or it expired or was revoked."""
    invite = Invite.objects.select_related("room").filter(token=token).first()
    if invite is None or not invite.is_usable():
        return None
    return invite


def admit_guest(request, invite, name):
    """Remember in the session that this person is a guest of the invite's room; return the Guest."""
    entries = dict(request.session.get(SESSION_KEY, {}))
    previous = entries.get(invite.room.slug) or {}
    guest = Guest(
        # The same person re-opening a link keeps their identity, so others see one peer, not two.
        identity=previous.get("identity") or "guest:" + secrets.token_urlsafe(12),
        name=name.strip()[:GUEST_NAME_MAX_LENGTH],
        room=invite.room.slug,
        invite=invite.token,
    )
    entries[guest.room] = {"identity": guest.identity, "name": guest.name, "room": guest.room, "invite": guest.invite}
    request.session[SESSION_KEY] = entries
    return guest


def admit_link_guest(request, room, name):
    """Remember that this person is a guest of a room whose own link lets in anyone; return the Guest."""
    entries = dict(request.session.get(SESSION_KEY, {}))
    previous = entries.get(room.slug) or {}
    guest = Guest(
        identity=previous.get("identity") or "guest:" + secrets.token_urlsafe(12),
        name=name.strip()[:GUEST_NAME_MAX_LENGTH],
        room=room.slug,
        invite=None,
    )
    entries[guest.room] = {"identity": guest.identity, "name": guest.name, "room": guest.room, "invite": None}
    request.session[SESSION_KEY] = entries
    return guest


def came_by_link(request, room):
    """Return whether this session's entry for the room came from the room's own link, not an invite."""
    entry = request.session.get(SESSION_KEY, {}).get(room.slug) if getattr(request, "session", None) else None
    return isinstance(entry, dict) and entry.get("invite") is None


def has_guest_entries(request):
    """Return whether this session is a guest of any room (usable or not)."""
    return bool(getattr(request, "session", None) and request.session.get(SESSION_KEY))


def has_entry_for(request, room):
    """Return whether this session was made a guest of this room, whether or not its invite is still usable."""
    return bool(getattr(request, "session", None) and room.slug in request.session.get(SESSION_KEY, {}))


def guest_for(request, room):
    """Return the Guest this session is in this room, or None (no entry, or its invite expired or was revoked)."""
    session = getattr(request, "session", None)
    if session is None:
        return None
    entry = session.get(SESSION_KEY, {}).get(room.slug)
    if not isinstance(entry, dict):
        return None
    if entry.get("invite") is None:  # came by the room's own link: as long as the room lets in anyone
        if not room.lets_in_guests:
            forget_guest(request, room.slug)
            return None
        return Guest(identity=entry["identity"], name=entry["name"], room=room.slug, invite=None)
    invite = Invite.objects.filter(token=entry.get("invite"), room=room).first()
    if invite is None or not invite.is_usable():
        forget_guest(request, room.slug)
        return None
    return Guest(identity=entry["identity"], name=entry["name"], room=room.slug, invite=invite.token)


def forget_guest(request, slug):
    """Drop this session's guest entry for a room."""
    entries = dict(request.session.get(SESSION_KEY, {}))
    if entries.pop(slug, None) is not None:
        request.session[SESSION_KEY] = entries
