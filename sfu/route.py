"""Which way a meeting's media flows: browser to browser ("mesh") or through the server ("sfu").

Decided under the room's lock whenever seats change (signalling.admission, meetings.actions), from the room's choice
(Room.media_route) and the number of people seated. It only moves up on its own: a meeting that went through the
server stays there until it ends (moving back down as people leave would cut everyone's video twice), unless the room
itself is set to "browser to browser".
"""

from django.conf import settings

from signalling.contract import HIDDEN_ROLES

MESH = "mesh"
SFU = "sfu"


def server_route_available():
    """Return whether this deployment has a media server to route through."""
    return bool(settings.JANUS_URLS)


def route_for(media_route, seated):
    """Return the route a meeting of a room set to `media_route` takes with `seated` people in it."""
    if not server_route_available() or media_route == "mesh":
        return MESH
    if media_route == "sfu" or seated > settings.SFU_AUTO_THRESHOLD:
        return SFU
    return MESH


def seated_count(participants):
    from signalling.wire import SEATED

    return sum(1 for p in participants if p.status in SEATED and p.role not in HIDDEN_ROLES)


def decide_route(room, meeting, participants):
    """Set the meeting's route for its people now; return the room events that say it changed (none if it did not)."""
    from signalling.events import event
    from signalling.wire import describe_room

    wanted = route_for(room.media_route, seated_count(participants))
    if wanted == MESH and meeting.media_route == SFU and room.media_route != "mesh" and server_route_available():
        wanted = SFU  # sticky: no move back down while people leave
    if wanted == meeting.media_route:
        return []
    meeting.media_route = wanted
    meeting.save(update_fields=["media_route"])
    return [event(meeting, "room-updated", room=describe_room(room, meeting))]
