"""Media through the server kept for a seat whose socket dropped, until the seat is resumed on this worker.

When a socket of a meeting through the server closes and its seat is kept for the resume window, its MediaSession
(the participant's publisher and subscriptions at the media server) is parked here, keyed by the seat's peer id,
instead of being closed: the browser's connections to the media server carry on, and everyone keeps receiving
its media. A socket that resumes the seat on this worker adopts the session (`take`) and the page keeps its
connections (`welcome`'s `media_kept`, docs/protocol.md). A parked session is closed as before when:

- the resume window passes;
- the seat is no longer held away for it: left, removed, replaced, timed out (gone from the roster; seen at once),
  or resumed on another worker (held by another socket; seen at the next look, so that a resume on this worker
  that is adopting the session right now is not raced);
- the media server kicked it (someone took its id at the media server: the same seat resumed on another worker
  and published again) or was lost.

What it is told meanwhile: offers of its subscriptions are kept by the session itself (`pending_offers`) and
sent again after the resume, with who publishes now (`current_feeds`); talking is let go.

Pure of Channels and Django: the caller passes how to ask whether the seat is still held away for it.
"""

import asyncio
import contextlib
import logging
import time

log = logging.getLogger(__name__)


class Parked:
    """One parked session and the task that looks after it."""

    def __init__(self, peer_id, session, deadline, loop):
        self.peer_id = peer_id
        self.session = session
        self.deadline = deadline
        self.loop = loop
        self.task = None
        self.doubted = False  # the last look found the seat held by another socket


class Parking:
    """The sessions parked on this worker, by peer id."""

    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self.parked = {}  # peer id -> Parked
        self.awaited = {}  # peer id -> asyncio.Event set when its media is parked (see wait_for)

    def park(self, peer_id, session, seconds, seat_state, every):
        """Keep `session` for `seconds`. `seat_state()` (async) says where the seat is now: "away" (still held
        for a resume), "elsewhere" (held by another socket) or "gone"; it is asked every `every` seconds."""
        self.discard(peer_id)
        loop = asyncio.get_running_loop()
        parked = Parked(peer_id, session, self.clock() + seconds, loop)
        session.on_event = lambda event: self.on_event(parked, event)
        self.parked[peer_id] = parked
        parked.task = loop.create_task(self.look_after(parked, seat_state, every))
        log.info("parked the media of %s for %s s", peer_id, seconds)
        arrived = self.awaited.pop(peer_id, None)
        if arrived is not None:
            arrived.set()

    async def wait_for(self, peer_id, timeout):
        """Wait up to `timeout` seconds for this seat's media to be parked: a resume that reached this worker
        before its old socket here had noticed the drop moves the seat, and the old socket parks it in its turn."""
        if peer_id in self.parked:
            return
        arrived = self.awaited.setdefault(peer_id, asyncio.Event())
        try:
            await asyncio.wait_for(arrived.wait(), timeout)
        except asyncio.TimeoutError:
            pass
        finally:
            if self.awaited.get(peer_id) is arrived and not arrived.is_set():
                del self.awaited[peer_id]

    def take(self, peer_id):
        """Return the session parked for this seat on this event loop (it stops being looked after), or None."""
        parked = self.parked.get(peer_id)
        if parked is None or parked.loop is not asyncio.get_running_loop():
            return None
        del self.parked[peer_id]
        parked.task.cancel()
        if parked.session.lost or parked.session.closed:
            return None
        return parked.session

    def discard(self, peer_id, destroy_room=True):
        """Close what is parked for this seat (it is being given up some other way). `destroy_room` false: the seat
        is joining the room again right now, so the room must not be destroyed as empty under it."""
        parked = self.parked.pop(peer_id, None)
        if parked is not None:
            parked.task.cancel()
            asyncio.ensure_future(self.close(parked, "given up", destroy_room=destroy_room))

    def holds(self, peer_id):
        return peer_id in self.parked

    def on_event(self, parked, event):
        kind = event["type"]
        if kind in ("kicked", "lost") and self.parked.get(parked.peer_id) is parked:
            del self.parked[parked.peer_id]
            parked.task.cancel()
            # Kicked: the seat published again elsewhere under the same id, so the room is not empty for it.
            asyncio.ensure_future(self.close(parked, kind, destroy_room=kind != "kicked"))
        # Feeds, offers and talking: the session keeps what the page will need after the resume.

    async def look_after(self, parked, seat_state, every):
        reason = "the resume window passed"
        try:
            while True:
                left = parked.deadline - self.clock()
                if left <= 0:
                    break
                await asyncio.sleep(min(every, left))
                if parked.deadline - self.clock() <= 0:
                    break
                try:
                    state = await seat_state()
                except Exception:
                    log.exception("could not look at the seat of %s; asking again later", parked.peer_id)
                    continue
                if state == "gone":
                    reason = "the seat is gone"
                    break
                if state == "elsewhere":
                    if parked.doubted:
                        reason = "the seat was resumed elsewhere"
                        break
                    parked.doubted = True
                else:
                    parked.doubted = False
        except asyncio.CancelledError:
            return  # taken by a resume, or given up: whoever did it looks after the session now
        if self.parked.get(parked.peer_id) is parked:
            del self.parked[parked.peer_id]
            await self.close(parked, reason)

    async def close(self, parked, reason, destroy_room=True):
        log.info("closing the parked media of %s: %s", parked.peer_id, reason)
        with contextlib.suppress(Exception):
            await parked.session.close(destroy_room=destroy_room)


parking = Parking()
