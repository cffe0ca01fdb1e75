"""One task per worker process keeps the shared roster honest.

Every SIGNALLING_HEARTBEAT_SECONDS it marks this worker's seated participants as alive (so other workers can tell
when it dies), renews their room-group membership, and sweeps the shared roster: seats whose resume grace window
passed, participants of dead workers, meetings that stood empty, recordings whose recorder died.

The seats' part is spread over the beat in SLICES steps, a tenth of the seats at a time: done all at once, a worker
with a thousand sockets stalled its relays every beat (the outside benchmark saw p99 37-47 ms in those seconds
against 5-16 ms in the others). Each seat is still marked and renewed once a beat.

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


SLICES = 10
_seats = {}  # socket -> Seat
_task = None
_slot = 0  # the slice the next step looks after


def track(socket, peer_id, channel_name, group=None):
    """Start looking after a socket's seat (in the lobby while `group` is None); call again when it changes."""
    global _task
    _seats[socket] = Seat(peer_id, channel_name, group)
    if _task is None or _task.done():
        _task = asyncio.get_running_loop().create_task(_run())


def forget(socket):
    _seats.pop(socket, None)


async def _run():
    global _slot
    while True:
        await asyncio.sleep(settings.SIGNALLING_HEARTBEAT_SECONDS / SLICES)
        try:
            await step(_slot)
        except Exception:  # a passing database or Redis fault must not end housekeeping
            log.exception("housekeeping failed; trying again next beat")
        _slot = (_slot + 1) % SLICES


async def step(slot):
    """One tenth of a beat's work: one slice of the seats, and the sweep once a beat."""
    await look_after([socket for socket, seat in list(_seats.items()) if hash(seat.peer_id) % SLICES == slot])
    if slot == 0:
        await sweep()


async def tick():
    """A whole beat's work at once (the tests' way to make a beat happen now)."""
    await look_after(list(_seats))
    await sweep()


async def look_after(sockets):
    held = [(socket, _seats[socket]) for socket in sockets if socket in _seats]
    if not held:
        return
    await db.run(seats.mark_alive, {seat.peer_id for _, seat in held})
    layer = get_channel_layer()
    for socket, seat in held:
        # Group membership lives in the channel layer: a restarted Redis forgets it, and the layers let it expire
        # after a day. Renewing it every beat bounds the loss to one beat, which seq gaps then repair.
        if seat.group is not None and _seats.get(socket) is seat:  # still held, after the awaits before it
            await layer.group_add(seat.group, seat.channel_name)


async def sweep():
    for outbox in await db.run(seats.sweep):
        await apublish(outbox)
    # Recordings whose recorder died: the recorders sweep each other, and this covers the last one dying.
    for outbox in await db.run(actions.finish_lost_recordings):
        await apublish(outbox)
