"""One task per worker process marks all of its participants as alive, so rosters can drop a dead worker's."""

import asyncio
import logging

from channels.db import database_sync_to_async
from django.conf import settings

from signalling import roster

log = logging.getLogger(__name__)

_local_peers = set()
_task = None


def track(peer_id):
    """Start marking this worker's participant as alive."""
    global _task
    _local_peers.add(peer_id)
    if _task is None or _task.done():
        _task = asyncio.get_running_loop().create_task(_heartbeat())


def untrack(peer_id):
    _local_peers.discard(peer_id)


async def _heartbeat():
    while _local_peers:
        await asyncio.sleep(settings.SIGNALLING_HEARTBEAT_SECONDS)
        try:
            await database_sync_to_async(roster.mark_alive)(set(_local_peers))
        except Exception:  # a passing database fault must not stop the heartbeat
            log.exception("could not mark participants alive")
