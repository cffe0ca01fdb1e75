"""Joining a meeting: who gets a seat, who waits in the lobby, who takes an earlier seat back, who is refused.

`admit` runs in one transaction under the room's lock, so two workers admitting at once cannot overfill a room.
"""

import hashlib
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from meetings import access, signals
from meetings.models import Room
from sfu.route import decide_route
from signalling import store
from signalling.contract import HIDDEN_ROLES, ROLES_PAST_GATES
from signalling.events import Outbox, event, joined_events, lobby_event, notice, start_meeting, take_out
from signalling.models import Meeting, Participant
from signalling.protocol import ProtocolError
from signalling.wire import SEATED, describe, welcome_for


@dataclass
class Admission:
    room: Room
    meeting: Meeting
    participant: Participant
    resume_secret: str
    resumed: bool
    outbox: Outbox
    welcome: dict = None  # what welcome_for() returns, read in the admitting transaction; None in the lobby


def new_peer_id():
    return "p_" + secrets.token_urlsafe(9)


def hash_secret(secret):
    return hashlib.sha256(secret.encode()).hexdigest()


class PasswordNeeded(ProtocolError):
    """The room's password stands between this newcomer and a seat: the caller checks it (slowly, elsewhere) against
    `password_hash` and calls admit again with `verified_hash`."""

    def __init__(self, password_hash):
        super().__init__("password-required", "This room needs a password.")
        self.password_hash = password_hash


def admit(slug, claims, channel_name, resume=None, presence=None, verified_hash=None, address=""):
    """Seat a participant (or put it in the lobby), or raise ProtocolError saying why not.

    A room password is never checked here: this runs in a transaction holding the room's lock, and a password
    hash takes a second of CPU. Without `verified_hash` (the room's password hash, which the caller found the
    given password to match) a newcomer who must give the password gets PasswordNeeded, and nothing changes.
    """
    # No savepoint of its own: it runs alone in a transaction, or in a group commit's savepoint for this change
    # (signalling/db.py), which takes back what a refused join did. Two statements fewer a join.
    with transaction.atomic(savepoint=False):
        room = store.room_by_slug(slug, lock=True)
        if room is None:
            raise ProtocolError("room-not-found", "This room does not exist.")
        if not access.identity_may_enter(claims.identity, room):
            raise ProtocolError("forbidden", "You are not a member of this room.")
        meeting = store.live_meeting(room) or start_meeting(room)
        outbox = Outbox(slug)
        like_removed = check_removals(meeting, claims, address)

        resumed = resume_seat(meeting, claims, channel_name, resume, outbox)
        if resumed is not None:
            admission = Admission(room, meeting, resumed, resume["secret"], True, outbox)
            if resumed.status != Participant.Status.LOBBY:
                admission.welcome = welcome_for(meeting, resumed, store.participants(meeting))
            return admission

        # One read of the meeting's people serves the seat count, the same-identity check and the welcome.
        participants = store.participants(meeting)

        past_gates = claims.role in ROLES_PAST_GATES
        if not past_gates and room.is_locked:
            raise ProtocolError("room-locked", "This room is locked.")
        if not past_gates and room.has_password and verified_hash != room.password_hash:
            if verified_hash is not None:  # the password changed since it was checked
                raise ProtocolError("bad-password", "That is not the room's password.")
            raise PasswordNeeded(room.password_hash)
        # Someone from where a removed person came from waits for a moderator, whatever the room's rules.
        to_lobby = (room.requires_approval or like_removed) and not past_gates
        if not to_lobby and claims.role not in HIDDEN_ROLES:
            check_room_has_a_seat(room, participants, claims.identity)

        # The same identity connecting again without resuming: the newer connection replaces the older one.
        for older in [p for p in participants if p.identity == claims.identity]:
            outbox.notices.append(notice(older, "replaced"))
            outbox.events.extend(take_out(meeting, older, "replaced"))
            participants.remove(older)

        secret = secrets.token_urlsafe(24)
        participant = store.insert(Participant(
            room=room,
            meeting=meeting,
            peer_id=new_peer_id(),
            identity=claims.identity,
            display_name=claims.name,
            role=claims.role,
            status=Participant.Status.LOBBY if to_lobby else Participant.Status.JOINED,
            channel_name=channel_name,
            resume_hash=hash_secret(secret),
            device=claims.device,
            address=address[:64],
            invite=claims.invite,
            like_removed=like_removed and not past_gates,
            **initial_presence(claims, presence),
        ))
        if meeting.emptied_at is not None:
            Meeting.objects.filter(pk=meeting.pk).update(emptied_at=None)
        participants.append(participant)
        if to_lobby:
            signals.lobby_knocked.send(Participant, meeting=meeting, participant=participant)
            outbox.events.append(lobby_event(meeting, participants))
            return Admission(room, meeting, participant, secret, False, outbox)
        # The route first: those already in a meeting that moves to the server hear it before they hear of the
        # newcomer, so nobody starts a browser-to-browser connection it would drop at once.
        outbox.events.extend(decide_route(room, meeting, participants))
        outbox.events.extend(joined_events(meeting, participant))
        welcome = welcome_for(meeting, participant, participants)
        return Admission(room, meeting, participant, secret, False, outbox, welcome)


def check_removals(meeting, claims, address):
    """Refuse someone removed from this meeting: by identity, or by browser whatever identity it comes back with.
    Return whether the newcomer only looks like someone removed (the same address, or the same invite)."""
    removals = store.removals(meeting)
    for identity, device, removed_address, invite in removals:
        if identity == claims.identity or (device and device == claims.device):
            raise ProtocolError("removed", "You were removed from this meeting.")
    return any((address and removed_address == address) or (invite and invite == claims.invite)
               for _, _, removed_address, invite in removals)


def initial_presence(claims, presence):
    """Return the microphone / camera / screen / hand state a newcomer says it starts with."""
    chosen = {name: bool(value) for name, value in (presence or {}).items() if value is not None}
    if not claims.can("publish"):
        chosen.update(audio=False, video=False, screen=False)
    if chosen.get("hand"):
        chosen["hand_raised_at"] = timezone.now()
    return chosen


def check_room_has_a_seat(room, participants, identity):
    """Refuse when the room's visible seats, not counting this identity's own, are all taken."""
    seated = sum(
        1 for p in participants if p.status in SEATED and p.role not in HIDDEN_ROLES and p.identity != identity
    )
    if seated >= room.max_participants:
        raise ProtocolError("room-full", f"This room is full ({room.max_participants} people).")


def resume_seat(meeting, claims, channel_name, resume, outbox):
    """Give a returning client its old seat and peer id, if it proves it held them; else None."""
    if not resume:
        return None
    participant = Participant.objects.filter(
        meeting=meeting, peer_id=resume["peer_id"], identity=claims.identity,
        resume_hash=hash_secret(resume["secret"]),
    ).first()
    if participant is None:
        return None
    was_away = participant.status == Participant.Status.AWAY
    if participant.channel_name != channel_name and not was_away:
        # The old socket has not noticed it is gone yet: close it quietly, the seat moves here.
        outbox.notices.append(notice(participant, "moved"))
    participant.channel_name = channel_name
    participant.last_seen = timezone.now()
    participant.disconnected_at = None
    if was_away:
        participant.status = Participant.Status.JOINED
    participant.save()
    Meeting.objects.filter(pk=meeting.pk).update(emptied_at=None)
    if participant.role not in HIDDEN_ROLES and participant.status != Participant.Status.LOBBY:
        # Workers learn the new channel; clients see the peer connected again, never a leave and a join.
        outbox.events.append(event(meeting, "peer-updated", peer=describe(participant), _channel=channel_name))
    return participant
