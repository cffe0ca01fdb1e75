"""What hosts and moderators do to a meeting and its people. Sync, transactional; each returns an Outbox.

Called through meetings.actions, so the page, the API, the admin and the signalling server share them.
"""

from django.db import transaction
from django.utils import timezone

from meetings import signals
from signalling.models import Meeting, Participant, Removal
from signalling.protocol import UserError
from signalling.roster import (
    HIDDEN_ROLES,
    MODERATOR_ROLES,
    Outbox,
    check_room_has_a_seat,
    describe,
    describe_room,
    event,
    joined_events,
    lobby_event,
    live_meeting,
    lock_room,
    take_out,
)


def target_in(meeting, peer_id, statuses=None, in_reply_to=None):
    participants = Participant.objects.filter(meeting=meeting, peer_id=peer_id)
    if statuses:
        participants = participants.filter(status__in=statuses)
    target = participants.first()
    if target is None:
        raise UserError("unknown-peer", f"There is no peer {peer_id[:32]} in this room.", in_reply_to)
    return target


def room_updated(room_id, **changes):
    """Apply changes to the room's rules (if any) and tell its live meeting, in one transaction."""
    with transaction.atomic():
        room = lock_room(room_id)
        if changes:
            for field, value in changes.items():
                setattr(room, field, value)
            room.save(update_fields=list(changes))
        meeting = live_meeting(room)
        if meeting is None:
            return Outbox()
        return Outbox(events=[event(meeting, "room-updated", room=describe_room(room, meeting))])


def set_locked(room_id, locked):
    """Lock or unlock the room, and tell its live meeting."""
    return room_updated(room_id, is_locked=locked)


def set_recording(room_id, recording):
    """Tell everyone in the room that a recording runs (or no longer does): nobody is recorded unawares."""
    with transaction.atomic():
        room = lock_room(room_id)
        meeting = live_meeting(room, create=recording)
        if meeting is None or meeting.recording == recording:
            return Outbox()
        meeting.recording = recording
        meeting.save(update_fields=["recording"])
        return Outbox(events=[event(meeting, "room-updated", room=describe_room(room, meeting))])


def remove(room_id, peer_id, by):
    """Remove a participant (or lobby guest) from the meeting; the identity cannot come back to it."""
    with transaction.atomic():
        room = lock_room(room_id)
        meeting = live_meeting(room)
        if meeting is None:
            raise UserError("unknown-peer", f"There is no peer {peer_id[:32]} in this room.", "remove")
        target = target_in(meeting, peer_id, in_reply_to="remove")
        if target.role == "host":
            raise UserError("not-allowed", "A host cannot be removed.", "remove")
        Removal.objects.create(meeting=meeting, identity=target.identity, removed_by=by)
        outbox = Outbox(notices=[(target.channel_name, {"type": "peer.notice", "action": "removed",
                                                        "peer_id": target.peer_id})])
        outbox.events.extend(take_out(meeting, target, "removed"))
        return outbox


def set_role(room_id, peer_id, role):
    """Make a participant a moderator, or a moderator a participant again."""
    if role not in ("moderator", "participant"):
        raise UserError("bad-message", "Role must be 'moderator' or 'participant'.", "set-role")
    with transaction.atomic():
        room = lock_room(room_id)
        meeting = live_meeting(room)
        target = target_in(meeting, peer_id, (Participant.Status.JOINED, Participant.Status.AWAY), "set-role")
        if target.role not in ("moderator", "participant"):
            raise UserError("not-allowed", f"A {target.role}'s role cannot be changed.", "set-role")
        target.role = role
        target.save(update_fields=["role"])
        return Outbox(events=[event(meeting, "peer-updated", peer=describe(target))])


def admit(room_id, peer_id):
    """Let someone waiting in the lobby into the meeting."""
    with transaction.atomic():
        room = lock_room(room_id)
        meeting = live_meeting(room)
        if meeting is None:
            raise UserError("unknown-peer", f"There is nobody {peer_id[:32]} in the lobby.", "admit")
        target = target_in(meeting, peer_id, (Participant.Status.LOBBY,), "admit")
        check_room_has_a_seat(room, list(Participant.objects.filter(meeting=meeting)), target.identity)
        target.status = Participant.Status.JOINED
        target.save(update_fields=["status"])
        outbox = Outbox(notices=[(target.channel_name, {"type": "peer.notice", "action": "admitted",
                                                        "peer_id": target.peer_id})])
        outbox.events.append(lobby_event(meeting))
        outbox.events.extend(joined_events(meeting, target))
        return outbox


def deny(room_id, peer_id):
    with transaction.atomic():
        room = lock_room(room_id)
        meeting = live_meeting(room)
        if meeting is None:
            raise UserError("unknown-peer", f"There is nobody {peer_id[:32]} in the lobby.", "deny")
        target = target_in(meeting, peer_id, (Participant.Status.LOBBY,), "deny")
        outbox = Outbox(notices=[(target.channel_name, {"type": "peer.notice", "action": "denied",
                                                        "peer_id": target.peer_id})])
        outbox.events.extend(take_out(meeting, target, "denied"))
        return outbox


def end_meeting(room_id, by):
    """End the meeting for everyone: each socket is told and closed, the next join starts a new meeting."""
    with transaction.atomic():
        room = lock_room(room_id)
        meeting = live_meeting(room)
        if meeting is None:
            return Outbox()
        people = list(Participant.objects.filter(meeting=meeting).order_by("pk"))
        notices = [
            (p.channel_name, {"type": "peer.notice", "action": "ended", "peer_id": p.peer_id, "by": by})
            for p in people
        ]
        for person in people:
            if person.status != Participant.Status.LOBBY and person.role not in HIDDEN_ROLES:
                signals.participant_left.send(Participant, meeting=meeting, participant=person, reason="meeting-ended")
        Participant.objects.filter(meeting=meeting).delete()
        meeting.ended_at = timezone.now()
        meeting.ended_reason = "ended"
        meeting.save(update_fields=["ended_at", "ended_reason"])
        signals.meeting_ended.send(Meeting, meeting=meeting, reason="ended")
        return Outbox(notices=notices)


def ask(room_id, peer_id, action, kind, by_peer):
    """Forward a moderator's mute or unmute request to one participant."""
    with transaction.atomic():
        room = lock_room(room_id)
        meeting = live_meeting(room)
        target = target_in(meeting, peer_id, (Participant.Status.JOINED,), action)
        if target.role in HIDDEN_ROLES:
            raise UserError("unknown-peer", f"There is no peer {peer_id[:32]} in this room.", action)
        notice = {"type": "peer.notice", "action": action, "kind": kind, "by": by_peer}
        return Outbox(notices=[(target.channel_name, notice)])


def is_moderator(role):
    return role in MODERATOR_ROLES
