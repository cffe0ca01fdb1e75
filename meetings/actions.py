"""Every change to a room, its meeting, its people and its recordings, in one place.

The signalling consumer, the pages, the REST API, the admin and the recorder process call these alike. Each runs in
one transaction (the room's row locked, so changes to one meeting happen one at a time across workers) and returns
an Outbox: what must be published once it has committed. Async callers `await apublish(outbox)`, sync callers
`publish(outbox)` (signalling.publish). A change that cannot be made raises Refused, whose `code` the signalling
server sends as a user error and the API turns into a JSON error (meetings.exceptions.api_error).

Who may call which is the caller's business (the consumer checks the role's permissions, pages and the API check
meetings.access); the rules of the meeting itself (a host cannot be removed, say) are checked here.
"""

import functools
import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from meetings import signals
from meetings.models import Room, RoomMember
from recordings import service
from recordings.models import Recording
from signalling import events
from signalling.admission import check_room_has_a_seat
from signalling.contract import ASSIGNABLE_ROLES, HIDDEN_ROLES
from signalling.events import Outbox, event, lock_room, notice
from signalling.models import Meeting, Participant, Removal
from signalling.protocol import ProtocolError
from signalling.wire import SEATED, describe, describe_room
from sfu.route import decide_route

log = logging.getLogger(__name__)


class Refused(Exception):
    """The change cannot be made; `code` names why (docs/protocol.md's user errors, docs/api.md's codes).

    `outbox` holds what was changed on the way all the same (a dead recorder's recording finished before a start
    was refused): callers publish it as they would a change's.
    """

    def __init__(self, code, message, outbox=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.outbox = outbox or Outbox()


@dataclass(frozen=True)
class Actor:
    """Who makes a change: a token identity (user:3, guest:…, ext:…, recorder:…) and, from inside the meeting, the
    peer id others know them by (a mute says who asked). `system` is Confer itself (sweeps, the recorder)."""

    identity: str
    peer_id: str | None = None

    @classmethod
    def user(cls, user):
        return cls(f"user:{user.pk}")


SYSTEM = Actor("system")


def no_peer(peer_id):
    return Refused("unknown-peer", f"There is no peer {str(peer_id)[:32]} in this room.")


def in_transaction(change):
    """Run the change in one transaction; a room gone meanwhile is a refusal, not a crash."""

    @functools.wraps(change)
    def run(*args, **kwargs):
        try:
            with transaction.atomic():
                return change(*args, **kwargs)
        except ProtocolError as error:  # lock_room: the room was deleted a moment ago
            raise Refused(error.code, error.message) from None

    return run


def meeting_of(room, create=False):
    """Lock the room and return (room as it is now, its live meeting or None)."""
    room = lock_room(room.pk)
    return room, events.live_meeting(room, create=create)


def target_in(room, peer_id, statuses=(*SEATED, Participant.Status.LOBBY)):
    """Lock the room and return (room, meeting, the participant with this peer id in one of these statuses)."""
    room, meeting = meeting_of(room)
    target = None
    if meeting is not None:
        target = Participant.objects.filter(meeting=meeting, peer_id=peer_id, status__in=statuses).first()
    if target is None or target.role in HIDDEN_ROLES:
        raise no_peer(peer_id)
    return room, meeting, target


def room_updated(room, meeting):
    """The room's rules (or its recording) changed: tell its live meeting, if it has one."""
    outbox = Outbox(room.slug)
    if meeting is not None:
        outbox.events.append(event(meeting, "room-updated", room=describe_room(room, meeting)))
    return outbox


# The room and its rules.

def create_room(owner, name, access_rule=Room.Access.LINK, max_participants=None):
    """Create a room; return it (it has no meeting yet, so nothing to publish)."""
    room = Room(owner=owner, name=name, access=access_rule)
    if max_participants is not None:
        room.max_participants = max_participants
    return save_new_room(room)


def save_new_room(room):
    """Check and save a room made elsewhere (the admin's form), as create_room does."""
    room.full_clean()
    with transaction.atomic():
        room.save()
        signals.room_created.send(Room, room=room)
    return room


ROOM_RULES = {"name", "access", "max_participants", "is_locked", "requires_approval", "ice_transport_policy",
              "media_route"}


@in_transaction
def update_room(room, by=SYSTEM, password=None, **changes):
    """Change a room's rules (and, with `password`, set it; "" clears it); tell its live meeting.

    `room` is updated in place, so callers can show what it is now.
    """
    unknown = set(changes) - ROOM_RULES
    if unknown:
        raise ValueError(f"cannot change {', '.join(sorted(unknown))}")
    locked, meeting = meeting_of(room)
    for field, value in changes.items():
        setattr(locked, field, value)
    fields = list(changes)
    if password is not None:
        locked.set_password(password)
        fields.append("password_hash")
    locked.full_clean()
    locked.save(update_fields=fields or None)
    for field in [*fields]:
        setattr(room, field, getattr(locked, field))
    if meeting is not None and "media_route" in changes:
        moved = decide_route(locked, meeting, list(Participant.objects.filter(meeting=meeting)))
        if moved:
            return Outbox(room.slug, events=moved)  # its room-updated carries the other changes too
    return room_updated(locked, meeting)


def set_locked(room, locked, by=SYSTEM):
    """Lock or unlock a room: nobody new can join a locked room (hosts and moderators still may)."""
    return update_room(room, by, is_locked=locked)


def delete_room(room, by=SYSTEM):
    """Delete a room for good: its live meeting ends and everyone in it is told the room is gone (4004)."""
    with transaction.atomic():
        locked, meeting = meeting_of(room)
        outbox = Outbox(room.slug)
        if meeting is not None:
            outbox = events.end(meeting, "deleted", "deleted")
        signals.room_deleted.send(Room, room=locked)
        locked.delete()
    return outbox


def add_member(room, user=None, added_as=""):
    """Let a user into a members-only room; `added_as` is what the owner typed (kept even when it named nobody)."""
    if user is not None and RoomMember.objects.filter(room=room, user=user).exists():
        return
    if added_as and RoomMember.objects.filter(room=room, added_as__iexact=added_as).exists():
        return
    RoomMember.objects.create(room=room, user=user, added_as=added_as)


def remove_member(room, user=None, member_id=None):
    """Take someone off a room's members (by account, or by the entry's id)."""
    members = RoomMember.objects.filter(room=room)
    if member_id is not None:
        members = members.filter(pk=member_id)
    else:
        members = members.filter(user=user)
    members.delete()


# The meeting and its people.

@in_transaction
def admit(room, peer_id, by=SYSTEM):
    """Let someone waiting in the lobby into the meeting, if the room has a seat."""
    room, meeting, target = target_in(room, peer_id, (Participant.Status.LOBBY,))
    try:
        check_room_has_a_seat(room, list(Participant.objects.filter(meeting=meeting)), target.identity)
    except ProtocolError as error:
        raise Refused(error.code, error.message) from None
    target.status = Participant.Status.JOINED
    target.save(update_fields=["status"])
    outbox = Outbox(room.slug, notices=[notice(target, "admitted")])
    outbox.events.append(events.lobby_event(meeting))
    outbox.events.extend(decide_route(room, meeting, list(Participant.objects.filter(meeting=meeting))))
    outbox.events.extend(events.joined_events(meeting, target))
    return outbox


@in_transaction
def deny(room, peer_id, by=SYSTEM):
    """Turn away someone waiting in the lobby (4010)."""
    room, meeting, target = target_in(room, peer_id, (Participant.Status.LOBBY,))
    outbox = Outbox(room.slug, notices=[notice(target, "denied")])
    outbox.events.extend(events.take_out(meeting, target, "denied"))
    return outbox


@in_transaction
def remove_participant(room, peer_id, by=SYSTEM):
    """Remove someone (seated or in the lobby) from the meeting (4012); they cannot come back to it.

    Through the server, the notice makes their socket kick them from the media server's room and free their handles
    there before it closes (signalling/media.py): their media stops reaching the others at once.
    """
    room, meeting, target = target_in(room, peer_id)
    if target.role == "host":
        raise Refused("not-allowed", "A host cannot be removed.")
    Removal.objects.create(meeting=meeting, identity=target.identity, device=target.device, address=target.address,
                           invite=target.invite, removed_by=by.identity)
    outbox = Outbox(room.slug, notices=[notice(target, "removed")])
    outbox.events.extend(events.take_out(meeting, target, "removed"))
    return outbox


@in_transaction
def set_role(room, peer_id, role, by=SYSTEM):
    """Make a participant a moderator, or a moderator a participant again; a host's role cannot change."""
    if role not in ASSIGNABLE_ROLES:
        raise Refused("bad-message", f"Role must be one of {', '.join(ASSIGNABLE_ROLES)}.")
    room, meeting, target = target_in(room, peer_id, SEATED)
    if target.role not in ASSIGNABLE_ROLES:
        raise Refused("not-allowed", f"A {target.role}'s role cannot be changed.")
    target.role = role
    target.save(update_fields=["role"])
    return Outbox(room.slug, events=[event(meeting, "peer-updated", peer=describe(target))])


@in_transaction
def mute(room, peer_id, kind, by=SYSTEM):
    """Ask a participant's client to turn a source off (`kind`: audio, video, screen).

    In a meeting between browsers this relies on the client: the server cannot reach into peer-to-peer media. In a
    meeting through the server, the notice also makes the participant's socket stop the media server forwarding that
    source (signalling/media.py), until the participant turns it on again themselves: a client that ignores the
    request reaches nobody.
    """
    room, _, target = target_in(room, peer_id, (Participant.Status.JOINED,))
    return Outbox(room.slug, notices=[notice(target, "mute", kind=kind, by=by.peer_id)])


@in_transaction
def mute_everyone(room, by=SYSTEM, kind="audio"):
    """Ask every participant's client but the asker's to turn its microphone (or `kind`) off, as `mute` does one."""
    room, meeting = meeting_of(room)
    outbox = Outbox(room.slug)
    if meeting is None:
        return outbox
    people = Participant.objects.filter(meeting=meeting, status=Participant.Status.JOINED).exclude(
        role__in=HIDDEN_ROLES)
    for person in people.order_by("pk"):
        if person.peer_id != by.peer_id and getattr(person, kind):
            outbox.notices.append(notice(person, "mute", kind=kind, by=by.peer_id))
    return outbox


@in_transaction
def ask_to_unmute(room, peer_id, kind, by=SYSTEM):
    """Ask a participant to turn a source back on: their person decides."""
    room, _, target = target_in(room, peer_id, (Participant.Status.JOINED,))
    return Outbox(room.slug, notices=[notice(target, "unmute-request", kind=kind, by=by.peer_id)])


@in_transaction
def end_meeting(room, by=SYSTEM):
    """End the meeting for everyone (4013), the lobby included; the next join starts a new meeting."""
    room, meeting = meeting_of(room)
    if meeting is None:
        return Outbox(room.slug)
    return events.end(meeting, "ended", "ended", by=by.peer_id)


# Recordings. The recorders themselves are reached through recordings.service.

def start_recording(room, by=SYSTEM):
    """Start recording the room's meeting: everyone is told before any recorder hears of it.

    Refused with `no-recorder` when no recorder process is alive, `already-recording` when one starts or runs.
    The Outbox's `result` is the Recording.
    """
    return with_lost_recordings_finished(room, begin_recording, by)


def stop_recording(room, by=SYSTEM):
    """Ask the room's recorder to stop; the Outbox's `result` is the Recording, now stopping.

    Refused with `not-recording` when none starts or runs. The room is told it stopped once the recorder has
    finished its files (finish_recording).
    """
    return with_lost_recordings_finished(room, end_recording, by)


def with_lost_recordings_finished(room, change, by):
    """Finish the room's recordings whose recorder died first, for good, then make the change: a dead recording
    must neither block a start nor come back when the change is refused."""
    finished = finish_lost_recordings(room)
    try:
        return finished.extend(change(room, by)) if finished else change(room, by)
    except Refused as refusal:
        refusal.outbox = finished.extend(refusal.outbox)
        raise


@in_transaction
def begin_recording(room, by):
    room, meeting = meeting_of(room, create=True)
    if Recording.objects.filter(room=room, status__in=Recording.ACTIVE).exists():
        raise Refused("already-recording", "This meeting is already being recorded.")
    if not service.live_recorders().exists():
        raise Refused("no-recorder", service.NO_RECORDER)
    try:
        with transaction.atomic():  # the constraint catches a start racing on another database connection
            recording = service.new_recording(room, by.identity)
    except IntegrityError:
        raise Refused("already-recording", "This meeting is already being recorded.") from None
    outbox = announce_recording(room, meeting)
    outbox.requests.append(service.start_request(recording))
    outbox.result = recording
    return outbox


@in_transaction
def end_recording(room, by):
    room, meeting = meeting_of(room)
    recording = Recording.objects.filter(room=room, status__in=Recording.ACTIVE).first()
    if recording is None:
        raise Refused("not-recording", "This meeting is not being recorded.")
    recording.status = Recording.Status.STOPPING
    recording.stopped_by = by.identity[:150]
    recording.stop_reason = "requested"
    recording.save(update_fields=["status", "stopped_by", "stop_reason"])
    outbox = Outbox(room.slug, result=recording)
    if recording.recorder_channel:
        outbox.requests.append(service.stop_request(recording))
    # Not taken by a recorder yet: the one that takes it sees it stopping and finishes it without joining.
    return outbox


@in_transaction
def recording_started(recording_id):
    """The recorder has joined the room and records."""
    recording = Recording.objects.select_related("room").filter(pk=recording_id).first()
    if recording is None:
        return Outbox()
    lock_room(recording.room_id)
    now = timezone.now()
    started = Recording.objects.filter(pk=recording_id, status=Recording.Status.STARTING).update(
        status=Recording.Status.RECORDING, started_at=now
    )
    Recording.objects.filter(pk=recording_id, started_at__isnull=True).update(started_at=now)
    if started:
        recording.refresh_from_db()
        signals.recording_started.send(Recording, recording=recording)
    return Outbox(recording.room.slug)


@in_transaction
def finish_recording(recording_id, status, stop_reason="", error=""):
    """Mark a recording done or failed (unless it already is), and tell its room when no other recording runs."""
    recording = Recording.objects.select_related("room").filter(pk=recording_id).first()
    if recording is None:
        return Outbox()
    room = lock_room(recording.room_id)
    recording = Recording.objects.select_for_update().get(pk=recording_id)
    recording.room = room
    if recording.status in Recording.FINISHED:
        return Outbox(room.slug)
    service.finish(recording, status, stop_reason, error)
    finished = signals.recording_failed if status == Recording.Status.FAILED else signals.recording_finished
    finished.send(Recording, recording=recording)
    return announce_recording(room, events.live_meeting(room))


def finish_lost_recordings(room=None):
    """Fail the recordings whose recorder died or that no recorder took in time (of one room, or all).

    Return the Outbox of that room (with `room`), or the Outboxes of every room touched (without).
    """
    outboxes = [finish_recording(recording_id, status, reason, error)
                for recording_id, status, reason, error in service.lost_recordings(room)]
    if room is None:
        service.forget_dead_recorders()
        return [outbox for outbox in outboxes if outbox]
    outbox = Outbox(room.slug)
    for other in outboxes:
        outbox.extend(other)
    return outbox


def announce_recording(room, meeting):
    """Tell the meeting whether a recording runs: while any is starting, recording or stopping. Nobody is
    recorded unawares."""
    running = Recording.objects.filter(room=room, status__in=Recording.ANNOUNCED).exists()
    if meeting is None and running:
        meeting = events.live_meeting(room, create=True)
    if meeting is None or meeting.recording == running:
        return Outbox(room.slug)
    meeting.recording = running
    meeting.save(update_fields=["recording"])
    return room_updated(room, meeting)


# Media through the server (sfu/, docs/sfu.md).

@in_transaction
def place_media(room, healthy, lost=None):
    """Return (in the Outbox's `result`) the media server instance that holds the room's live meeting.

    A meeting stays on its instance while that answers; a new one, or one whose instance was `lost`, goes to the
    least loaded of the `healthy` instances (the one holding the fewest live meetings).
    """
    room, meeting = meeting_of(room)
    if meeting is None:
        raise Refused("not-in-meeting", "This meeting has ended.")
    current = meeting.media_instance
    if current and current != lost and current in healthy:
        return Outbox(room.slug, result=current)
    if not healthy:
        raise Refused("sfu-unavailable", "No media server answers right now; try again in a moment.")
    live = Meeting.objects.filter(ended_at__isnull=True, media_instance__in=healthy).exclude(pk=meeting.pk)
    loads = {instance: 0 for instance in healthy}
    for instance in live.values_list("media_instance", flat=True):
        loads[instance] += 1
    chosen = min(healthy, key=lambda instance: (loads[instance], healthy.index(instance)))
    if chosen != current:
        if current:
            log.warning("meeting %s moves from media server %s to %s", meeting.pk, current, chosen)
        meeting.media_instance = chosen
        meeting.save(update_fields=["media_instance"])
    return Outbox(room.slug, result=chosen)

