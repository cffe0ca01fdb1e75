"""The room roster in the database, shared by every signalling worker.

Sync functions, wrapped by the consumer. Each change to a meeting runs in one transaction that holds the room's row
lock and bumps the meeting's `seq`, and returns an Outbox: the room events and the notices to single peers that the
caller must send once the transaction has committed.
"""

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from meetings import signals
from meetings.models import Room
from signalling.models import ChatMessage, Meeting, Participant, Removal
from signalling.protocol import ProtocolError, UserError

# Roles that skip the lock, the lobby and the room password; roles not shown or counted as participants.
ROLES_PAST_GATES = frozenset({"host", "moderator", "recorder"})
MODERATOR_ROLES = frozenset({"host", "moderator"})
HIDDEN_ROLES = frozenset({"recorder"})
SEATED = (Participant.Status.JOINED, Participant.Status.AWAY)


@dataclass
class Outbox:
    """What to send after a change commits: events to the room group, notices to single channels."""

    events: list = field(default_factory=list)
    notices: list = field(default_factory=list)

    def extend(self, other):
        self.events.extend(other.events)
        self.notices.extend(other.notices)
        return self


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


def stale_before():
    return timezone.now() - timedelta(seconds=settings.SIGNALLING_STALE_SECONDS)


def iso(moment):
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def describe(participant):
    """Return the public view of a participant, as peers see it."""
    return {
        "peer_id": participant.peer_id,
        "name": participant.display_name,
        "role": participant.role,
        "joined_at": iso(participant.joined_at),
        "audio": participant.audio,
        "video": participant.video,
        "screen": participant.screen,
        "hand": participant.hand,
        "connected": participant.status == Participant.Status.JOINED,
    }


def describe_lobby_entry(participant):
    return {"peer_id": participant.peer_id, "name": participant.display_name, "joined_at": iso(participant.joined_at)}


def describe_room(room, meeting=None):
    return {
        "slug": room.slug,
        "name": room.name,
        "max_participants": room.max_participants,
        "is_locked": room.is_locked,
        "requires_approval": room.requires_approval,
        "has_password": room.has_password,
        "recording": bool(meeting and meeting.recording),
    }


def describe_chat(message):
    described = {
        "id": message.pk,
        "from": message.sender_peer_id,
        "name": message.sender_name,
        "text": message.text,
        "sent_at": iso(message.sent_at),
    }
    if message.recipient_peer_id:
        described["to"] = message.recipient_peer_id
    return described


def visible_peers(meeting, participants=None):
    """Return the seated, visible participants, oldest first; from `participants` when the caller has them."""
    if participants is None:
        participants = Participant.objects.filter(meeting=meeting)
    seated = [p for p in participants if p.status in SEATED and p.role not in HIDDEN_ROLES]
    return sorted(seated, key=lambda p: (p.joined_at, p.peer_id))


def lobby_of(meeting, participants=None):
    if participants is None:
        participants = Participant.objects.filter(meeting=meeting, status=Participant.Status.LOBBY)
    return sorted((p for p in participants if p.status == Participant.Status.LOBBY), key=lambda p: p.joined_at)


def snapshot(meeting, viewer, participants=None):
    """Return the room state as `viewer` (a Participant) may see it: what `welcome` and `state` carry."""
    if participants is None:
        participants = list(Participant.objects.filter(meeting=meeting))
    room = meeting.room
    lobby = lobby_of(meeting, participants)
    chat = list(ChatMessage.objects.filter(meeting=meeting, seq__isnull=False).order_by("-seq")[: settings.CHAT_HISTORY])
    state = {
        "seq": meeting.seq,
        "room": describe_room(room, meeting),
        "peers": [describe(p) for p in visible_peers(meeting, participants)],
        "lobby_count": len(lobby),
        "chat": [describe_chat(m) for m in reversed(chat)],
    }
    if viewer.role in MODERATOR_ROLES:
        state["lobby"] = [describe_lobby_entry(p) for p in lobby]
    return state


def welcome_for(meeting, participant, participants):
    """Return what `welcome` and `state` carry for this participant, from the meeting's participants."""
    return {
        "me": describe(participant),
        "state": snapshot(meeting, participant, participants),
        "private_chat": private_chat_for(meeting, participant.identity),
        "channels": {p.peer_id: p.channel_name for p in participants
                     if p.status in SEATED and p.peer_id != participant.peer_id},
    }


def welcome_data(peer_id):
    """The same, read afresh in one transaction (for resyncs and for guests admitted from the lobby)."""
    with transaction.atomic():
        participant = seated_participant(peer_id)
        participants = list(Participant.objects.filter(meeting=participant.meeting))
        return welcome_for(participant.meeting, participant, participants)


def private_chat_for(meeting, identity):
    """Return the last private messages to or from this identity in the meeting, oldest first."""
    messages = ChatMessage.objects.filter(meeting=meeting, seq__isnull=True).filter(
        Q(sender_identity=identity) | Q(recipient_identity=identity)
    )
    recent = list(messages.order_by("-sent_at", "-pk")[: settings.CHAT_HISTORY])
    return [describe_chat(m) for m in reversed(recent)]


def lock_room(room_id):
    room = Room.objects.select_for_update().filter(pk=room_id).first()
    if room is None:
        raise ProtocolError("room-not-found", "This room does not exist.")
    return room


def live_meeting(room, create=False):
    meeting = Meeting.objects.filter(room=room, ended_at__isnull=True).first()
    if meeting is None and create:
        meeting = Meeting.objects.create(room=room)
        meeting.room = room
        signals.meeting_started.send(Meeting, meeting=meeting)
    if meeting is not None:
        meeting.room = room
    return meeting


def next_seq(meeting):
    """Take the meeting's next seq atomically (the row stays locked until the transaction ends)."""
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {Meeting._meta.db_table} SET seq = seq + 1 WHERE id = %s RETURNING seq", [meeting.pk])
        meeting.seq = cursor.fetchone()[0]
    return meeting.seq


def event(meeting, kind, **fields):
    """Return a sequenced room event."""
    return {"type": kind, "seq": next_seq(meeting), **fields}


def lobby_event(meeting, participants=None):
    lobby = lobby_of(meeting, participants)
    return event(
        meeting, "lobby-updated", lobby_count=len(lobby), lobby=[describe_lobby_entry(p) for p in lobby]
    )


def joined_events(meeting, participant):
    """Announce a participant now seated: hidden ones only to the workers, without a seq."""
    if participant.role not in HIDDEN_ROLES:
        signals.participant_joined.send(Participant, meeting=meeting, participant=participant)
    if participant.role in HIDDEN_ROLES:
        return [{"type": "peer-joined", "peer": describe(participant), "_hidden": True,
                 "_channel": participant.channel_name}]
    return [event(meeting, "peer-joined", peer=describe(participant), _channel=participant.channel_name)]


def left_events(meeting, participant, reason):
    if participant.status == Participant.Status.LOBBY:
        return [lobby_event(meeting)]
    if participant.role in HIDDEN_ROLES:
        return [{"type": "peer-left", "peer_id": participant.peer_id, "reason": reason, "_hidden": True}]
    return [event(meeting, "peer-left", peer_id=participant.peer_id, reason=reason)]


def take_out(meeting, participant, reason):
    """Delete a participant and return the events saying so."""
    participant.delete()
    if participant.status != Participant.Status.LOBBY and participant.role not in HIDDEN_ROLES:
        signals.participant_left.send(Participant, meeting=meeting, participant=participant, reason=reason)
    events = left_events(meeting, participant, reason)
    if not Participant.objects.filter(meeting=meeting).exists():
        Meeting.objects.filter(pk=meeting.pk).update(emptied_at=timezone.now())
    return events


def admit(slug, claims, channel_name, password=None, resume=None, presence=None):
    """Seat a participant (or put it in the lobby), or raise ProtocolError saying why not."""
    with transaction.atomic():
        room = Room.objects.select_for_update().filter(slug=slug).first()
        if room is None:
            raise ProtocolError("room-not-found", "This room does not exist.")
        check_identity_may_enter(room, claims.identity)
        meeting = live_meeting(room, create=True)
        outbox = Outbox()
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
            outbox.notices.append((older.channel_name, {"type": "peer.notice", "action": "replaced",
                                                        "peer_id": older.peer_id}))
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
    return chosen


def check_identity_may_enter(room, identity):
    """Refuse an account whose access to a members-only room was taken away after its token was issued."""
    kind, _, user_id = identity.partition(":")
    if kind != "user" or room.access != Room.Access.MEMBERS:
        return
    if str(room.owner_id) == user_id or room.memberships.filter(user_id=user_id).exists():
        return
    raise ProtocolError("forbidden", "You are not a member of this room.")


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
        outbox.notices.append((participant.channel_name, {"type": "peer.notice", "action": "moved",
                                                          "peer_id": participant.peer_id}))
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


def leave(peer_id, reason="left"):
    """Take a participant out of its meeting; return the Outbox (empty if it was gone already)."""
    with transaction.atomic():
        participant = Participant.objects.filter(peer_id=peer_id).first()
        if participant is None:
            return Outbox()
        lock_room(participant.room_id)
        participant = Participant.objects.filter(peer_id=peer_id).select_related("meeting").first()
        if participant is None:
            return Outbox()
        return Outbox(events=take_out(participant.meeting, participant, reason))


def disconnected(peer_id, channel_name):
    """The socket dropped without `leave`: keep the seat for the resume grace window."""
    with transaction.atomic():
        participant = Participant.objects.filter(peer_id=peer_id, channel_name=channel_name).first()
        if participant is None:
            return Outbox()
        lock_room(participant.room_id)
        participant = Participant.objects.filter(peer_id=peer_id, channel_name=channel_name).select_related(
            "meeting"
        ).first()
        if participant is None:
            return Outbox()
        if participant.status == Participant.Status.LOBBY or settings.SIGNALLING_RESUME_GRACE == 0:
            return Outbox(events=take_out(participant.meeting, participant, "left"))
        participant.status = Participant.Status.AWAY
        participant.disconnected_at = timezone.now()
        participant.save(update_fields=["status", "disconnected_at"])
        if participant.role in HIDDEN_ROLES:
            return Outbox()
        return Outbox(events=[event(participant.meeting, "peer-updated", peer=describe(participant))])


def mark_alive(peer_ids):
    """Mark these participants as seen now."""
    if peer_ids:
        Participant.objects.filter(peer_id__in=list(peer_ids)).update(last_seen=timezone.now())


def sweep():
    """Drop seats whose grace window passed or whose worker died, and end meetings that stood empty.

    Return [(room slug, Outbox)].
    """
    now = timezone.now()
    grace_cutoff = now - timedelta(seconds=settings.SIGNALLING_RESUME_GRACE)
    expired = Participant.objects.filter(status=Participant.Status.AWAY, disconnected_at__lt=grace_cutoff)
    # Stale: a worker claims the seat but has stopped marking it (it died). An away seat is nobody's to mark:
    # only its grace window counts.
    stale = Participant.objects.filter(last_seen__lt=stale_before()).exclude(status=Participant.Status.AWAY)
    gone = set(expired.values_list("peer_id", "room__slug")) | set(stale.values_list("peer_id", "room__slug"))
    outboxes = [(slug, leave(peer_id, reason="timeout")) for peer_id, slug in sorted(gone)]
    empty_cutoff = now - timedelta(seconds=settings.MEETING_EMPTY_TIMEOUT)
    for meeting in Meeting.objects.filter(ended_at__isnull=True, emptied_at__lt=empty_cutoff).select_related("room"):
        with transaction.atomic():
            lock_room(meeting.room_id)
            if not Participant.objects.filter(meeting=meeting).exists():
                if Meeting.objects.filter(pk=meeting.pk, ended_at__isnull=True).update(
                    ended_at=now, ended_reason="empty"
                ):
                    meeting.ended_at, meeting.ended_reason = now, "empty"
                    signals.meeting_ended.send(Meeting, meeting=meeting, reason="empty")
    return [(slug, outbox) for slug, outbox in outboxes if outbox.events or outbox.notices]


def update_presence(peer_id, changes):
    """Change a participant's microphone / camera / screen / hand state; return the Outbox."""
    with transaction.atomic():
        participant = seated_participant(peer_id)
        for name, value in changes.items():
            setattr(participant, name, value)
        participant.save(update_fields=list(changes))
        if participant.role in HIDDEN_ROLES:
            return Outbox()
        return Outbox(events=[event(participant.meeting, "peer-updated", peer=describe(participant))])


def seated_participant(peer_id):
    """Return a seated participant with its room locked and meeting loaded, or raise UserError."""
    participant = Participant.objects.filter(peer_id=peer_id).first()
    if participant is None:
        # Taken out a moment ago (removed, replaced, the meeting ended): the notice closing the socket is on its way.
        raise UserError("not-in-meeting", "You are no longer in this meeting.")
    lock_room(participant.room_id)
    participant = Participant.objects.select_related("meeting", "meeting__room").get(pk=participant.pk)
    return participant


def channel_of(room_id, peer_id):
    """Return the channel of a seated peer of this room, or None: the fallback when a worker's map misses it."""
    return (
        Participant.objects.filter(room_id=room_id, peer_id=peer_id, status__in=SEATED)
        .values_list("channel_name", flat=True)
        .first()
    )
