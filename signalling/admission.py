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
from signalling.contract import HIDDEN_ROLES, ROLES_PAST_GATES
from signalling.events import Outbox, event, joined_events, live_meeting, lobby_event, notice, take_out
from signalling.models import Meeting, Participant, Removal
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


def admit(slug, claims, channel_name, password=None, resume=None, presence=None):
    """Seat a participant (or put it in the lobby), or raise ProtocolError saying why not."""
    with transaction.atomic():
        room = Room.objects.select_for_update().filter(slug=slug).first()
        if room is None:
            raise ProtocolError("room-not-found", "This room does not exist.")
        if not access.identity_may_enter(claims.identity, room):
            raise ProtocolError("forbidden", "You are not a member of this room.")
        meeting = live_meeting(room, create=True)
        outbox = Outbox(slug)
        if Removal.objects.filter(meeting=meeting, identity=claims.identity).exists():
            raise ProtocolError("removed", "You were removed from this meeting.")

        resumed = resume_seat(meeting, claims, channel_name, resume, outbox)
        if resumed is not None:
            admission = Admission(room, meeting, resumed, resume["secret"], True, outbox)
            if resumed.status != Participant.Status.LOBBY:
                admission.welcome = welcome_for(meeting, resumed, list(Participant.objects.filter(meeting=meeting)))
            return admission

        # One read of the meeting's people serves the seat count, the same-identity check and the welcome.
        participants = list(Participant.objects.filter(meeting=meeting))

        past_gates = claims.role in ROLES_PAST_GATES
        if not past_gates and room.is_locked:
            raise ProtocolError("room-locked", "This room is locked.")
        if not past_gates and room.has_password:
            if not password:
                raise ProtocolError("password-required", "This room needs a password.")
            if not room.check_password(password):
                raise ProtocolError("bad-password", "That is not the room's password.")
        to_lobby = room.requires_approval and not past_gates
        if not to_lobby and claims.role not in HIDDEN_ROLES:
            check_room_has_a_seat(room, participants, claims.identity)

        # The same identity connecting again without resuming: the newer connection replaces the older one.
        for older in [p for p in participants if p.identity == claims.identity]:
            outbox.notices.append(notice(older, "replaced"))
            outbox.events.extend(take_out(meeting, older, "replaced"))
            participants.remove(older)

        secret = secrets.token_urlsafe(24)
        participant = Participant.objects.create(
            room=room,
            meeting=meeting,
            peer_id=new_peer_id(),
            identity=claims.identity,
            display_name=claims.name,
            role=claims.role,
            status=Participant.Status.LOBBY if to_lobby else Participant.Status.JOINED,
            channel_name=channel_name,
            resume_hash=hash_secret(secret),
            **initial_presence(claims, presence),
        )
        if meeting.emptied_at is not None:
            Meeting.objects.filter(pk=meeting.pk).update(emptied_at=None)
        participants.append(participant)
        if to_lobby:
            signals.lobby_knocked.send(Participant, meeting=meeting, participant=participant)
            outbox.events.append(lobby_event(meeting, participants))
            return Admission(room, meeting, participant, secret, False, outbox)
        outbox.events.extend(joined_events(meeting, participant))
        welcome = welcome_for(meeting, participant, participants)
        return Admission(room, meeting, participant, secret, False, outbox, welcome)


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
