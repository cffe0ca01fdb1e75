"""Channels plumbing for one signalling socket, under the room's consumer (signalling/consumers.py).

A socket's work comes through three doors and is done one message at a time, in arrival order per door:

- the WebSocket (frames from the client, and its disconnect);
- the channel layer (room events, relays and notices from other sockets, on any worker);
- `post()`, for this worker's own tasks: the chat writer's replies, timers. They never touch the socket's state
  themselves: they post a message and the socket acts on it in its turn.

It also keeps the rate limit, turns every failure into a documented close, and treats a send to a socket that has
just gone away as the disconnect it is.

A message for a socket of the same worker can skip the layer (`local_mate`, `take_now`): when nothing waits in
the layer for that socket and it is between messages, handing the message over at once delivers it exactly when
and in the order the layer would have, without the queue, the task wake-up and the dispatch (docs/performance.md,
item 16). Layers that allow it say `hands_over_in_process` and count what waits (`waiting(channel)`).
"""

import asyncio
import logging
import time
import weakref

from autobahn.exception import Disconnected
from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer
from django.conf import settings

from observability import metrics
from signalling import load, protocol
from signalling.protocol import ProtocolError, UserError

log = logging.getLogger(__name__)


class TokenBucket:
    """Allow `rate` messages a second on average and bursts of up to `burst`."""

    def __init__(self, rate, burst):
        self.rate = rate
        self.burst = burst
        self.tokens = float(burst)
        self.updated = time.monotonic()

    def hold(self, seconds):
        """Add nothing for `seconds` from now: a flood earns no burst while it is not being read."""
        self.updated = max(self.updated, time.monotonic() + seconds)

    def take(self, at=None, allowance=0.0):
        """Take a token for a message that arrived `at` (monotonic; now by default). `allowance` raises the burst
        for a moment: what a client could have sent while the server was not reading (signalling.load)."""
        at = time.monotonic() if at is None else at
        self.tokens = min(self.burst + allowance, self.tokens + max(0.0, at - self.updated) * self.rate)
        self.updated = max(self.updated, at)
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


def is_closed_transport(error):
    """Return whether an exception from a send says the connection is gone, in any of the ways the stack says it.

    autobahn raises Disconnected; under uvloop, a write to a closed socket raises RuntimeError from the loop
    ("unable to perform operation on <UVPoll closed=True>", "... <TCPTransport closed=True ...>"); asyncio and
    Twisted raise ConnectionError subclasses.
    """
    if isinstance(error, (Disconnected, ConnectionError)):
        return True
    return isinstance(error, RuntimeError) and "closed=True" in str(error)


# channel name -> this worker's socket on it, on layers that allow handing messages over (`hands_over_in_process`).
LOCAL_SOCKETS = weakref.WeakValueDictionary()


class SignallingSocket(AsyncWebsocketConsumer):
    """One signalling socket. Subclasses implement `handle(message)` for validated client messages and
    `release_seat(keep_seat)`, and name their channel-layer and posted message types as methods (Channels' style:
    `room.event` calls `room_event`)."""

    async def __call__(self, scope, receive, send):
        # channels' AsyncConsumer.__call__, with a cheaper loop than its await_many_dispatch: that starts a task
        # and an asyncio.wait for every message, a sixth of the worker's time under load. Here one long-lived task
        # per door hands each message on to dispatch, one at a time.
        self.scope = scope
        self.base_send = send
        self.base_receive_queue = getattr(receive, "__self__", None)
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        self.channel_name = await self.channel_layer.new_channel()
        self.inbox = asyncio.Queue()
        self.turn = turn = asyncio.Lock()
        if getattr(self.channel_layer, "hands_over_in_process", False):
            LOCAL_SOCKETS[self.channel_name] = self
        self.arrived = time.monotonic()
        load.stamp_arrivals(receive)
        self.loop_lag = load.watch()
        self.valve = load.ReadingValve(send)

        async def feed(door, *args):
            while True:
                message = await door(*args)
                async with turn:
                    await self.dispatch(message)

        feeders = [asyncio.ensure_future(feed(receive)),
                   asyncio.ensure_future(feed(self.channel_layer.receive, self.channel_name)),
                   asyncio.ensure_future(feed(self.inbox.get))]
        try:
            done, _ = await asyncio.wait(feeders, return_when=asyncio.FIRST_EXCEPTION)
            for feeder in done:
                feeder.result()  # StopConsumer once the socket is gone; anything else is a crash
        except StopConsumer:
            pass
        finally:
            LOCAL_SOCKETS.pop(self.channel_name, None)
            self.valve.release()
            for feeder in feeders:
                feeder.cancel()
            await asyncio.gather(*feeders, return_exceptions=True)
            self.stop_timers()
            # Also after a crash (the channel layer gone, say): keep the seat for a resume instead of leaking it.
            await self.release_seat(keep_seat=True)

    async def dispatch(self, message):
        # channels hops into its database thread (aclose_old_connections) before every message. Our database work
        # goes through signalling.db, which looks after its connections itself, so skip the hop: with it, every
        # relay in the worker queued behind every other consumer's database work.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    @staticmethod
    def local_mate(channel):
        """This worker's socket on `channel` if a message for it can be handed over now, in the order the layer
        would deliver it: nothing for it is waiting in the layer, and it is not busy with another message."""
        mate = LOCAL_SOCKETS.get(channel)
        if mate is None or mate.turn.locked() or getattr(mate, "closing", True):
            return None
        if mate.channel_layer.waiting(channel):
            return None
        return mate

    async def take_now(self, handler, message):
        """Act on a layer message handed over by another socket of this worker (see local_mate), in this socket's
        turn. A failure here is this socket's, logged as the layer's feeder would; the sender's work goes on."""
        async with self.turn:
            try:
                await handler(message)
            except Exception:
                log.exception("handing a %s to a socket of this worker failed", message.get("type"))

    def valve_queue_size(self):
        queue = getattr(self.base_receive_queue, "qsize", None)
        return queue() if queue else 0

    def post(self, message):
        """Hand this socket a message from another task of this worker; it acts on it in its turn."""
        self.inbox.put_nowait(message)

    # The socket's life.

    async def connect(self):
        self.closing = False
        self.last_heard = time.monotonic()
        self.bucket = TokenBucket(settings.SIGNALLING_RATE, settings.SIGNALLING_BURST)
        # Read on every message: Django's settings object costs a Python-level attribute lookup each time.
        self.max_message_bytes = settings.SIGNALLING_MAX_MESSAGE_BYTES
        self.shed_after = settings.SIGNALLING_SHED_AFTER
        self.dropped = 0
        self.timers = []
        await self.accept()
        self.after(settings.SIGNALLING_JOIN_TIMEOUT, {"type": "socket.join_deadline"})
        self.watch_liveness()

    def after(self, seconds, message):
        """Post `message` to this socket in `seconds`."""
        self.keep_timer(asyncio.get_running_loop().call_later(seconds, self.post, message))

    def keep_timer(self, timer):
        """Remember a timer to cancel when the socket goes, forgetting those that have already fired."""
        now = asyncio.get_running_loop().time()
        if len(self.timers) > 8:
            self.timers = [kept for kept in self.timers if kept.when() > now and not kept.cancelled()]
        self.timers.append(timer)

    def stop_timers(self):
        for timer in getattr(self, "timers", ()):
            timer.cancel()
        gap_timer = getattr(self, "gap_timer", None)
        if gap_timer is not None:
            gap_timer.cancel()

    def watch_liveness(self):
        """Check, when the client timeout could next be reached, whether the client has been silent that long.

        One timer a socket, moved on lazily: a busy socket costs nothing per message, and no pass over all the
        sockets of a worker stalls it.
        """
        silent_for = time.monotonic() - self.last_heard
        if silent_for >= settings.SIGNALLING_CLIENT_TIMEOUT:
            self.post({"type": "socket.silent"})
            return
        loop = asyncio.get_running_loop()
        self.keep_timer(loop.call_later(settings.SIGNALLING_CLIENT_TIMEOUT - silent_for, self.watch_liveness))

    async def socket_join_deadline(self, message):
        if not self.joined() and not self.closing:
            await self.refuse(ProtocolError("join-timeout", "No join message arrived in time."))

    async def socket_silent(self, message):
        await self.refuse(ProtocolError("liveness-timeout", "Nothing was heard from this client for too long."),
                          keep_seat=True)

    def joined(self):
        """Return whether this socket has joined (or waits in the lobby); subclasses say."""
        return False

    async def disconnect(self, code):
        self.closing = True
        self.stop_timers()
        await self.release_seat(keep_seat=True)

    async def release_seat(self, keep_seat):
        """Give up whatever the socket holds; subclasses say what."""

    # From the client.

    async def websocket_receive(self, message):
        self.arrived = load.arrived_at(message)
        await super().websocket_receive(message)

    async def receive(self, text_data=None, bytes_data=None):
        if self.closing:
            return
        self.last_heard = time.monotonic()
        try:
            # Counted when it arrived, not when its turn came: a client that kept to its rate is not closed as
            # flooding because the server fell behind.
            if not self.bucket.take(self.arrived, self.bucket.rate * self.loop_lag.stalled):
                await self.over_rate()
                return
            self.dropped = 0
            if bytes_data is not None:
                raise ProtocolError("protocol-error", "Binary frames are not part of this protocol.")
            data = protocol.decode_frame(text_data, self.max_message_bytes)
            message = protocol.parse_client_message(data, joined=self.joined())
            if message.type in protocol.RELAYED_TYPES and self.last_heard - self.arrived > self.shed_after:
                await self.shed(message)
                return
            await self.handle(message)
        except UserError as error:
            await self.send_payload(protocol.error_message(error.code, error.message, in_reply_to=error.in_reply_to))
        except ProtocolError as error:
            await self.refuse(error)
        except Exception:
            log.exception("signalling failed on a message")
            await self.refuse(ProtocolError("internal-error", "The server failed; reconnect to resume."), True)

    async def handle(self, message):
        """Act on a validated client message (signalling.protocol.Message)."""
        raise NotImplementedError

    async def shed(self, message):
        """Drop a relay that waited too long for its turn. The sender is told `overloaded`, with the count dropped:
        at once for the first, then at most once a second while more are dropped (docs/protocol.md)."""
        metrics.shed()
        self.shed_count = getattr(self, "shed_count", 0) + 1
        if not getattr(self, "shed_told_recently", False):
            await self.tell_shed(message.type)

    async def tell_shed(self, in_reply_to=None):
        count, self.shed_count = self.shed_count, 0
        await self.send_payload(protocol.error_message(
            "overloaded", f"The server is overloaded: {count} of your messages were not delivered; try again "
                          "in a moment.", in_reply_to=in_reply_to, dropped=count))
        self.shed_told_recently = True
        self.after(1.0, {"type": "socket.shed_quiet"})

    async def socket_shed_quiet(self, message):
        self.shed_told_recently = False
        if self.shed_count and not self.closing:
            await self.tell_shed()

    async def over_rate(self):
        """Drop a message over the rate, telling the sender on the first drop of a run.

        Under daphne, the socket is then not read again until it has earned what is already read and waiting (at
        its rate, that many messages take that long): its frames wait in the kernel, TCP slows the sender to its
        rate, and closing it would only invite a reconnection, dearer than reading slowly. Where the socket cannot
        be held (another server), it is closed after SIGNALLING_FLOOD_LIMIT drops in a row.
        """
        self.dropped += 1
        if self.valve.works:
            waiting = self.valve_queue_size() + 1
            seconds = min(settings.SIGNALLING_FLOOD_HOLD_MAX, waiting / self.bucket.rate)
            self.valve.hold(seconds)
            self.bucket.hold(seconds)
        elif self.dropped >= settings.SIGNALLING_FLOOD_LIMIT:
            await self.refuse(ProtocolError("flooding", "Too many messages; the connection was closed."))
            return
        if self.dropped == 1:
            await self.send_payload(
                protocol.error_message("rate-limited", "Too many messages: slow down; messages are being dropped.")
            )

    # To the client.

    async def refuse(self, error, keep_seat=False):
        """Answer a protocol error or refusal, then close with its documented code."""
        if self.closing:
            return
        self.closing = True
        metrics.refused(error.code)
        try:
            await self.send_payload(protocol.error_message(error.code, error.message, fatal=True, **error.details))
        finally:
            await self.release_seat(keep_seat=keep_seat)
            await self.close(code=error.close_code)

    async def send_payload(self, payload):
        await self.send(text_data=protocol.encode(payload))

    async def send(self, text_data=None, bytes_data=None, close=False):
        # The socket may close between a message arriving for it and its being sent: that is the disconnect,
        # which daphne reports next, not a failure. Raised here, it would end this consumer's tasks halfway
        # through whatever the other one was doing (a change committed and never published).
        try:
            await super().send(text_data=text_data, bytes_data=bytes_data, close=close)
        except Exception as error:
            if not is_closed_transport(error):
                raise
            self.closing = True
