"""The channel layers: Redis for several workers, and a cheaper in-process layer for one.

- SignallingRedisChannelLayer (REDIS_URL set): sockets and rooms go by Redis pub/sub, named work queues by
  channels-redis's queues. Its class doc says why and what pub/sub gives up.
- ResilientRedisChannelLayer, the queues part: channels-redis raises out of `receive()` when Redis stalls or
  restarts, and the consumer waiting there dies with its socket. Here `receive()` waits and tries again instead.
  Its connections come from a blocking pool of REDIS_MAX_CONNECTIONS: redis-py's default pool refuses the 101st
  concurrent command outright (MaxConnectionsError), which a busy worker reached in its first second.
- Sending fails at once while Redis is away, answered as an internal error (4500) that clients resume after.
  Group membership is renewed by signalling.housekeeping every beat, and room events lost meanwhile show up to
  clients as a seq gap, which they repair with a resync.
- InProcessChannelLayer: channels' in-memory layer without its per-message costs.
- On both, a relay to a socket of the same worker skips the layer's costs: handed over directly when that keeps
  the layer's order (signalling.socket), else put on that socket's queue (`send_nearby`). On Redis a room event
  may still be on its way to that socket: the relay carries the seq its sender had seen, and waits for it.
"""

import asyncio
import logging
import time
import weakref

from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer
from channels_redis.core import RedisChannelLayer
from channels_redis.pubsub import RedisPubSubChannelLayer
from redis.asyncio import BlockingConnectionPool, Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from observability import metrics

log = logging.getLogger(__name__)

PASSING_FAULTS = (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError, OSError)


class ResilientRedisChannelLayer(RedisChannelLayer):
    def __init__(self, *args, max_connections=100, pool_timeout=10, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_connections = max_connections
        self.pool_timeout = pool_timeout

    def create_pool(self, index):
        host = dict(self.hosts[index])
        address = host.pop("address")
        return BlockingConnectionPool.from_url(
            address, max_connections=self.max_connections, timeout=self.pool_timeout, **host
        )

    async def receive(self, channel):
        delay = 0.1
        failed = False
        while True:
            try:
                message = await super().receive(channel)
                if failed:
                    metrics.layer_reconnected()
                return message
            except PASSING_FAULTS as error:
                failed = True
                metrics.layer_error("receive")
                log.warning("channel layer receive failed (%s); retrying in %.1fs", error, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)


class Publisher:
    """Publishes in order, pipelining: while one round trip to Redis is out, the next messages gather.

    One PUBLISH per round trip capped a worker at a few thousand messages a second, queueing the rest.
    `publish()` returns once Redis has taken the message, and raises if it could not.

    `keep_open()` says whether its loop lives on (a worker's, a recorder's: they receive). A loop that does not
    (sync code calling through async_to_sync makes one per call) gets its connection closed as soon as nothing is
    left to send, before the caller can close the loop.
    """

    def __init__(self, address, keep_open):
        self.address = address
        self.keep_open = keep_open
        self.redis = None
        self.pending = []
        self.task = None

    async def publish(self, name, data):
        done = asyncio.get_running_loop().create_future()
        self.pending.append((name, data, done))
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self.flush())
        await done

    async def flush(self):
        while self.pending:
            batch, self.pending = self.pending[:1000], self.pending[1000:]
            error = None
            try:
                if self.redis is None:
                    self.redis = Redis.from_url(self.address)
                pipeline = self.redis.pipeline(transaction=False)
                for name, data, _ in batch:
                    pipeline.publish(name, data)
                await pipeline.execute()
            except Exception as failure:
                error = failure
            if not self.pending and not self.keep_open() and self.redis is not None:
                redis, self.redis = self.redis, None
                await redis.aclose()
            for _, _, done in batch:
                if not done.done():
                    done.set_exception(error) if error else done.set_result(None)


class SignallingRedisChannelLayer(ResilientRedisChannelLayer):
    """Redis pub/sub for sockets and rooms; channels-redis's queues only for named work queues.

    channels-redis delivers every message through a sorted set that the receiving worker pops one message per
    round trip (BZPOPMIN), and sends cost four commands: at 250 rooms of 4 one worker's receive loop fell
    seconds behind. Through pub/sub a send is one PUBLISH and a worker's subscription streams everything
    addressed to its sockets and rooms.

    - Channels from `new_channel()` (each socket's, a recorder's, the health check's) carry a `!` and go by
      pub/sub; so do groups. Other names are work queues read by whichever process asks first (the
      recorders' start requests): those stay on channels-redis, which keeps a message until someone takes it.
    - Pub/sub keeps nothing for a subscriber that is not connected: what is published while a worker's Redis
      connection is down is lost. Room events lost so show up as a seq gap, which clients repair with a
      resync; a lost offer or candidate is repaired by the client's ICE restart. The loss is bounded by the
      outage, and tested (tests/multiprocess/test_workers_fail_and_recover.py).
    - There is no per-channel capacity: a socket's queue is bounded by its sender's rate limit instead.
    """

    # Sends handed over at once go out in the order they were made, sharing round trips (see Publisher):
    # signalling.chat publishes a batch's events together on layers that say so.
    pipelines_sends = True

    def __init__(self, hosts=None, prefix="asgi", **kwargs):
        super().__init__(hosts=hosts, prefix=prefix, **kwargs)
        self.pubsub = RedisPubSubChannelLayer(hosts=hosts, prefix=f"{prefix}.ps.")
        self.publishers = weakref.WeakKeyDictionary()  # event loop -> Publisher
        self.receiving_loop = None  # the loop that receives lives as long as its process (a worker's, a recorder's)

    @staticmethod
    def by_pubsub(name):
        return "!" in name

    async def new_channel(self, prefix="specific."):
        return await self.pubsub.new_channel(prefix=f"{prefix.rstrip('.')}!")

    # A relay to a socket of this same worker skips Redis (signalling.consumers, on_relay): handed over, or put on that
    # socket's queue. It could then overtake a room event still on its way through Redis (published by a view, the
    # recorder, another worker): the recorder's offer once reached Alice before "recording started". So a relay
    # carries the last seq its sender had seen, and the addressee holds it until it has that event too
    # (signalling.consumers, peer_relay). Everything else goes through Redis, in the order it was sent.
    hands_over_in_process = True

    def local_queue(self, channel):
        """The queue of a channel this worker's loop reads, or None (another worker's, or another loop here)."""
        if self.receiving_loop is None or not self.by_pubsub(channel):
            return None
        try:
            if asyncio.get_running_loop() is not self.receiving_loop:
                return None
        except RuntimeError:
            return None
        return self.pubsub._get_layer().channels.get(channel)

    def waiting(self, channel):
        queue = self.local_queue(channel)
        return queue.qsize() if queue is not None else 0

    async def send_nearby(self, channel, message):
        """Send a relay: onto the queue of a socket of this worker as its subscription would (no PUBLISH, no round
        trip, no read back: a room's sockets on one worker, docs/deployment.md "Room affinity", cost what one
        worker's do), else through Redis. Only relays go this way, and they all do: from one sender they stay in
        order."""
        queue = self.local_queue(channel)
        if queue is not None:
            queue.put_nowait(self.pubsub.serialize(message))
            return None
        return await self.send(channel, message)

    async def send(self, channel, message):
        if self.by_pubsub(channel):
            return await self.publish(channel, message)
        return await super().send(channel, message)

    async def publish(self, name, message):
        """PUBLISH through this loop's Publisher: one pipeline for whatever gathered meanwhile, in order.

        Only a loop that receives (a worker's, a recorder's) keeps its Publisher's connection open between sends.
        """
        loop = asyncio.get_running_loop()
        publisher = self.publishers.get(loop)
        if publisher is None:
            # One Redis (REDIS_URL): the pub/sub part is not sharded, so neither is publishing.
            this_loop = weakref.ref(loop)  # not the loop itself: the Publisher is its value in a WeakKeyDictionary
            publisher = self.publishers[loop] = Publisher(self.hosts[0]["address"],
                                                          keep_open=lambda: this_loop() is self.receiving_loop)
        await publisher.publish(name, self.pubsub.serialize(message))

    async def receive(self, channel):
        if self.receiving_loop is None:
            self.receiving_loop = asyncio.get_running_loop()
        if self.by_pubsub(channel):
            return await self.pubsub.receive(channel)
        return await super().receive(channel)

    async def forget_channel(self, channel):
        """Unsubscribe a channel from new_channel() that will not be read again (the health check's)."""
        layer = self.pubsub._get_layer()
        if layer.channels.pop(channel, None) is not None:
            await layer._get_shard(channel).unsubscribe(channel)

    async def group_add(self, group, channel):
        if channel not in self.pubsub._get_layer().channels:
            return  # its socket has just gone: nothing to renew
        await self.pubsub.group_add(group, channel)

    async def group_discard(self, group, channel):
        await self.pubsub.group_discard(group, channel)

    async def group_send(self, group, message):
        await self.publish(self.pubsub._get_layer()._get_group_channel_name(group), message)

    async def flush(self):
        await super().flush()
        await self.pubsub.flush()


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
    # Every socket of the process reads this layer: one may hand a message straight to another (signalling.socket).
    hands_over_in_process = True

    def _clean_expired(self):
        now = time.monotonic()
        if now - self._cleaned_at >= self.clean_interval:
            self._cleaned_at = now
            super()._clean_expired()

    def waiting(self, channel):
        """How many messages wait in the layer for this channel."""
        queue = self.channels.get(channel)
        return queue.qsize() if queue is not None else 0

    async def send_nearby(self, channel, message):
        """A relay: every channel here is this process's."""
        return await self.send(channel, message)

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
