"""The channel layers: channels-redis made to ride out a passing Redis fault, and a cheaper in-process layer.

channels-redis raises out of `receive()` when Redis stalls or restarts, and the consumer waiting there dies with
its socket. Here `receive()` waits and tries again instead: messages are safe meanwhile in channels-redis's backup
queue, group membership is renewed by signalling.housekeeping every beat, and what was lost in between shows up
to clients as a seq gap, which they repair with a resync. Sending still fails at once, answered as an
internal error (1011) that clients resume after.
"""

import asyncio
import logging
import time

from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer
from channels_redis.core import RedisChannelLayer
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)

PASSING_FAULTS = (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError, OSError)


class ResilientRedisChannelLayer(RedisChannelLayer):
    async def receive(self, channel):
        delay = 0.1
        while True:
            try:
                return await super().receive(channel)
            except PASSING_FAULTS as error:
                log.warning("channel layer receive failed (%s); retrying in %.1fs", error, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)


class InProcessChannelLayer(InMemoryChannelLayer):
    """channels' in-memory layer, made cheap enough for a busy worker.

    - Its expiry sweep runs at most once a second. The original walks every channel and group on every receive
      and send: with a thousand sockets that walk was the worker's largest single cost. Messages and
      memberships expire after a minute, so a sweep a second is as good as one per message.
    - A group send puts the message on each member's queue at once. The original starts a task per member and
      waits for them all, so publishing a batch of chat messages took a loop turn per message and stalled
      whatever waited behind it.
    - Messages are not deep-copied: each recipient gets its own top-level dict, sharing what is nested. Our
      consumers only read what they receive (signalling/consumers.py), and every sender builds a fresh message.
    """

    clean_interval = 1.0
    _cleaned_at = 0.0

    def _clean_expired(self):
        now = time.monotonic()
        if now - self._cleaned_at >= self.clean_interval:
            self._cleaned_at = now
            super()._clean_expired()

    def _put(self, channel, message, expires):
        queue = self.channels.get(channel)
        if queue is None:
            queue = self.channels[channel] = asyncio.Queue(maxsize=self.get_capacity(channel))
        try:
            queue.put_nowait((expires, dict(message)))
        except asyncio.QueueFull:
            raise ChannelFull(channel) from None

    async def send(self, channel, message):
        assert isinstance(message, dict), "message is not a dict"
        self.require_valid_channel_name(channel)
        assert "__asgi_channel__" not in message
        self._put(channel, message, time.time() + self.expiry)

    async def group_send(self, group, message):
        assert isinstance(message, dict), "message is not a dict"
        self.require_valid_group_name(group)
        self._clean_expired()
        expires = time.time() + self.expiry
        for channel in list(self.groups.get(group, ())):
            try:
                self._put(channel, message, expires)
            except ChannelFull:
                pass  # as channels' own layers do: a full member misses this one, and sees a seq gap
