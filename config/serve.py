"""Run a daphne worker tuned for signalling: `python -m config.serve -b HOST -p PORT [more daphne arguments]`.

Takes daphne's command line (scripts/run and the tests start workers this way), fills in Confer's defaults
(`--websocket-max-message-size 262144`, the application `config.asgi:application`) and, before daphne
creates its event loop, checks that Confer's patches still fit the installed packages (config/patches.py) and sets
up four things (docs/performance.md, item 12):

- Eager socket writes (WORKER_EAGER_WRITES=0 turns them off). Twisted queues every write until the loop reports
  the socket writable: two epoll_ctl calls and a loop turn for each frame sent. When nothing is queued, a
  connection here tries the send at once, as asyncio's transports do, and queues only what the kernel refuses.
  This took the relay p50 at 250 rooms x 4 from 1.2 to 0.6 ms.
- uvloop as the asyncio event loop under Twisted, when it is installed (WORKER_UVLOOP=0 turns it off): in the
  first profile the standard loop's selector and scheduling were about a fifth of the worker's samples.
- Start-up's objects frozen out of the garbage collector's full passes (WORKER_GC_FREEZE=0 keeps them in):
  see `freeze_what_start_up_made`.
- A GIL switch interval of 0.5 ms (WORKER_SWITCH_INTERVAL, seconds; Python's default is 0.005), to bound how long
  the event loop waits for the GIL while the database thread computes. Its effect was within the benchmarks'
  noise (0.1 and 2 ms gave the same figures); it is kept as a bound, not as a measured gain.

With REDIS_URL it also starts the connection hand-off between this machine's workers, which gathers each room's
sockets on one worker (config.handoff; WORKER_HANDOFF=0 turns it off).
"""

import os
import sys
import time


def tune():
    sys.setswitchinterval(float(os.environ.get("WORKER_SWITCH_INTERVAL", "0.0005")))
    if os.environ.get("WORKER_UVLOOP", "1") != "0":
        try:
            import uvloop
        except ImportError:
            return
        import asyncio

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


def write_eagerly():
    """Make Twisted's TCP connections send at once when nothing is waiting to be sent (see the module's doc)."""
    from twisted.internet import tcp

    queued_write = tcp.Connection.write

    def write(self, data):
        # A registered producer (daphne's HTTP channel stays one after the upgrade) is paused only when the
        # buffer fills, and anything that is not sent at once goes to the buffer: so it is left as it was.
        if (type(data) is not bytes or not data or self.TLS or self.dataBuffer or self._tempDataLen
                or not self.connected or self.disconnecting or self._writeDisconnected or self._writeDisconnecting):
            return queue_or_drop(self, data)
        sent = self.writeSomeData(data)
        if isinstance(sent, Exception):
            # The peer is gone (Twisted's CONNECTION_LOST and the like). Twisted reports the loss from the read
            # side, as it would after a failed write of its own; queueing would ask the loop to watch a socket
            # that may already be closed.
            return None
        if sent < len(data):
            queue_or_drop(self, data[sent:])
        return None

    def queue_or_drop(connection, data):
        try:
            return queued_write(connection, data)
        except RuntimeError as error:
            # uvloop: "unable to perform operation on <UVPoll closed=True>" when the socket closed under us.
            # That is the disconnect Twisted is about to report, not a failure of the application.
            if "closed=True" not in str(error):
                raise
            return None

    tcp.Connection.write = write


def serve_with_confers_server():
    """Run daphne with Confer's server class: it closes a frame it refuses with its code instead of dropping the
    connection, and starts the connection hand-off (config.handoff) once it listens.

    autobahn fails a connection "by drop" by default: a text frame that is not UTF-8 (1007) or a frame over
    --websocket-max-message-size (1009) reached the client as a bare 1006. Here it sends the close frame first,
    as docs/protocol.md says. daphne offers its server class for extension; the option is autobahn's public one.
    """
    from daphne.cli import CommandLineInterface
    from daphne.server import Server

    class ConferServer(Server):
        handoff = None

        def listen_success(self, port):
            self.ws_factory.setProtocolOptions(failByDrop=False)
            if os.environ.get("WORKER_LEAN_FRAMES", "1") != "0":
                self.ws_factory.protocol = lean_websocket_protocol()
            super().listen_success(port)
            self.start_handoff()

        def start_handoff(self):
            """Room affinity among this machine's workers (config.handoff): once, whatever the endpoints."""
            from config import handoff

            directory = handoff.configured(os.environ)
            if directory is None or self.handoff is not None:
                return
            from twisted.internet import reactor

            self.handoff = handoff.Handoff(reactor, self.http_factory, directory)
            self.handoff.start()

    CommandLineInterface.server_class = ConferServer


class WhenLogged:
    """`function(*args)`, computed only when a log line formats it: `"{attrs}".format(attrs=...)`."""

    __slots__ = ("function", "args")

    def __init__(self, function, *args):
        self.function, self.args = function, args

    def __format__(self, spec):
        return format(self.function(*self.args), spec)

    __str__ = __repr__ = lambda self: format(self, "")


def lean_websocket_protocol():
    """daphne's WebSocket protocol, without costs autobahn adds to every frame and connection (docs/performance.md,
    "The relay path, profiled"; WORKER_LEAN_FRAMES=0 keeps autobahn's own):

    - autobahn fires a "message" event for observers after handing each message on, building a Deferred, a
      DeferredList and their callbacks, about 4.5 µs a message, though nothing in daphne observes it. Here the
      event is fired only when something listens.
    - autobahn 26 masks and validates frames with its own CFFI code (NVX), whose per-frame set-up costs about
      5.6 µs for a 300-byte frame; wsaccel, the C extension autobahn used before, does the same in 1.5 µs. Here
      the protocol module uses wsaccel's when it is installed (requirements.txt has it).

    - autobahn builds the text of its debug lines whether or not debug logging is on: the names of the sending
      and receiving functions for every frame (`hltype`, `hlval`), and for every new socket a pretty-print of its
      forty options (a tenth of the worker's main thread in a connect storm). Here the text is made only for a
      line that is logged.
    """
    import pprint

    from autobahn import util
    from autobahn.twisted import websocket as autobahn_twisted
    from autobahn.websocket import protocol as autobahn_protocol
    from daphne.ws_protocol import WebSocketProtocol

    autobahn_protocol.pformat = lambda thing: WhenLogged(pprint.pformat, thing)
    autobahn_protocol.Timings.__str__ = lambda self: pprint.pformat(self._timings)
    for module in (autobahn_protocol, autobahn_twisted):
        module.hltype = lambda thing: WhenLogged(util.hltype, thing)
        module.hlval = lambda value, color="white", bold=True: WhenLogged(util.hlval, value, color, bold)

    try:
        from wsaccel.utf8validator import Utf8Validator
        from wsaccel.xormask import createXorMasker
    except ImportError:
        pass
    else:
        autobahn_protocol.create_xor_masker = createXorMasker
        autobahn_protocol.Utf8Validator = Utf8Validator

    class LeanWebSocketProtocol(WebSocketProtocol):
        def onMessageEnd(self):
            if self._parent is not None or (self._listeners and self._listeners.get("message")):
                return super().onMessageEnd()
            # autobahn's onMessageEnd, less the fire() that follows _onMessage.
            if not self.failedByMe:
                payload = b"".join(self.message_data)
                if self.trackedTimings:
                    self.trackedTimings.track("onMessage")
                self._onMessage(payload, self.message_is_binary)
            self.message_data = None

    return LeanWebSocketProtocol


# What every Confer worker runs with, unless its command line says otherwise: scripts/run and the tests start
# workers alike through this, so a test exercises what a deployment runs.
DEFAULT_OPTIONS = ["--websocket-max-message-size", "262144"]
DEFAULT_APPLICATION = "config.asgi:application"


def with_defaults(arguments):
    """Return daphne's arguments with Confer's defaults filled in where they are missing."""
    arguments = list(arguments)
    if "--websocket-max-message-size" not in arguments:
        arguments = DEFAULT_OPTIONS + arguments
    if not arguments or ":" not in arguments[-1] or arguments[-1].startswith("-"):
        arguments.append(DEFAULT_APPLICATION)
    return arguments


def log_access_through_logging():
    """Send daphne's access log through Python logging (logger `daphne.access`, INFO) instead of straight to
    stdout, so LOG_LEVEL, LOG_FORMAT=json and the filter that redacts secrets apply to it: a logged path can carry
    a token, and an OAuth callback's query its authorization code."""
    import logging

    from daphne import access

    logger = logging.getLogger("daphne.access")

    def write_entry(self, host, date, request, status=None, length=None, ident=None, user=None):
        logger.info('%s "%s" %s %s', host, request, status or "-", length or "-")

    access.AccessLogGenerator.write_entry = write_entry


def freeze_what_start_up_made(application):
    """Load the application, then move everything start-up made out of the collector's sight (gc.freeze).

    Django, DRF, allauth and the rest leave about 100,000 objects that live as long as the worker. A full
    collection walked them all, 40-100 ms with the loop stopped, and it comes when many objects are made at once:
    a connect storm, many people leaving. Frozen, they are never walked again; the sockets' own objects still are.
    WORKER_GC_FREEZE=0 leaves the collector as Python sets it.
    """
    import gc
    import importlib

    importlib.import_module(application.split(":", 1)[0])
    gc.collect()
    gc.freeze()


def keep_long_lived_objects_frozen(every, sweep_every):
    """Every `every` seconds, move what is alive out of the collector's full passes too (gc.freeze); every
    `sweep_every` seconds, give it all back to one full collection first.

    A thousand sockets leave about 150,000 objects that live as long as they do, and each full collection walked
    them all with the loop stopped: 70-240 ms, every 10-30 s under a relay load, and right after many people
    joined (docs/performance.md, "Garbage collection"). Frozen, they are walked only by the sweep. Freezing costs
    nothing (Python moves a list), and the young collections between two freezes still free the short-lived
    cycles; what is frozen and then dies in a cycle (a closed socket's objects) waits for the sweep, which walks
    everything once: about one old full pass every `sweep_every` seconds, instead of one every few seconds.
    """
    import gc

    from twisted.internet import reactor

    swept = [time.monotonic()]

    def refreeze():
        if time.monotonic() - swept[0] >= sweep_every:
            gc.unfreeze()
            gc.collect()
            swept[0] = time.monotonic()
        gc.freeze()
        reactor.callLater(every, refreeze)

    reactor.callLater(every, refreeze)


def main():
    tune()
    from daphne.cli import CommandLineInterface  # imports daphne.server, which creates the loop: after tune()

    from config import patches

    eager = os.environ.get("WORKER_EAGER_WRITES", "1") != "0"
    from config import handoff

    handing_off = handoff.configured(os.environ) is not None
    patches.check([patch.name for patch in patches.PATCHES
                   if (eager or "eager" not in patch.name) and (handing_off or "handoff" not in patch.name)])
    if eager:
        write_eagerly()
    serve_with_confers_server()
    log_access_through_logging()

    sys.argv = ["daphne", *with_defaults(sys.argv[1:])]
    if os.environ.get("WORKER_GC_FREEZE", "1") != "0":
        freeze_what_start_up_made(sys.argv[-1])
        refreeze_every = float(os.environ.get("WORKER_GC_REFREEZE_SECONDS", "1"))
        if refreeze_every > 0:
            keep_long_lived_objects_frozen(refreeze_every, float(os.environ.get("WORKER_GC_SWEEP_SECONDS", "600")))
    CommandLineInterface.entrypoint()


if __name__ == "__main__":
    main()
