"""Send an Outbox through the channel layer: from async code (consumers) or sync code (actions, the admin)."""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from channels.exceptions import ChannelFull

log = logging.getLogger(__name__)


def room_group(slug):
    """The channel-layer group of a room; keyed by the slug, which never changes."""
    return f"room.{slug}"


async def apublish(outbox, slug, layer=None):
    """Send the Outbox's room events to the room group and its notices to their channels."""
    layer = layer or get_channel_layer()
    # Notices first: a removed peer hears why before the room hears that it left.
    for channel, notice in outbox.notices:
        try:
            await layer.send(channel, notice)
        except ChannelFull:
            log.warning("dropped a notice to a full channel %s", channel)
    for event in outbox.events:
        await layer.group_send(room_group(slug), {"type": "room.event", "event": event})


def publish(outbox, slug):
    """The same from sync code."""
    if outbox.events or outbox.notices:
        async_to_sync(apublish)(outbox, slug)
