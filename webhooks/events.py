"""The webhook events: their types and JSON bodies, built from the objects meetings.signals carries.

Pure functions of their arguments (no queries beyond what the objects already hold), so a body can be checked
without a database. docs/operations.md shows every body.
"""

import secrets
from datetime import timezone

ROOM_CREATED = "room.created"
ROOM_DELETED = "room.deleted"
MEETING_STARTED = "meeting.started"
MEETING_ENDED = "meeting.ended"
PARTICIPANT_JOINED = "participant.joined"
PARTICIPANT_LEFT = "participant.left"
LOBBY_KNOCKED = "lobby.knocked"
RECORDING_STARTED = "recording.started"
RECORDING_FINISHED = "recording.finished"
RECORDING_FAILED = "recording.failed"

EVENT_TYPES = (
    ROOM_CREATED,
    ROOM_DELETED,
    MEETING_STARTED,
    MEETING_ENDED,
    PARTICIPANT_JOINED,
    PARTICIPANT_LEFT,
    LOBBY_KNOCKED,
    RECORDING_STARTED,
    RECORDING_FINISHED,
    RECORDING_FAILED,
)

# The id is the Standard Webhooks `webhook-id`: receivers deduplicate on it, so it must never be reused.
EVENT_ID_PREFIX = "evt_"


def new_event_id():
    return EVENT_ID_PREFIX + secrets.token_urlsafe(18)


def iso(moment):
    """Return an aware datetime as ISO 8601 in UTC with a Z, or None."""
    if moment is None:
        return None
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def envelope(event_id, event_type, timestamp, room_slug, data):
    """Return the body every event shares: id, type, timestamp, the room's slug, and the type's own data."""
    return {"id": event_id, "type": event_type, "timestamp": iso(timestamp), "room": room_slug, "data": data}


def room_data(room):
    return {"name": room.name, "owner": room.owner.username if room.owner_id else None, "access": room.access}


def meeting_data(meeting):
    return {"meeting_id": meeting.pk, "started_at": iso(meeting.started_at)}


def ended_meeting_data(meeting, reason):
    duration = None
    if meeting.ended_at and meeting.started_at:
        duration = round((meeting.ended_at - meeting.started_at).total_seconds(), 3)
    return {
        **meeting_data(meeting),
        "ended_at": iso(meeting.ended_at),
        "duration_seconds": duration,
        "reason": reason,
    }


def participant_data(meeting, participant):
    return {
        "meeting_id": meeting.pk,
        "peer_id": participant.peer_id,
        "identity": participant.identity,
        "name": participant.display_name,
        "role": participant.role,
    }


def recording_data(recording):
    return {
        "recording_id": recording.pk,
        "status": recording.status,
        "started_by": recording.started_by,
        "requested_at": iso(recording.requested_at),
        "started_at": iso(recording.started_at),
    }


def finished_recording_data(recording, files):
    return {
        **recording_data(recording),
        "ended_at": iso(recording.ended_at),
        "reason": recording.stop_reason,
        "files": [
            {
                "id": recording_file.pk,
                "peer_id": recording_file.peer_id,
                "name": recording_file.participant_name,
                "label": recording_file.label,
                "duration_seconds": recording_file.duration,
                "size_bytes": recording_file.size,
            }
            for recording_file in files
        ],
    }


def failed_recording_data(recording):
    return {
        **recording_data(recording),
        "ended_at": iso(recording.ended_at),
        "reason": recording.stop_reason,
        "error": recording.error,
    }
