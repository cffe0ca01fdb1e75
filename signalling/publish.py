"""Send an Outbox through the channel layer: from async code (consumers) or sync code (pages, the API, the admin)."""

import logging

from asgiref.sync import async_to_sync
from channels.exceptions import ChannelFull
from channels.layers import get_channel_layer

from observability import metrics
from signalling import protocol

log = logging.getLogger(__name__)


def room_group(slug):
    """The channel-layer group of a room; keyed by the slug, which never changes."""
    return f"room.{slug}"


async def apublish(outbox, layer=None):
    """Send the Outbox (signalling.events.Outbox): its notices, then its room events, then its requests."""
    layer = layer or get_channel_layer()
    # Notices first: a removed peer hears why before the room hears that it left.
    for channel, notice in outbox.notices:
        try:
            await layer.send(channel, notice)
        except ChannelFull:
            metrics.layer_error("channel-full")
            log.warning("dropped a notice to a full channel %s", channel)
    for event in outbox.events:
        await layer.group_send(room_group(outbox.slug), room_event_message(event))
    for channel, request in outbox.requests:
        try:
            await layer.send(channel, request)
        except Exception:
            # Recorders also read their recordings' state every heartbeat, and a start nobody takes in time
            # fails by itself (meetings.actions.finish_lost_recordings).
            log.exception("could not send a %s request to %s", request.get("type"), channel)


def room_event_message(event):
    """Wrap a room event for the group: its JSON encoded once here, not once per recipient.

    The channel layer copies the message for every member, so it carries the text and only what the consumers
    route by: the kind, the seq, the peer concerned and, for workers only, its channel.
    """
    routing = {"type": event["type"], "seq": event.get("seq")}
    peer = event.get("peer")
    if peer is not None:
        routing["peer_id"], routing["role"] = peer["peer_id"], peer["role"]
    elif "peer_id" in event:
        routing["peer_id"] = event["peer_id"]
    for key in ("_channel", "_hidden"):
        if key in event:
            routing[key] = event[key]
    public = {key: value for key, value in event.items() if not key.startswith("_")}
    message = {"type": "room.event", "event": routing, "text": protocol.encode(public)}
    if "lobby" in public:  # who waits is for moderators; the others learn only how many
        message["public_text"] = protocol.encode({key: value for key, value in public.items() if key != "lobby"})
    return message


def publish(outbox):
    """The same from sync code; returns the Outbox, so a caller can publish and keep what the change made."""
    if outbox:
        async_to_sync(apublish)(outbox)
    return outbox
