"""A seat's life after joining: presence, dropping away, leaving, and the sweep that clears what nobody holds."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from meetings import signals
from signalling.contract import HIDDEN_ROLES
from signalling.events import Outbox, event, lock_room, take_out
from signalling.models import Meeting, Participant
from signalling.protocol import UserError
from signalling.wire import SEATED, describe, welcome_for


def stale_before():
    """Return the moment before which a seat its worker has not marked belongs to a dead worker."""
    return timezone.now() - timedelta(seconds=settings.SIGNALLING_STALE_SECONDS)


def locked_participant(peer_id, **filters):
    """Return a participant with its room locked and its meeting and room loaded, or None if it is gone."""
    participant = Participant.objects.filter(peer_id=peer_id, **filters).first()
    if participant is None:
        return None
    lock_room(participant.room_id)
    # Read again under the lock: it may have left while we waited for it.
    return Participant.objects.filter(peer_id=peer_id, **filters).select_related("meeting", "meeting__room").first()


def leave(peer_id, reason="left"):
    """Take a participant out of its meeting; return the Outbox (empty if it was gone already)."""
    with transaction.atomic():
        participant = locked_participant(peer_id)
        if participant is None:
            return Outbox()
        return Outbox(participant.meeting.room.slug, events=take_out(participant.meeting, participant, reason))


def disconnected(peer_id, channel_name):
    """The socket dropped without `leave`: keep the seat for the resume grace window."""
    with transaction.atomic():
        participant = locked_participant(peer_id, channel_name=channel_name)
        if participant is None:
            return Outbox()
        outbox = Outbox(participant.meeting.room.slug)
        if participant.status == Participant.Status.LOBBY or settings.SIGNALLING_RESUME_GRACE == 0:
            outbox.events.extend(take_out(participant.meeting, participant, "left"))
            return outbox
        participant.status = Participant.Status.AWAY
        participant.disconnected_at = timezone.now()
        participant.save(update_fields=["status", "disconnected_at"])
        if participant.role not in HIDDEN_ROLES:
            outbox.events.append(event(participant.meeting, "peer-updated", peer=describe(participant)))
        return outbox


def seat_state(peer_id, channel_name):
    """Return where a seat is for the socket on `channel_name` that dropped: "away" (still its, held for a resume),
    "elsewhere" (another socket holds it now) or "gone" (left, removed, replaced, timed out)."""
    held_by = Participant.objects.filter(peer_id=peer_id).values_list("channel_name", flat=True).first()
    if held_by is None:
        return "gone"
    return "away" if held_by == channel_name else "elsewhere"


def update_presence(peer_id, changes):
    """Change a participant's microphone / camera / screen / hand state; return the Outbox."""
    with transaction.atomic():
        participant = locked_participant(peer_id)
        if participant is None:
            # Taken out a moment ago (removed, replaced, the meeting ended): the notice closing it is on its way.
            raise UserError("not-in-meeting", "You are no longer in this meeting.")
        fields = list(changes)
        if "hand" in changes and changes["hand"] != participant.hand:
            # The raised hands are a queue: it is ordered by when each went up.
            participant.hand_raised_at = timezone.now() if changes["hand"] else None
            fields.append("hand_raised_at")
        for name, value in changes.items():
            setattr(participant, name, value)
        participant.save(update_fields=fields)
        outbox = Outbox(participant.meeting.room.slug)
        if participant.role not in HIDDEN_ROLES:
            outbox.events.append(event(participant.meeting, "peer-updated", peer=describe(participant)))
        return outbox


def welcome_data(peer_id):
    """Return what `welcome` and `state` carry for a seated participant (resyncs, guests admitted from the lobby).

    Read without a lock or a write transaction, so that a slow read never holds up a change: the snapshot is taken,
    then kept only if the meeting's seq did not move meanwhile (else read again; a busy room falls back to reading
    under the room's lock).
    """
    for _ in range(3):
        participant = (Participant.objects.select_related("meeting", "meeting__room")
                       .filter(peer_id=peer_id).first())
        if participant is None:
            raise UserError("not-in-meeting", "You are no longer in this meeting.")
        meeting = participant.meeting
        welcome = welcome_for(meeting, participant, list(Participant.objects.filter(meeting=meeting)))
        if Meeting.objects.filter(pk=meeting.pk, seq=meeting.seq).exists():
            return welcome
    with transaction.atomic():
        participant = locked_participant(peer_id)
        if participant is None:
            raise UserError("not-in-meeting", "You are no longer in this meeting.")
        participants = list(Participant.objects.filter(meeting=participant.meeting))
        return welcome_for(participant.meeting, participant, participants)


def mark_alive(peer_ids):
    """Mark these participants as seen now."""
    if peer_ids:
        Participant.objects.filter(peer_id__in=list(peer_ids)).update(last_seen=timezone.now())


def sweep():
    """Drop seats whose grace window passed or whose worker died, and end meetings that stood empty.

    Return the Outboxes to publish.
    """
    now = timezone.now()
    grace_cutoff = now - timedelta(seconds=settings.SIGNALLING_RESUME_GRACE)
    expired = Participant.objects.filter(status=Participant.Status.AWAY, disconnected_at__lt=grace_cutoff)
    # Stale: a worker claims the seat but has stopped marking it (it died). An away seat is nobody's to mark:
    # only its grace window counts.
    stale = Participant.objects.filter(last_seen__lt=stale_before()).exclude(status=Participant.Status.AWAY)
    gone = set(expired.values_list("peer_id", flat=True)) | set(stale.values_list("peer_id", flat=True))
    outboxes = [leave(peer_id, reason="timeout") for peer_id in sorted(gone)]
    empty_cutoff = now - timedelta(seconds=settings.MEETING_EMPTY_TIMEOUT)
    for meeting in Meeting.objects.filter(ended_at__isnull=True, emptied_at__lt=empty_cutoff).select_related("room"):
        with transaction.atomic():
            lock_room(meeting.room_id)
            if Participant.objects.filter(meeting=meeting).exists():
                continue
            if Meeting.objects.filter(pk=meeting.pk, ended_at__isnull=True).update(ended_at=now, ended_reason="empty"):
                meeting.ended_at, meeting.ended_reason = now, "empty"
                signals.meeting_ended.send(Meeting, meeting=meeting, reason="empty")
    return [outbox for outbox in outboxes if outbox]


def channel_of(room_id, peer_id):
    """Return the channel of a seated peer of this room, or None: the fallback when a worker's map misses it."""
    return (
        Participant.objects.filter(room_id=room_id, peer_id=peer_id, status__in=SEATED)
        .values_list("channel_name", flat=True)
        .first()
    )
