"""How far behind this worker is, so that it sheds load in a documented way instead of queueing without end.

Two measures, both cheap:

- **A message's age.** daphne puts each frame a client sends on the socket's input queue as it reads it; we stamp
  the message there (`stamp_arrivals`), so the socket knows, when the message's turn comes, how long it waited. A
  relay that waited longer than SIGNALLING_SHED_AFTER seconds is not delivered: its sender is told `overloaded`
  (docs/protocol.md), and the worker spends on it a fraction of what delivering costs. That bounds the latency of
  what is delivered, whatever is offered.
- **Reading more slowly from a socket over its rate.** Dropping a flood frame by frame still costs the worker every
  frame's parsing, and a client can send tens of thousands a second. A socket over its rate stops being read
  (`ReadingValve`) until it has earned what it already sent: its frames wait in the kernel, and TCP slows the
  sender down. The others' messages no longer queue behind a flood.
- **The loop's lag.** A timer every 50 ms notes how late it fires. While the loop was stalled (a long garbage
  collection, a slow call), nothing was read or stamped: frames that arrived during the stall are read together
  after it. The rate limit allows for that (what a client could send in `LagMonitor.stalled`), so a client that kept to its rate is never closed as
  flooding because the server was late.
"""

import asyncio
import time

TICK = 0.05
REMEMBER = 10.0  # seconds a stall is remembered by the rate limit

_monitors = {}  # loop -> LagMonitor


class LagMonitor:
    def __init__(self, loop):
        self.loop = loop
        self.lag = 0.0  # the last tick's lateness
        self.stalls = []  # (when, seconds) of the recent ticks that were late by more than a tick
        self.stalled = 0.0  # seconds this loop stood still in the last REMEMBER seconds, as of the last tick
        self.due = time.monotonic() + TICK
        self.handle = loop.call_at(loop.time() + TICK, self.tick)

    def tick(self):
        now = time.monotonic()
        self.lag = max(0.0, now - self.due)
        if self.lag > TICK:
            self.stalls.append((now, self.lag))
        if self.stalls and now - self.stalls[0][0] > REMEMBER:
            self.stalls = [(when, lag) for when, lag in self.stalls if now - when <= REMEMBER]
        self.stalled = sum(lag for _, lag in self.stalls)
        self.due = now + TICK
        self.handle = self.loop.call_at(self.loop.time() + TICK, self.tick)


def watch():
    """Start measuring this loop's lag (once per loop)."""
    loop = asyncio.get_running_loop()
    if loop not in _monitors:
        for other in [other for other in _monitors if other.is_closed()]:
            del _monitors[other]
        _monitors[loop] = LagMonitor(loop)
    return _monitors[loop]


def stamp_arrivals(receive):
    """Stamp each message put on daphne's input queue behind `receive` with the monotonic time it arrived.

    daphne hands an application its queue's `get` as `receive`; another server (or a test's communicator) may
    not, and then messages go unstamped and count as arriving when read.
    """
    queue = getattr(receive, "__self__", None)
    if not isinstance(queue, asyncio.Queue) or getattr(queue, "confer_stamped", False):
        return
    put = queue.put_nowait

    def put_stamped(message):
        if message.get("type") == "websocket.receive":
            message["confer_at"] = time.monotonic()
        put(message)

    queue.put_nowait = put_stamped
    queue.confer_stamped = True


def arrived_at(message):
    return message.get("confer_at") or time.monotonic()


class ReadingValve:
    """Stop and start reading one daphne socket.

    daphne hands an application `send=functools.partial(server.handle_reply, protocol)` (middleware that wraps it sets
    `__wrapped__`, as functools.wraps does); the protocol's Twisted
    transport can stop reading (pauseProducing) and start again (resumeProducing). Under another server, or in a
    test's communicator, there is no such transport and the valve does nothing (config/patches.py checks, at
    start-up, that daphne and Twisted still have what this uses).
    """

    def __init__(self, send):
        while hasattr(send, "__wrapped__"):  # middleware that wraps send says what it wraps
            send = send.__wrapped__
        protocol = (getattr(send, "args", None) or (None,))[0]
        transport = getattr(protocol, "transport", None)
        usable = all(hasattr(transport, name) for name in ("pauseProducing", "resumeProducing", "disconnected"))
        self.transport = transport if usable else None
        self.timer = None

    @property
    def works(self):
        return self.transport is not None

    def hold(self, seconds):
        """Read nothing more from this socket for `seconds` (no more than that if already held)."""
        if self.transport is None or self.timer is not None or self.transport.disconnected:
            return
        self.transport.pauseProducing()
        self.timer = asyncio.get_running_loop().call_later(seconds, self.release)

    def release(self):
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
            if not self.transport.disconnected:
                self.transport.resumeProducing()
