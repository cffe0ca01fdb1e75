"""How rooms, people and chat look on the wire (docs/protocol.md), and the room-state snapshots built from them."""

from django.conf import settings
from signalling import store
from signalling.contract import HIDDEN_ROLES, MODERATOR_ROLES
from signalling.models import Participant

SEATED = (Participant.Status.JOINED, Participant.Status.AWAY)


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
        "hand_raised_at": iso(participant.hand_raised_at) if participant.hand and participant.hand_raised_at else None,
        "connected": participant.status == Participant.Status.JOINED,
    }


def describe_lobby_entry(participant):
    entry = {"peer_id": participant.peer_id, "name": participant.display_name, "joined_at": iso(participant.joined_at)}
    if participant.like_removed:
        entry["like_removed"] = True  # from the address, or through the invite, of someone removed
    return entry


def describe_room(room, meeting=None):
    return {
        "slug": room.slug,
        "name": room.name,
        "max_participants": room.max_participants,
        "is_locked": room.is_locked,
        "requires_approval": room.requires_approval,
        "has_password": room.has_password,
        "recording": bool(meeting and meeting.recording),
        # The room's choice ("mesh", "sfu", "auto") and how this meeting's media flows now ("mesh" or "sfu").
        "media_route": room.media_route,
        "route": meeting.media_route if meeting is not None else "mesh",
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


def visible_peers(participants):
    """Return the seated, visible participants, oldest first."""
    seated = [p for p in participants if p.status in SEATED and p.role not in HIDDEN_ROLES]
    return sorted(seated, key=lambda p: (p.joined_at, p.peer_id))


def lobby_of(participants):
    return sorted((p for p in participants if p.status == Participant.Status.LOBBY), key=lambda p: p.joined_at)


def snapshot(meeting, viewer, participants):
    """Return the room state as `viewer` (a Participant) may see it: what `welcome` and `state` carry."""
    lobby = lobby_of(participants)
    # Up to the snapshot's own seq: a message stored since comes to the client as its event.
    chat = store.room_chat(meeting, meeting.seq, settings.CHAT_HISTORY)
    state = {
        "seq": meeting.seq,
        "room": describe_room(meeting.room, meeting),
        "peers": [describe(p) for p in visible_peers(participants)],
        "lobby_count": len(lobby),
        "chat": [describe_chat(m) for m in chat],
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


def private_chat_for(meeting, identity):
    """Return the last private messages to or from this identity in the meeting, oldest first."""
    return [describe_chat(m) for m in store.private_chat(meeting, identity, settings.CHAT_HISTORY)]
