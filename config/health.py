"""/healthz: is the database reachable, and does the channel layer deliver?

It names the part that fails, never how: exception texts can carry host names, addresses and credentials of the
database or Redis. Those go to the log.
"""

import asyncio
import logging
import uuid

from channels.layers import get_channel_layer
from django.db import connection
from django.http import JsonResponse
from asgiref.sync import async_to_sync

log = logging.getLogger(__name__)


def check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


async def _round_trip(layer):
    channel = await layer.new_channel("healthz.")
    marker = uuid.uuid4().hex
    await layer.send(channel, {"type": "healthz", "marker": marker})
    try:
        message = await asyncio.wait_for(layer.receive(channel), timeout=2)
    finally:
        if hasattr(layer, "forget_channel"):
            await layer.forget_channel(channel)
    if message.get("marker") != marker:
        raise RuntimeError("the channel layer returned another message")


def check_channel_layer():
    async_to_sync(_round_trip)(get_channel_layer())


def healthz(request):
    """Answer 200 when the database and the channel layer both work, 503 naming what does not."""
    checks = {}
    for name, check in (("database", check_database), ("channel_layer", check_channel_layer)):
        try:
            check()
            checks[name] = "ok"
        except Exception:  # any failure is the answer, not a crash
            log.exception("health check of the %s failed", name)
            checks[name] = "error"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503)
