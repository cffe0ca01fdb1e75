"""The room roster in the database, shared by every signalling worker. Sync functions; consumers wrap them."""

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from meetings.models import Room
from signalling.models import Participant
from signalling.protocol import ProtocolError

# Roles that may enter a locked room, and that are not counted or shown as participants.
ROLES_PAST_LOCK = frozenset({"host", "moderator", "recorder"})
HIDDEN_ROLES = frozenset({"recorder"})


@dataclass
class Admission:
    room: Room
    participant: Participant
    others: list
    stale: list


def new_peer_id():
    return "p_" + secrets.token_urlsafe(9)


def stale_before():
    return timezone.now() - timedelta(seconds=settings.SIGNALLING_STALE_SECONDS)


def check_identity_may_enter(room, identity):
    """Refuse an account whose access to a members-only room was taken away after its token was issued."""
    kind, _, user_id = identity.partition(":")
    if kind != "user" or room.access != Room.Access.MEMBERS:
        return
    if str(room.owner_id) == user_id or room.memberships.filter(user_id=user_id).exists():
        return
    raise ProtocolError("forbidden", "You are not a member of this room.")


def admit(slug, claims, channel_name):
    """Add a participant to the room's roster, or raise ProtocolError saying why not."""
    with transaction.atomic():
        room = Room.objects.select_for_update().filter(slug=slug).first()
        if room is None:
            raise ProtocolError("room-not-found", "This room does not exist.")
        check_identity_may_enter(room, claims.identity)
        cutoff = stale_before()
        stale = list(Participant.objects.filter(room=room, last_seen__lt=cutoff))
        if stale:
            Participant.objects.filter(pk__in=[p.pk for p in stale]).delete()
        others = list(Participant.objects.filter(room=room).order_by("joined_at", "pk"))
        if claims.role not in ROLES_PAST_LOCK and room.is_locked:
            raise ProtocolError("room-locked", "This room is locked.")
        if claims.role not in HIDDEN_ROLES:
            visible = sum(1 for p in others if p.role not in HIDDEN_ROLES)
            if visible >= room.max_participants:
                raise ProtocolError("room-full", f"This room is full ({room.max_participants} people).")
        participant = Participant.objects.create(
            room=room,
            peer_id=new_peer_id(),
            identity=claims.identity,
            display_name=claims.name,
            role=claims.role,
            channel_name=channel_name,
        )
    return Admission(room=room, participant=participant, others=others, stale=stale)


def remove(peer_id):
    """Take a participant off the roster; return whether it was there."""
    deleted, _ = Participant.objects.filter(peer_id=peer_id).delete()
    return deleted > 0


def mark_alive(peer_ids):
    """Mark these participants as seen now."""
    if peer_ids:
        Participant.objects.filter(peer_id__in=list(peer_ids)).update(last_seen=timezone.now())


def live_count(room):
    return Participant.objects.filter(room=room, last_seen__gte=stale_before()).exclude(role__in=HIDDEN_ROLES).count()


def describe(participant):
    """Return the public view of a participant, as peers see it in rosters."""
    return {
        "peer_id": participant.peer_id,
        "name": participant.display_name,
        "role": participant.role,
        "joined_at": participant.joined_at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }
