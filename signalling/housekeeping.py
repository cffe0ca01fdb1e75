"""One task per worker process keeps the shared roster honest.

Every SIGNALLING_HEARTBEAT_SECONDS it marks this worker's seated participants as alive (so other workers can tell
when it dies), renews their room-group membership, and sweeps the shared roster: seats whose resume grace window
passed, participants of dead workers, meetings that stood empty, recordings whose recorder died.

It knows the sockets only by what they registered (their peer id, channel and group), never by reaching into them:
a socket's own timers watch its liveness (signalling.socket).
"""

import asyncio
import logging
from dataclasses import dataclass

from channels.layers import get_channel_layer
from django.conf import settings

from meetings import actions
from signalling import db, seats
from signalling.publish import apublish

log = logging.getLogger(__name__)


@dataclass
class Seat:
    peer_id: str
    channel_name: str
    group: str | None  # None while it waits in the lobby: not in the room's group


_seats = {}  # socket -> Seat
_task = None


def track(socket, peer_id, channel_name, group=None):
    """Start looking after a socket's seat (in the lobby while `group` is None); call again when it changes."""
    global _task
    _seats[socket] = Seat(peer_id, channel_name, group)
    if _task is None or _task.done():
        _task = asyncio.get_running_loop().create_task(_run())


def forget(socket):
    _seats.pop(socket, None)


async def _run():
    while True:
        await asyncio.sleep(settings.SIGNALLING_HEARTBEAT_SECONDS)
        try:
            await tick()
        except Exception:  # a passing database or Redis fault must not end housekeeping
            log.exception("housekeeping failed; trying again next beat")


async def tick():
    await db.run(seats.mark_alive, {seat.peer_id for seat in _seats.values()})
    layer = get_channel_layer()
    for socket, seat in list(_seats.items()):
        # Group membership lives in the channel layer: a restarted Redis forgets it, and the layers let it expire
        # after a day. Renewing it every beat bounds the loss to one beat, which seq gaps then repair.
        if seat.group is not None and _seats.get(socket) is seat:  # still held, after the awaits before it
            await layer.group_add(seat.group, seat.channel_name)
    for outbox in await db.run(seats.sweep):
        await apublish(outbox)
    # Recordings whose recorder died: the recorders sweep each other, and this covers the last one dying.
    for outbox in await db.run(actions.finish_lost_recordings):
        await apublish(outbox)
