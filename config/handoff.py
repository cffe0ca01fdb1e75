"""Room affinity chosen by the workers: a room's sockets gather on one worker of the machine, wherever they connect.

Several workers on one machine behind a proxy that spreads connections (round robin, least connections) put a
room's peers on different workers, and a relay between two of them then crosses Redis both ways: 1.8-2.3x the CPU
of a relay within one worker (docs/performance.md). Here a worker reads a new connection's first line before daphne
sees it. A room's socket (`GET /ws/rooms/<slug>/...`) whose room belongs to another worker of this machine is
handed to that worker: the connection's file descriptor and the bytes read so far, in one datagram over a Unix
socket (SCM_RIGHTS). It is the same TCP connection, answered by the other process; the client cannot tell.

- **Which worker a room belongs to**: rendezvous hashing of the slug over the workers of the hand-off directory
  (WORKER_HANDOFF_DIR). Each worker binds `<directory>/<name>.sock` at start and removes it when it stops; a worker
  reads the directory again at most once a second. When a worker comes or goes, only the rooms it wins or held
  change hands, and sockets already open stay where they are (they reach the others through Redis, as before).
- **A handed connection is never handed on**: its new worker serves it, whatever its own list says, so two
  workers that briefly disagree cannot pass a connection back and forth.
- **Nothing depends on it**: when a hand-off fails (the other worker is gone, its queue is full), this worker
  serves the connection itself. A worker whose socket refuses (it died without removing it) is removed.
- **What is handed**: plain TCP connections whose first request is a room's socket. Other requests, TLS (a proxy
  terminates it) and workers on other machines go on as before. On only with REDIS_URL (without it there is one
  worker); WORKER_HANDOFF=0 turns it off.
"""

import array
import hashlib
import logging
import os
import re
import socket
import tempfile
import time

from twisted.internet.protocol import Protocol

from observability import metrics

log = logging.getLogger("confer.handoff")

MAGIC = b"confer-handoff-1\n"
ROOM_SOCKET = re.compile(rb"GET /ws/rooms/([a-z0-9-]{1,32})/[? ]")  # signalling.routing's path
FIRST_LINE_LIMIT = 8192  # a connection with no line end in this much is daphne's to refuse
FIRST_LINE_WAIT = 30.0  # seconds: a connection silent this long is given to daphne, which has its own timeouts
LIST_EVERY = 1.0  # seconds between readings of the directory
DATAGRAM_LIMIT = 1 << 17


def home_of(slug, workers):
    """The worker a room's sockets belong on: the highest score of the slug with each worker's name.

    Rendezvous hashing: every worker computes the same answer from the same list, in any order, and when a worker
    joins or leaves only the rooms it wins or held move."""
    return max(workers, key=lambda name: hashlib.blake2b(f"{slug}\0{name}".encode(), digest_size=8).digest(),
               default=None)


def room_of(first_line):
    """The room slug a request's first line opens a socket to, or None."""
    match = ROOM_SOCKET.match(first_line)
    return match.group(1).decode() if match else None


def default_directory(redis_url):
    """One directory per deployment on this machine: its workers share REDIS_URL (and another deployment's do not)."""
    digest = hashlib.sha256(redis_url.encode()).hexdigest()[:16]
    return os.path.join(tempfile.gettempdir(), f"confer-handoff-{os.getuid()}-{digest}")


def configured(environ):
    """The hand-off directory this worker should use, or None when hand-off is off."""
    redis_url = environ.get("REDIS_URL", "")
    if not redis_url or environ.get("WORKER_HANDOFF", "1") == "0":
        return None
    return environ.get("WORKER_HANDOFF_DIR") or default_directory(redis_url)


class Handoff:
    """This worker's end: it reads new connections' first lines, hands some over, and adopts what others hand it."""

    def __init__(self, reactor, factory, directory, name=None):
        self.reactor = reactor
        self.factory = factory
        self.build = factory.buildProtocol  # daphne's: for what this worker serves itself
        self.directory = directory
        self.name = name or f"{os.getpid()}-{os.urandom(3).hex()}"
        self.path = self.path_of(self.name)
        self.listed, self.listed_at = [self.name], float("-inf")
        self.inbox = self.outbox = None

    def path_of(self, name):
        return os.path.join(self.directory, f"{name}.sock")

    def start(self):
        """Bind this worker's socket and put the first-line reader in front of daphne's protocol. False if it cannot
        (a path too long for a Unix socket, a directory it may not write): the worker then serves every socket."""
        try:
            os.makedirs(self.directory, mode=0o700, exist_ok=True)
            inbox = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            inbox.setblocking(False)
            inbox.bind(self.path)
            os.chmod(self.path, 0o600)
            outbox = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            outbox.setblocking(False)
        except OSError as error:
            log.warning("connection hand-off is off: cannot bind a socket in %s (%s)", self.directory, error)
            return False
        self.inbox, self.outbox = inbox, outbox
        self.reactor.addReader(Inbox(self))
        self.reactor.addSystemEventTrigger("before", "shutdown", self.stop)
        self.factory.buildProtocol = self.first_line_reader
        log.info("connection hand-off on: %s", self.path)
        return True

    def stop(self):
        try:
            os.unlink(self.path)
        except OSError:
            pass

    def workers(self):
        """The names of this machine's workers, this one's included (the directory, read at most once a second)."""
        now = time.monotonic()
        if now - self.listed_at >= LIST_EVERY:
            self.listed_at = now
            try:
                names = {entry[:-5] for entry in os.listdir(self.directory) if entry.endswith(".sock")}
            except OSError:
                names = set()
            self.listed = sorted(names | {self.name})
        return self.listed

    def forget(self, name, refused):
        """A worker that could not be reached: a socket that refuses has no one behind it, so it goes."""
        if refused:
            try:
                os.unlink(self.path_of(name))
            except OSError:
                pass
        self.listed = [listed for listed in self.listed if listed != name]

    def first_line_reader(self, addr):
        return FirstLine(self, addr)

    def serve_here(self, transport, addr, data):
        """Give the connection to daphne's protocol, as if it had been its from the start."""
        protocol = self.build(addr)
        transport.protocol = protocol
        protocol.makeConnection(transport)
        if data:
            protocol.dataReceived(data)

    def hand_over(self, transport, slug, data):
        """Send the connection to its room's worker; True if it went, and this worker has let it go."""
        if not can_hand_over(transport):
            return False
        workers = self.workers()
        if len(workers) < 2:
            return False
        home = home_of(slug, workers)
        if home == self.name:
            return False
        payload = MAGIC + data
        if len(payload) > DATAGRAM_LIMIT:
            return False
        try:
            # socket.send_fds() would drop the address (Python 3.11): sendmsg, as it does, with the address.
            descriptor = array.array("i", [transport.fileno()])
            self.outbox.sendmsg([payload], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, descriptor)], 0, self.path_of(home))
        except (ConnectionRefusedError, FileNotFoundError) as error:
            self.forget(home, refused=isinstance(error, ConnectionRefusedError))
            metrics.handoff("unreachable")
            return False
        except OSError as error:  # its queue is full (EAGAIN), or the connection is already gone
            log.debug("hand-off to %s failed: %s", home, error)
            metrics.handoff("failed")
            return False
        let_go(transport)
        metrics.handoff("handed")
        return True

    def adopt_waiting(self):
        """Adopt every connection handed to this worker: each becomes daphne's, fed the bytes read before."""
        while True:
            try:
                data, fds, _flags, _address = socket.recv_fds(self.inbox, DATAGRAM_LIMIT, 4, socket.MSG_CMSG_CLOEXEC)
            except (BlockingIOError, InterruptedError):
                return
            except OSError as error:
                log.warning("connection hand-off: cannot read the inbox (%s)", error)
                return
            for extra in fds[1:]:
                os.close(extra)
            if not fds:
                continue
            try:
                self.adopt(fds[0], data)
            except Exception:  # one connection's failure must not take the reactor's reader of the inbox with it
                log.exception("connection hand-off: adopting a connection failed")

    def adopt(self, fd, data):
        try:
            with socket.socket(fileno=fd) as connection:  # closes our descriptor; Twisted keeps its own copy
                if (not data.startswith(MAGIC) or connection.type != socket.SOCK_STREAM
                        or connection.family not in (socket.AF_INET, socket.AF_INET6)):
                    log.warning("connection hand-off: dropped a datagram that is not a handed connection")
                    return
                connection.setblocking(False)
                transport = self.reactor.adoptStreamConnection(connection.fileno(), connection.family,
                                                               Builds(self.build))
        except OSError as error:  # the client left meanwhile
            log.debug("connection hand-off: could not adopt a connection (%s)", error)
            return
        metrics.handoff("adopted")
        rest = data[len(MAGIC):]
        if transport is not None and rest:
            transport.protocol.dataReceived(rest)


class FirstLine(Protocol):
    """A new connection's protocol until its first line is read: then it is handed over, or daphne's takes over."""

    def __init__(self, handoff, addr):
        self.handoff, self.addr = handoff, addr
        self.buffer = b""
        self.waiting = None

    def connectionMade(self):
        self.waiting = self.handoff.reactor.callLater(FIRST_LINE_WAIT, self.decide)

    def dataReceived(self, data):
        self.buffer += data
        if b"\r\n" not in self.buffer and len(self.buffer) < FIRST_LINE_LIMIT:
            return
        self.decide()

    def decide(self):
        if self.waiting is not None and self.waiting.active():
            self.waiting.cancel()
        self.waiting = None
        if self.transport.protocol is not self:
            return
        slug = room_of(self.buffer)
        if slug is None or not self.handoff.hand_over(self.transport, slug, self.buffer):
            self.handoff.serve_here(self.transport, self.addr, self.buffer)

    def connectionLost(self, reason):
        if self.waiting is not None and self.waiting.active():
            self.waiting.cancel()


class Builds:
    """A factory that builds daphne's protocol straight away: for adopted connections, which are not handed on."""

    def __init__(self, build):
        self.buildProtocol = build


class Inbox:
    """The reactor's view of this worker's hand-off socket (IReadDescriptor)."""

    def __init__(self, handoff):
        self.handoff = handoff

    def fileno(self):
        return self.handoff.inbox.fileno()

    def doRead(self):
        self.handoff.adopt_waiting()

    def connectionLost(self, reason):
        pass

    def logPrefix(self):
        return "handoff"


def can_hand_over(transport):
    """A plain TCP connection: not TLS (its state lives in this process), not a Unix socket (daphne -u)."""
    sock = getattr(transport, "socket", None)
    return (sock is not None and not getattr(transport, "TLS", True)
            and sock.family in (socket.AF_INET, socket.AF_INET6))


def let_go(transport):
    """Forget a connection that another process now serves: close this descriptor, without the shutdown() Twisted
    does on close, which would end the connection for its new owner too (config.patches checks the flag)."""
    from twisted.internet import error
    from twisted.python.failure import Failure

    transport._shouldShutdown = False
    transport.stopReading()
    transport.stopWriting()
    transport.connectionLost(Failure(error.ConnectionDone("handed to the room's worker")))
