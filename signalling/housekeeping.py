"""One task per worker process keeps the roster honest.

Every SIGNALLING_HEARTBEAT_SECONDS it marks this worker's participants as alive (so other workers can tell when it
dies), closes sockets that have been silent for SIGNALLING_CLIENT_TIMEOUT, renews their room-group membership, and
sweeps the shared roster: seats whose resume grace window passed, participants of dead workers, meetings that stood
empty.
"""

import asyncio
import logging
import time

from channels.db import database_sync_to_async
from django.conf import settings

from signalling import roster
from signalling.protocol import ProtocolError
from signalling.publish import apublish

log = logging.getLogger(__name__)

_consumers = set()
_task = None


def track(consumer):
    """Start looking after a consumer that holds a seat (or waits in the lobby)."""
    global _task
    _consumers.add(consumer)
    if _task is None or _task.done():
        _task = asyncio.get_running_loop().create_task(_run())


def forget(consumer):
    _consumers.discard(consumer)


async def _run():
    while True:
        await asyncio.sleep(settings.SIGNALLING_HEARTBEAT_SECONDS)
        try:
            await tick()
        except Exception:  # a passing database or Redis fault must not end housekeeping
            log.exception("housekeeping failed; trying again next beat")


async def tick():
    now = time.monotonic()
    for consumer in list(_consumers):
        if now - consumer.last_heard > settings.SIGNALLING_CLIENT_TIMEOUT:
            error = ProtocolError("liveness-timeout", "Nothing was heard from this client for too long.")
            await consumer.refuse(error, keep_seat=True)
    peer_ids = {consumer.peer_id for consumer in _consumers if consumer.peer_id}
    await database_sync_to_async(roster.mark_alive)(peer_ids)
    for consumer in list(_consumers):
        # Group membership lives in the channel layer: a restarted Redis forgets it, and channels-redis lets it
        # expire after a day. Renewing it every beat bounds the loss to one beat, which seq gaps then repair.
        if consumer.seat == "joined" and not consumer.closing:
            await consumer.channel_layer.group_add(consumer.group, consumer.channel_name)
    for slug, outbox in await database_sync_to_async(roster.sweep)():
        await apublish(outbox, slug)
