"""The recorder peer: a protocol client (docs/protocol.md) that joins one room hidden and records everyone in it.

It sends each visible participant a receive-only offer, writes what comes back into one file per participant and
connection (recordings.sink), and follows the room: a late joiner gets an offer, a participant who leaves has its
file closed, one who comes back (a new peer id, or the same one resumed after a reload) gets a new connection and
a new file. It keeps the room's `seq` and asks for the whole state on a gap, and takes its seat back with `resume`
after a dropped socket.

It knows nothing of the database: the worker (recordings.worker) passes in where files go and hears how it ended.
"""

import asyncio
import contextlib
import json
import logging
import shutil
import time
from dataclasses import dataclass

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from recordings import through_server
from recordings.connection import PeerRecording
from signalling.contract import CLOSE_BY_CODE, PROTOCOL_VERSIONS
from signalling.ice import rtc_configuration

log = logging.getLogger(__name__)

PING_SECONDS = 10
# How a close the recorder must not come back from ends its recording, by the close code's name
# (signalling/contract.py); any other close is a dropped socket, resumed within the grace window.
FINAL_CLOSES = {
    "normal": ("done", "left", ""),
    "forbidden": ("failed", "error", "The recorder may not enter this room."),
    "room-not-found": ("failed", "error", "The room no longer exists."),
    "replaced": ("failed", "error", "Another recorder took this recording's seat."),
    "removed": ("done", "removed", "A moderator removed the recorder."),
    "meeting-ended": ("done", "meeting-ended", "The meeting was ended."),
}


@dataclass
class Outcome:
    status: str  # "done" or "failed"
    stop_reason: str
    error: str = ""


class Stop(Exception):
    """End the recording with this outcome."""

    def __init__(self, outcome):
        super().__init__(outcome.stop_reason)
        self.outcome = outcome


class RoomRecorder:
    """One recording: joins the room through the signalling server and records it until told to stop."""

    def __init__(self, recording_id, slug, *, url, make_token, files, limits, on_started=None):
        self.recording_id = recording_id
        self.slug = slug
        self.url = f"{url}/ws/rooms/{slug}/"
        self.make_token = make_token  # () -> a fresh recorder-role room token
        self.files = files  # opens and closes the files (recordings.worker.RecordingFiles)
        self.limits = limits  # recordings.worker.Limits
        self.on_started = on_started
        self.peers = {}  # peer id -> PeerRecording (browser to browser) or FeedRecording (through the server)
        self.route = "mesh"  # how the meeting's media flows (the room state's room.route)
        self.seq = 0
        self.resyncing = False
        self.ice = ([], "all")
        self.socket = None
        self.me = None  # (peer id, resume secret)
        self.started_at = None
        self.empty_since = None
        self.stopping = asyncio.Event()
        self.outcome = None
        self.tasks = set()
        self.sinks_failed = []

    # Controls from the worker.
    def stop(self, outcome=None):
        """Ask the recorder to finish its files and leave; the first reason given wins."""
        if self.outcome is None:
            self.outcome = outcome or Outcome("done", "requested")
        self.stopping.set()

    def sink_failed(self, sink, error):
        disk_full = isinstance(error, OSError) and error.errno == 28
        message = "The disk is full" if disk_full else f"A file could not be written: {error}"
        # Called from a file's writing thread too.
        self.loop.call_soon_threadsafe(self.stop, Outcome("failed", "disk-full" if disk_full else "error",
                                                     f"{message}; the recording was stopped."))

    async def run(self):
        """Record until stopped; return the Outcome."""
        self.loop = asyncio.get_running_loop()
        deadline_task = asyncio.ensure_future(self.watch())
        try:
            await self.session_loop()
        except Stop as stop:
            self.stop(stop.outcome)
        except Exception as error:
            log.exception("recording %s failed", self.recording_id)
            self.stop(Outcome("failed", "error", f"The recorder failed: {error}"))
        finally:
            deadline_task.cancel()
            await self.leave()
        return self.outcome

    async def session_loop(self):
        resume_until = None
        while not self.stopping.is_set():
            try:
                await self.session()
                return
            except (ConnectionClosed, OSError) as error:
                close = CLOSE_BY_CODE.get(getattr(getattr(error, "rcvd", None), "code", None))
                if close is not None and close.name in FINAL_CLOSES:
                    status, reason, message = FINAL_CLOSES[close.name]
                    raise Stop(Outcome(status, reason, message)) from None
                if self.me is None:
                    raise Stop(Outcome("failed", "error", f"Could not join the room: {error}")) from None
                # A dropped socket: take the seat back within the resume window; media connections carry on.
                resume_until = resume_until or time.monotonic() + self.limits.resume_seconds
                if time.monotonic() > resume_until:
                    raise Stop(Outcome("failed", "error", "Lost the signalling server.")) from None
                log.warning("recording %s: signalling dropped (%s); resuming", self.recording_id, error)
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self.stopping.wait(), 1)

    async def session(self):
        async with connect(self.url, open_timeout=10, max_size=2**22, ping_interval=None) as socket:
            self.socket = socket
            join = {"type": "join", "token": self.make_token(), "versions": list(PROTOCOL_VERSIONS), "state": {}}
            if self.me is not None:
                join["resume"] = {"peer_id": self.me[0], "secret": self.me[1]}
            await self.send(join)
            welcome = json.loads(await asyncio.wait_for(socket.recv(), 15))
            if welcome.get("type") != "welcome":
                raise Stop(Outcome("failed", "error", f"The room refused the recorder: {welcome.get('message')}"))
            self.me = (welcome["peer_id"], welcome["resume_secret"])
            self.ice = (welcome.get("ice_servers") or [], welcome.get("ice_transport_policy") or "all")
            if self.started_at is None:
                self.started_at = time.monotonic()
                if self.on_started is not None:
                    await self.on_started()
            await self.take_state(welcome["state"])
            pinger = asyncio.ensure_future(self.ping())
            stopper = asyncio.ensure_future(self.stopping.wait())
            try:
                while not self.stopping.is_set():
                    receiver = asyncio.ensure_future(socket.recv())
                    done, _ = await asyncio.wait({receiver, stopper}, return_when=asyncio.FIRST_COMPLETED)
                    if receiver not in done:
                        receiver.cancel()
                        break
                    await self.handle(json.loads(receiver.result()))
            finally:
                pinger.cancel()
                stopper.cancel()
            with contextlib.suppress(Exception):
                await self.send({"type": "leave"})

    async def ping(self):
        while True:
            await asyncio.sleep(PING_SECONDS)
            with contextlib.suppress(Exception):
                await self.send({"type": "ping"})

    async def send(self, message):
        await self.socket.send(json.dumps(message))

    async def send_to(self, peer_id, kind, **fields):
        with contextlib.suppress(ConnectionClosed):
            await self.send({"type": kind, "to": peer_id, **fields})

    # From the signalling server.
    async def handle(self, message):
        kind = message.get("type")
        if "seq" in message:
            await self.take_event(message)
        elif kind == "state" and "state" in message:
            await self.take_state(message["state"])
        elif kind in ("offer", "answer", "candidate", "restart-ice"):
            self.take_relay(message)
        elif kind.startswith("sfu-"):
            await through_server.take_server_message(self, message)
        elif kind == "ice-servers":
            self.ice = (message.get("ice_servers") or [], message.get("ice_transport_policy") or "all")
        elif kind == "error":
            log.warning("recording %s: the server said %s: %s", self.recording_id, message.get("code"),
                        message.get("message"))

    async def take_event(self, event):
        seq = event["seq"]
        if self.resyncing or seq <= self.seq:
            return
        if seq > self.seq + 1:
            # A lost event: ask for the whole state instead of guessing.
            self.resyncing = True
            await self.send({"type": "resync"})
            return
        self.seq = seq
        kind = event["type"]
        if kind == "peer-joined":
            self.add_peer(event["peer"])
        elif kind == "peer-left":
            await self.remove_peer(event["peer_id"])
        elif kind == "peer-updated":
            self.update_peer(event["peer"])
        elif kind == "room-updated":
            await self.follow_route(event["room"].get("route", "mesh"))
        self.note_room_size()

    async def take_state(self, state):
        """Match the connections to a whole room state (from welcome or resync)."""
        self.seq = state["seq"]
        self.resyncing = False
        await self.follow_route(state.get("room", {}).get("route", "mesh"))
        present = {peer["peer_id"]: peer for peer in state["peers"] if self.me is None or
                   peer["peer_id"] != self.me[0]}
        for peer_id in list(self.peers):
            if peer_id not in present:
                await self.remove_peer(peer_id)
        for peer in present.values():
            if peer["peer_id"] in self.peers:
                self.update_peer(peer)
            else:
                self.add_peer(peer)
        self.note_room_size()

    async def follow_route(self, route):
        """The meeting's media moved (or we learn its route): record everyone the new way, each in a new file."""
        if route == self.route:
            return
        self.route = route
        peers = [recording.peer for recording in self.peers.values()]
        for peer_id in list(self.peers):
            await self.remove_peer(peer_id)
        for peer in peers:
            self.add_peer(peer)
        if route == "sfu":
            await through_server.ask_for_feeds(self)

    def add_peer(self, peer):
        if peer["peer_id"] in self.peers or peer.get("role") == "recorder":
            return
        if self.route == "sfu":
            self.peers[peer["peer_id"]] = through_server.FeedRecording(self, peer)
            return
        recording = PeerRecording(self, peer)
        self.peers[peer["peer_id"]] = recording
        if peer.get("connected", True):
            recording.run(recording.offer)

    def update_peer(self, peer):
        recording = self.peers.get(peer["peer_id"])
        if recording is None:
            self.add_peer(peer)
            return
        if isinstance(recording, through_server.FeedRecording):
            recording.peer = peer  # through the server, the feeds say when to subscribe again
            return
        came_back = peer.get("connected") and not recording.peer.get("connected", True)
        recording.peer = peer
        if came_back:
            # It resumed its seat, maybe from a reloaded page that lost its media: offer a new connection.
            recording.attempts = 0
            recording.run(recording.offer)

    async def remove_peer(self, peer_id):
        recording = self.peers.pop(peer_id, None)
        if recording is not None:
            async with recording.lock:
                await recording.close()

    def take_relay(self, message):
        recording = self.peers.get(message.get("from"))
        if recording is None or not isinstance(recording, PeerRecording):
            return  # not a visible peer of this room (another hidden peer)
        kind = message["type"]
        if kind == "offer":
            recording.run(lambda: recording.on_offer(message["description"]))
        elif kind == "answer":
            recording.run(lambda: recording.on_answer(message["description"]))
        elif kind == "candidate":
            recording.run(lambda: recording.on_candidate(message.get("candidate")))
        else:  # restart-ice: aiortc cannot restart ICE, so a fresh connection does it
            recording.attempts = 0
            recording.run(recording.offer)

    def note_room_size(self):
        if self.peers:
            self.empty_since = None
        elif self.empty_since is None:
            self.empty_since = time.monotonic()

    # Limits, checked every second.
    async def watch(self):
        while True:
            await asyncio.sleep(1)
            if self.started_at is None:
                continue
            limits = self.limits
            if time.monotonic() - self.started_at >= limits.max_seconds:
                self.stop(Outcome("done", "duration-limit",
                                  f"Stopped at the {limits.max_seconds} s limit (RECORDER_MAX_SECONDS)."))
            elif self.total_size() >= limits.max_bytes:
                self.stop(Outcome("done", "size-limit",
                                  f"Stopped at the {limits.max_bytes} byte limit (RECORDER_MAX_BYTES)."))
            elif self.free_bytes() < limits.min_free_bytes:
                self.stop(Outcome("failed", "disk-full",
                                  "The disk is almost full (RECORDER_MIN_FREE_BYTES); the recording was stopped. "
                                  "Its files up to then are kept."))
            elif self.empty_since and time.monotonic() - self.empty_since >= limits.empty_room_seconds > 0:
                self.stop(Outcome("done", "room-empty", "Nobody was left in the room."))

    def total_size(self):
        return self.files.closed_bytes + sum(sink.size for p in self.peers.values() for sink, _ in p.sinks)

    def free_bytes(self):
        try:
            return shutil.disk_usage(self.files.directory).free
        except OSError:
            return float("inf")

    def open_sinks(self):
        return [(sink, handle) for p in self.peers.values() for sink, handle in p.sinks]

    def rtc_configuration(self):
        servers, policy = self.ice
        return rtc_configuration(servers, policy)

    def spawn(self, coroutine):
        task = asyncio.ensure_future(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    def later(self, delay, callback):
        return asyncio.get_running_loop().call_later(delay, callback)

    async def leave(self):
        """Close every file so it is complete, and every connection."""
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        for peer_id in list(self.peers):
            recording = self.peers.pop(peer_id)
            try:
                await recording.close()
            except Exception:
                log.exception("recording %s: could not close %s cleanly", self.recording_id, peer_id)
        if self.socket is not None:
            with contextlib.suppress(Exception):
                await self.socket.close()
