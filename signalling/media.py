"""One socket's media through the server (docs/protocol.md, "Media through the server"; docs/sfu.md).

The browser never talks to Janus: its `sfu-*` messages come through its Confer socket, and this module passes them to
a MediaSession (sfu.backend) on the Janus instance its meeting is placed on. What Janus reports (who publishes,
who talks, an offer it made, the instance gone) comes back through the socket's own door (`post`), one message at a
time like everything else, and goes out as `sfu-*` messages.

A socket that drops with its seat kept for a resume parks its session on this worker instead of closing it
(signalling.parking); a socket that resumes the seat here adopts it, and the page keeps its connections.

Moderation stays Confer's: a removal kicks the participant from the Janus room before its socket closes, and a
moderator's mute makes Janus stop forwarding that source until the participant turns it on again.
"""

import contextlib
import logging

from meetings import actions
from sfu.backend import MediaError, SubscribedStream, get_backend
from signalling import db
from signalling.parking import parking
from signalling.protocol import UserError, check_published_shape

log = logging.getLogger(__name__)


def room_name(meeting_id):
    """Return the Janus room of a meeting: one per meeting, so a new meeting of the room starts clean."""
    return f"confer-{meeting_id}"


def route_of(room_id):
    """Return (the live meeting's route, its id), or ("mesh", None) without a live meeting."""
    from signalling.models import Meeting

    meeting = Meeting.objects.filter(room_id=room_id, ended_at__isnull=True).values("media_route", "pk").first()
    return (meeting["media_route"], meeting["pk"]) if meeting else ("mesh", None)


class ServerMedia:
    """A socket's MediaSession, made when it first asks for media through the server and freed when it leaves."""

    def __init__(self, socket):
        self.socket = socket
        self.session = None
        self.lost_instance = None
        self.muted = set()  # kinds a moderator muted, enforced on every session this socket makes

    async def current(self, in_reply_to=None):
        """Return this socket's session, making one on the meeting's instance if needed."""
        if self.session is not None and not self.session.lost:
            return self.session
        socket = self.socket
        route, meeting_id = await db.run(route_of, socket.room.pk, write=False)
        if route != "sfu":
            raise UserError("not-sfu", "This meeting's media goes browser to browser, not through the server.",
                            in_reply_to)
        backend = get_backend()
        healthy = await backend.healthy_instances()
        try:
            placed = await db.run(actions.place_media, socket.room, healthy, self.lost_instance)
        except actions.Refused as refusal:
            raise UserError(refusal.code, refusal.message, in_reply_to) from None
        session = backend.session(placed.result, room_name(meeting_id), socket.peer_id, socket.claims.name,
                                  self.poster())
        session.muted = set(self.muted)
        try:
            await session.join()
        except MediaError as error:
            with contextlib.suppress(Exception):
                await session.close()
            raise UserError("sfu-failed", f"The media server refused to join: {error}", in_reply_to) from None
        self.session = session
        self.lost_instance = None
        return session

    def poster(self):
        """Return what a session calls with its events: they come to this socket through its door."""
        socket = self.socket
        return lambda event: socket.post({"type": "media.event", "event": event})

    # A dropped socket and a resume (signalling.parking).

    def park(self, seconds, seat_state, every):
        """Keep this socket's session at the media server for a resume of its seat on this worker; return whether
        there was one to keep."""
        session, self.session = self.session, None
        if session is None or session.lost or session.closed:
            return False
        parking.park(self.socket.peer_id, session, seconds, seat_state, every)
        return True

    def adopt(self):
        """Take over the session parked for this seat, if this worker holds one; return whether it did."""
        session = parking.take(self.socket.peer_id)
        if session is None:
            return False
        session.on_event = self.poster()
        self.session = session
        self.muted = set(session.muted)
        return True

    def give_up_parked(self):
        """Close what is parked for this seat: the page resumed without its connections (a reload). It joins the
        media server's room again at once, so the room is not destroyed as empty meanwhile."""
        parking.discard(self.socket.peer_id, destroy_room=False)

    async def catch_up(self):
        """Tell a page whose media was kept what it missed while away: who publishes now, and the offers it has
        not answered (made while it was away, or answered on the socket that dropped)."""
        session = self.session
        if session is None:
            return
        await self.on_event(session.current_feeds())
        for offer in session.pending_offers():
            await self.send_offer(offer)

    async def call(self, in_reply_to, step):
        """Run `step(session)`; a media server failure is a user error naming the message."""
        session = await self.current(in_reply_to)
        try:
            return await step(session)
        except MediaError as error:
            raise UserError("sfu-failed", f"The media server could not do that: {error}", in_reply_to) from None

    async def prepare(self):
        """Join the media server's room ahead of the client's first request (it comes a round trip later)."""
        try:
            await self.current()
        except UserError as error:
            log.info("could not prepare media for %s: %s", self.socket.peer_id, error.message)

    # From the client (the consumer's handlers).

    async def publish(self, message):
        sdp, screen = message["description"]["sdp"], message["screen"]
        try:
            check_published_shape(sdp, screen)
        except ValueError as error:
            raise UserError("bad-message", f"Bad sfu-publish: {error}.", "sfu-publish") from None
        answer = await self.call("sfu-publish", lambda s: s.publish(sdp, screen))
        await self.socket.send_payload({"type": "sfu-answer", "description": {"type": "answer", "sdp": answer}})

    async def unpublish(self, message):
        await self.call("sfu-unpublish", lambda s: s.unpublish())

    async def subscribe(self, message):
        from django.conf import settings

        name = message["subscription"]
        session = await self.current("sfu-subscribe")
        if name not in session.subscriptions and len(session.subscriptions) >= settings.SFU_MAX_SUBSCRIPTIONS:
            raise UserError("too-many-subscriptions",
                            f"At most {settings.SFU_MAX_SUBSCRIPTIONS} subscriptions per connection.", "sfu-subscribe")
        streams = [SubscribedStream(s["feed"], s["mid"] or s["kind"]) for s in message["streams"]]
        offer = await self.call("sfu-subscribe", lambda s: s.subscribe(name, streams))
        if offer is not None:
            await self.send_offer(offer)

    async def unsubscribe(self, message):
        if self.session is None or self.session.lost:
            return  # nothing is held: a lost session took its subscriptions with it
        await self.call("sfu-unsubscribe", lambda s: s.unsubscribe(message["subscription"]))

    async def answer(self, message):
        offer = await self.call("sfu-answer",
                                lambda s: s.answer(message["subscription"], message["description"]["sdp"]))
        if offer is not None:
            await self.send_offer(offer)

    async def candidate(self, message):
        await self.call("sfu-candidate", lambda s: s.trickle(message["target"], message["candidate"]))

    async def quality(self, message):
        await self.call("sfu-quality",
                        lambda s: s.configure(message["subscription"], message["mid"], message["substream"]))

    async def send_offer(self, offer):
        await self.socket.send_payload({"type": "sfu-offer", "subscription": offer["subscription"],
                                        "description": offer["description"], "streams": offer["streams"]})

    # From Janus, through the socket's door.

    async def on_event(self, event):
        kind = event["type"]
        if kind == "prepare":
            await self.prepare()
        elif kind == "feeds":
            await self.socket.send_payload({"type": "sfu-feeds", "feeds": event["feeds"]})
        elif kind == "talking":
            await self.socket.send_payload({"type": "sfu-talking", "peer_id": event["peer_id"],
                                            "talking": event["talking"]})
        elif kind == "offer":
            await self.send_offer(event)
        elif kind == "lost":
            # The instance died: the next request places the meeting on another one; the client starts over there.
            self.lost_instance = event["instance"]
            self.session = None
            await self.socket.send_payload({"type": "sfu-reset", "reason": "media-server-lost"})

    # Moderation and leaving.

    async def moderated(self, kind, muted):
        """A moderator muted `kind` (or the participant turned it on again): make Janus stop (or resume) it."""
        if muted:
            self.muted.add(kind)
        elif kind in self.muted:
            self.muted.discard(kind)
        else:
            return
        if self.session is not None and not self.session.lost:
            try:
                await self.session.mute(kind, muted)
            except MediaError:
                log.exception("could not %s %s's %s in Janus", "mute" if muted else "unmute",
                              self.socket.peer_id, kind)

    async def close(self, kick=False):
        session, self.session = self.session, None
        if session is None or session.lost:
            return
        try:
            if kick:
                await session.kick()
            await session.close()
        except MediaError:
            log.warning("could not leave the media server cleanly for %s", self.socket.peer_id)
