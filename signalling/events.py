"""Room events and the meeting's seq: what every change to a meeting is made of.

Each change runs in one transaction that holds the room's row lock and takes the meeting's next `seq` for each room
event, and returns an Outbox: what the caller sends once the transaction has committed.
"""

from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from meetings import signals
from meetings.models import Room
from signalling import store
from signalling.contract import HIDDEN_ROLES
from signalling.models import Meeting, Participant
from signalling.protocol import ProtocolError
from signalling.wire import describe, describe_lobby_entry, lobby_of


@dataclass
class Outbox:
    """What to send after a change commits, and in this order (signalling.publish):

    - notices: (channel, message) to single sockets, first (a removed peer hears why before the room hears it left);
    - events: room events to the room's group, in seq order;
    - requests: (channel, message) to other processes, last (a recorder hears of a recording after the room does).

    `result` is what the change made, for callers that want it (a Recording).
    """

    slug: str | None = None
    events: list = field(default_factory=list)
    notices: list = field(default_factory=list)
    requests: list = field(default_factory=list)
    result: Any = None

    def extend(self, other):
        self.events.extend(other.events)
        self.notices.extend(other.notices)
        self.requests.extend(other.requests)
        if other.result is not None:
            self.result = other.result
        return self

    def __bool__(self):
        return bool(self.events or self.notices or self.requests)


def notice(participant, action, **fields):
    """Return a notice to one participant's socket (RoomConsumer.peer_notice acts on it)."""
    return participant.channel_name, {"type": "peer.notice", "action": action, "peer_id": participant.peer_id, **fields}


def lock_room(room_id):
    """Lock the room's row until the transaction ends, and return it; every change to a meeting starts here."""
    room = Room.objects.select_for_update().filter(pk=room_id).first()
    if room is None:
        raise ProtocolError("room-not-found", "This room does not exist.")
    return room


def live_meeting(room, create=False):
    """Return the room's live meeting (starting one if asked), with `meeting.room` set; or None."""
    meeting = Meeting.objects.filter(room=room, ended_at__isnull=True).first()
    if meeting is None and create:
        return start_meeting(room)
    if meeting is not None:
        meeting.room = room
    return meeting


def start_meeting(room):
    """Start the room's meeting; the caller holds the room's lock and found none live."""
    meeting = store.insert(Meeting(room=room))
    meeting.room = room
    signals.meeting_started.send(Meeting, meeting=meeting)
    return meeting


def next_seq(meeting):
    """Take the meeting's next seq atomically (the row stays locked until the transaction ends)."""
    with store.hot_cursor() as cursor:
        cursor.execute(f"UPDATE {Meeting._meta.db_table} SET seq = seq + 1 WHERE id = %s RETURNING seq", [meeting.pk])
        meeting.seq = cursor.fetchone()[0]
    return meeting.seq


def event(meeting, kind, **fields):
    """Return a sequenced room event."""
    return {"type": kind, "seq": next_seq(meeting), **fields}


def lobby_event(meeting, participants=None):
    if participants is None:
        participants = Participant.objects.filter(meeting=meeting, status=Participant.Status.LOBBY)
    lobby = lobby_of(participants)
    return event(meeting, "lobby-updated", lobby_count=len(lobby), lobby=[describe_lobby_entry(p) for p in lobby])


def joined_events(meeting, participant):
    """Announce a participant now seated: hidden ones only to the workers, without a seq."""
    if participant.role in HIDDEN_ROLES:
        return [{"type": "peer-joined", "peer": describe(participant), "_hidden": True,
                 "_channel": participant.channel_name}]
    signals.participant_joined.send(Participant, meeting=meeting, participant=participant)
    return [event(meeting, "peer-joined", peer=describe(participant), _channel=participant.channel_name)]


def left_events(meeting, participant, reason):
    if participant.status == Participant.Status.LOBBY:
        return [lobby_event(meeting)]
    if participant.role in HIDDEN_ROLES:
        return [{"type": "peer-left", "peer_id": participant.peer_id, "reason": reason, "_hidden": True}]
    signals.participant_left.send(Participant, meeting=meeting, participant=participant, reason=reason)
    return [event(meeting, "peer-left", peer_id=participant.peer_id, reason=reason)]


def take_out(meeting, participant, reason):
    """Delete a participant and return the events saying so."""
    participant.delete()
    events = left_events(meeting, participant, reason)
    if not Participant.objects.filter(meeting=meeting).exists():
        Meeting.objects.filter(pk=meeting.pk).update(emptied_at=timezone.now())
    return events


def end(meeting, reason, notice_action, **notice_fields):
    """End a meeting: every participant's socket is told (`notice_action`) and closed, the next join starts anew."""
    people = list(Participant.objects.filter(meeting=meeting).order_by("pk"))
    notices = [notice(person, notice_action, **notice_fields) for person in people]
    for person in people:
        if person.status != Participant.Status.LOBBY and person.role not in HIDDEN_ROLES:
            signals.participant_left.send(Participant, meeting=meeting, participant=person, reason="meeting-ended")
    Participant.objects.filter(meeting=meeting).delete()
    meeting.ended_at = timezone.now()
    meeting.ended_reason = reason
    meeting.save(update_fields=["ended_at", "ended_reason"])
    signals.meeting_ended.send(Meeting, meeting=meeting, reason=reason)
    return Outbox(meeting.room.slug, notices=notices)
