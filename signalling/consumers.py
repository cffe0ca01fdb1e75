"""The room consumer: one participant's socket in one room. Decode, call the core, send; docs/protocol.md is its
contract, signalling.socket its plumbing, meetings.actions every change it asks for."""

import asyncio
import functools
import logging
import math
import time
from dataclasses import dataclass

from channels.exceptions import ChannelFull
from django.conf import settings

from meetings import actions
from meetings.tokens import TokenError, verify_room_token
from observability import context, metrics
from signalling import admission, chat, db, housekeeping, limits, protocol, seats
from signalling.contract import HIDDEN_ROLES, MESSAGE_PERMISSIONS, REACTION_INTERVAL_MS, ROLE_PERMISSIONS
from signalling.events import Outbox
from signalling.ice import ice_configuration
from signalling.media import ServerMedia
from signalling.protocol import ProtocolError, UserError
from signalling.publish import apublish, room_group
from signalling.parking import parking
from signalling.socket import LOCAL_SOCKETS, SignallingSocket
from signalling.wire import describe_room

log = logging.getLogger(__name__)

# How long a room event that came before its predecessors waits for them (see room_event).
REORDER_SECONDS = 0.25
# How long a resume waits for the socket it moved the seat from, on this worker, to park the seat's media.
MOVED_MEDIA_WAIT = 1.0

# What a notice makes the addressed socket do: close with this error, its seat already gone.
CLOSING_NOTICES = {
    "replaced": ("replaced", "You joined from somewhere else; this connection was replaced."),
    "moved": ("replaced", "This session was resumed on another connection."),
    "removed": ("removed", "A moderator removed you from this meeting."),
    "denied": ("denied", "A moderator did not let you in."),
    "ended": ("meeting-ended", "The meeting was ended for everyone."),
    "deleted": ("room-not-found", "This room was deleted."),
}


@dataclass(frozen=True)
class Moderation:
    """A moderation message: the action it calls and the message fields it passes on, by the action's names."""

    action: object
    fields: tuple = ()


MODERATION = {
    "remove": Moderation(actions.remove_participant, (("peer_id", "peer_id"),)),
    "mute": Moderation(actions.mute, (("peer_id", "peer_id"), ("kind", "kind"))),
    "ask-unmute": Moderation(actions.ask_to_unmute, (("peer_id", "peer_id"), ("kind", "kind"))),
    "lock": Moderation(actions.update_room, (("is_locked", True),)),
    "unlock": Moderation(actions.update_room, (("is_locked", False),)),
    "end-meeting": Moderation(actions.end_meeting),
    "set-role": Moderation(actions.set_role, (("peer_id", "peer_id"), ("role", "role"))),
    "admit": Moderation(actions.admit, (("peer_id", "peer_id"),)),
    "deny": Moderation(actions.deny, (("peer_id", "peer_id"),)),
    "start-recording": Moderation(actions.start_recording),
    "stop-recording": Moderation(actions.stop_recording),
    "mute-everyone": Moderation(actions.mute_everyone),
}


def arguments(moderation, message):
    """Return the action's keyword arguments: a message field where the table names one, else the value given."""
    return {name: message[source] if isinstance(source, str) else source for name, source in moderation.fields}


class RoomConsumer(SignallingSocket):
    """One participant's socket in one room."""

    async def connect(self):
        self.slug = self.scope["url_route"]["kwargs"]["slug"]
        self.group = room_group(self.slug)
        self.peer_id = None
        self.seat = None  # None before joining, then "lobby" or "joined"; None again once released
        self.peers = {}  # peer id -> channel name of the others in this room, kept current by room events
        self.unknown_peers = {}  # peer id -> until when a relay to it is refused without asking the database
        self.seq = 0
        self.last_reaction = float("-inf")
        self.early = {}  # seq -> a room event that came before the ones it follows
        self.gap_timer = None
        # Relays that came before a room event their sender had seen (see peer_relay), in arrival order.
        self.held_relays = []
        self.held_timer = None
        self.published_seq = 0  # the last seq of the room events this socket's own changes made
        self.media = ServerMedia(self)  # media through the server, once the client asks for it
        await super().connect()

    def joined(self):
        return self.seat is not None

    def can(self, permission):
        return permission in self.permissions

    def set_role(self, role):
        self.role = role
        self.permissions = self.claims.permissions if role == self.claims.role else ROLE_PERMISSIONS[role]

    @property
    def actor(self):
        return actions.Actor(self.claims.identity, self.peer_id)

    # From the client.

    async def handle(self, message):
        if self.seat == "lobby" and message.type not in protocol.LOBBY_TYPES:
            raise UserError("not-admitted", "You are waiting in the lobby.", message.type)
        needed = MESSAGE_PERMISSIONS.get(message.type)
        if needed is not None and not self.can(needed):
            if needed == "moderate":
                raise UserError("not-allowed", "Only hosts and moderators can do that.", message.type)
            raise UserError("not-allowed", f"Your role may not {message.type}.", message.type)
        if message.type in MODERATION:
            await self.moderate(message)
        else:
            await self.handlers[message.type](self, message)

    async def on_join(self, message):
        version = protocol.choose_version(message["versions"])
        try:
            claims = verify_room_token(
                message["token"],
                secret=settings.ROOM_TOKEN_SECRET,
                issuer=settings.ROOM_TOKEN_ISSUER,
                audience=settings.ROOM_TOKEN_AUDIENCE,
                room=self.slug,
                leeway=settings.ROOM_TOKEN_LEEWAY,
            )
        except TokenError as error:
            raise ProtocolError(error.code, error.message) from None
        # The rate limit follows the identity from here: reconnecting does not refill it.
        self.bucket = limits.rates.bucket_for(claims.identity)
        # In the group before the admission reads the state: no room event can fall between the two.
        await self.channel_layer.group_add(self.group, self.channel_name)
        try:
            admitted = await self.admit(claims, message)
        except ProtocolError:
            await self.channel_layer.group_discard(self.group, self.channel_name)
            raise
        self.version = version
        self.claims = claims
        self.room = admitted.room
        self.peer_id = admitted.participant.peer_id
        self.set_role(admitted.participant.role)
        self.hidden = claims.role in HIDDEN_ROLES
        self.resume_secret = admitted.resume_secret
        self.seat = "lobby" if admitted.participant.status == "lobby" else "joined"
        context.bind(peer_id=self.peer_id)
        if not admitted.resumed:
            metrics.joined(self.role)
        housekeeping.track(self, self.peer_id, self.channel_name, self.group if self.seat == "joined" else None)
        await self.publish(admitted.outbox)
        if self.seat == "lobby":
            await self.channel_layer.group_discard(self.group, self.channel_name)
            await self.send_payload(
                {"type": "lobby", "version": version, "peer_id": self.peer_id, "resume_secret": self.resume_secret,
                 "room": describe_room(self.room)}
            )
        else:
            # A resume on the worker where the seat's media was parked, from a page whose connections live on
            # (not a reload): it keeps them. Else what was parked is closed and the page starts over.
            keep_media = admitted.resumed and bool(message["resume"].get("keep_media"))
            if keep_media and self.moved_from_this_worker(admitted.outbox):
                await parking.wait_for(self.peer_id, MOVED_MEDIA_WAIT)
            media_kept = keep_media and self.media.adopt()
            if admitted.resumed and not media_kept:
                self.media.give_up_parked()
            if media_kept and admitted.meeting.media_route != "sfu":
                await self.media.close()
                media_kept = False
            await self.send_welcome(admitted.welcome, resumed=admitted.resumed, media_kept=media_kept)
            if media_kept:
                await self.media.catch_up()

    def moved_from_this_worker(self, outbox):
        """Return whether the seat this socket resumed was still held by another socket of this worker (it had not
        noticed its drop yet): told `moved`, that socket parks its media for this one."""
        return any(fields["action"] == "moved" and channel in LOCAL_SOCKETS for channel, fields in outbox.notices)

    async def admit(self, claims, message):
        """Take a seat; when the room's password stands in the way, check the password first, off the database
        thread and outside any lock, within the guess limits (signalling/limits.py)."""
        attempt = functools.partial(db.run, admission.admit, self.slug, claims, self.channel_name,
                                    resume=message["resume"], presence=message["state"], address=self.address())
        try:
            return await attempt()
        except admission.PasswordNeeded as needed:
            password_hash = needed.password_hash
        password = message["password"]
        if not password:
            raise ProtocolError("password-required", "This room needs a password.")
        guesses, address = limits.guesses(), self.address()
        wait = await guesses.retry_after(claims.identity, self.slug, address)
        if wait > 0:
            raise ProtocolError("too-many-attempts", f"Too many wrong passwords: try again in {math.ceil(wait)} s.",
                                retry_after=math.ceil(wait))
        if not await limits.password_matches(password, password_hash):
            await guesses.wrong(claims.identity, self.slug, address)
            raise ProtocolError("bad-password", "That is not the room's password.")
        await guesses.right(claims.identity, self.slug, address)
        return await attempt(verified_hash=password_hash)

    def address(self):
        """The client's address (the proxy's word for it only when the proxy is trusted: config.proxies)."""
        client = self.scope.get("client")
        return client[0] if client else ""

    async def send_welcome(self, welcome=None, resumed=False, media_kept=False):
        welcome = dict(welcome or await db.run(seats.welcome_data, self.peer_id, write=False))
        self.seq = welcome["state"]["seq"]
        self.early = {seq: event for seq, event in self.early.items() if seq > self.seq}
        self.peers = welcome.pop("channels")
        me = welcome.pop("me")
        self.set_role(me["role"])
        await self.send_payload(
            {
                "type": "welcome",
                "version": self.version,
                "peer_id": self.peer_id,
                "resume_secret": self.resume_secret,
                "resumed": resumed,
                "media_kept": media_kept,
                "room": welcome["state"]["room"],
                "you": {**me, "permissions": list(self.permissions)},
                "roster": [peer for peer in welcome["state"]["peers"] if peer["peer_id"] != self.peer_id],
                "state": welcome["state"],
                "private_chat": welcome["private_chat"],
                **ice_configuration(self.claims, self.room),
            }
        )
        if welcome["state"]["room"].get("route") == "sfu":
            self.post({"type": "media.event", "event": {"type": "prepare"}})  # join Janus while the page starts

    async def on_relay(self, message):
        if message.type in ("offer", "answer") and not self.can("publish"):
            if protocol.sdp_sends_media(message["description"]["sdp"]):
                raise UserError("not-allowed", "Your role may receive but not send audio or video.", message.type)
        to = message["to"]
        channel = self.peers.get(to)
        if channel is None and to != self.peer_id and self.unknown_peers.get(to, 0.0) < time.monotonic():
            # The map can miss a peer for a moment (its peer-joined event still on the way): ask the database, but
            # once a second at most for a given name, so relays to nobody cost no more than relays to somebody.
            channel = await db.run(seats.channel_of, self.room.pk, to, write=False)
            if channel is None:
                if len(self.unknown_peers) > 64:
                    self.unknown_peers.clear()
                self.unknown_peers[to] = time.monotonic() + 1.0
        if channel is None or to == self.peer_id:
            raise UserError("unknown-peer", f"There is no peer {to[:32]} in this room.", message.type)
        payload = protocol.relayed(message, self.peer_id)
        if self.hidden:
            payload["from_hidden"] = True  # the recorder: answer it, but draw no tile for it
        # `after`: the last room event this peer had seen or made. The relay may take a shorter way than an event
        # still on its way through Redis (a socket of this worker is handed it directly); the addressee holds it
        # until it has that event too, so nobody hears of an offer before the change that led to it.
        event = {"type": "peer.relay", "room": self.slug, "payload": payload,
                 "after": max(self.seq, self.published_seq)}
        mate = self.local_mate(channel)
        try:
            if mate is not None:
                await mate.take_now(mate.peer_relay, event)
            else:
                await self.channel_layer.send_nearby(channel, event)
        except ChannelFull:
            metrics.layer_error("channel-full")
            raise UserError("peer-unreachable", "That peer is not reading its messages; try again.", message.type)
        metrics.relayed(message.type, time.monotonic() - self.arrived)

    async def on_leave(self, message):
        await self.release_seat(keep_seat=False)
        self.closing = True
        await self.close(code=1000)

    async def on_ping(self, message):
        await self.send_payload({"type": "pong"})

    async def on_ice_servers(self, message):
        await self.send_payload({"type": "ice-servers", **ice_configuration(self.claims, self.room)})

    async def on_resync(self, message):
        welcome = await db.run(seats.welcome_data, self.peer_id, write=False)
        self.seq = welcome["state"]["seq"]
        self.early = {seq: event for seq, event in self.early.items() if seq > self.seq}
        self.peers = welcome["channels"]
        await self.send_payload({"type": "state", "state": welcome["state"]})
        if self.held_relays:
            await self.release_relays()

    async def on_state(self, message):
        changes = {name: value for name, value in message.fields.items() if value is not None}
        if not changes:
            raise UserError("bad-message", "Say what changed: audio, video, screen or hand.", "state")
        if not self.can("publish") and any(changes.get(kind) for kind in ("audio", "video", "screen")):
            raise UserError("not-allowed", "Your role may not send audio or video.", "state")
        await self.publish(await db.run(seats.update_presence, self.peer_id, changes))
        for kind in ("audio", "video", "screen"):
            if changes.get(kind):  # turned on by the participant: a moderator's mute in Janus ends
                await self.media.moderated(kind, False)

    async def on_chat(self, message):
        text = message["text"].strip()
        if len(text) > settings.CHAT_MAX_LENGTH:
            raise UserError("too-long", f"Chat messages are at most {settings.CHAT_MAX_LENGTH} characters.", "chat")
        chat.writer.post(self, self.peer_id, self.slug, text, message["to"], self.last_heard)

    async def on_reaction(self, message):
        now = time.monotonic()
        if (now - self.last_reaction) * 1000 < REACTION_INTERVAL_MS:
            raise UserError("rate-limited", "One reaction at a time: wait a moment.", "reaction")
        self.last_reaction = now
        # Not stored and not part of the room state: no seq, and a late joiner never hears of it.
        reaction = {"type": "reaction", "from": self.peer_id, "emoji": message["emoji"]}
        await self.publish(Outbox(self.slug, events=[reaction]))

    async def moderate(self, message):
        moderation = MODERATION[message.type]
        try:
            outbox = await db.run(moderation.action, self.room, by=self.actor, **arguments(moderation, message))
        except actions.Refused as refusal:
            await self.publish(refusal.outbox)
            raise UserError(refusal.code, refusal.message, message.type) from None
        # Published here, in commit order with this worker's other changes, not from the database thread.
        await self.publish(outbox)

    async def publish(self, outbox):
        """Publish what this socket's change made, remembering its last seq: a relay sent after it carries it."""
        for event in outbox.events:
            if (event.get("seq") or 0) > self.published_seq:
                self.published_seq = event["seq"]
        await apublish(outbox)

    handlers = {
        "join": on_join,
        "offer": on_relay,
        "answer": on_relay,
        "candidate": on_relay,
        "restart-ice": on_relay,
        "leave": on_leave,
        "ping": on_ping,
        "ice-servers": on_ice_servers,
        "resync": on_resync,
        "state": on_state,
        "chat": on_chat,
        "reaction": on_reaction,
        "sfu-publish": lambda self, message: self.media.publish(message),
        "sfu-unpublish": lambda self, message: self.media.unpublish(message),
        "sfu-subscribe": lambda self, message: self.media.subscribe(message),
        "sfu-unsubscribe": lambda self, message: self.media.unsubscribe(message),
        "sfu-answer": lambda self, message: self.media.answer(message),
        "sfu-candidate": lambda self, message: self.media.candidate(message),
        "sfu-quality": lambda self, message: self.media.quality(message),
    }

    # From this worker's other tasks (signalling.socket's door).

    async def chat_reply(self, message):
        if self.seat is not None and not self.closing:
            await self.send_payload(message["payload"])

    async def media_event(self, message):
        if self.seat is not None and not self.closing:
            await self.media.on_event(message["event"])

    # From the channel layer.

    async def room_event(self, message):
        """A room event: delivered in seq order. One that comes early (changes commit on several threads, and on
        several workers) waits up to REORDER_SECONDS for those before it; after that the client sees the gap and
        resyncs, as it would for an event the channel layer dropped."""
        if self.seat != "joined" or self.closing:
            return
        seq = message["event"]["seq"]
        if seq is None:
            await self.deliver(message)
            return
        if seq <= self.seq:
            return  # already part of the state this client holds
        if seq > self.seq + 1:
            self.early[seq] = message
            if self.gap_timer is None:
                self.gap_timer = asyncio.get_running_loop().call_later(
                    REORDER_SECONDS, self.post, {"type": "socket.gap_waited"})
            return
        await self.deliver(message)
        while self.seq + 1 in self.early and not self.closing:
            await self.deliver(self.early.pop(self.seq + 1))
        self.settle_gap()
        if self.held_relays:
            await self.release_relays()

    async def socket_gap_waited(self, message):
        """The events before the early ones never came: send the early ones; the client resyncs on the gap."""
        self.gap_timer = None
        for seq in sorted(self.early):
            if self.closing or self.seat != "joined":
                break
            if seq > self.seq:
                await self.deliver(self.early[seq])
        self.early.clear()
        if self.held_relays:
            await self.release_relays()

    def settle_gap(self):
        if not self.early and self.gap_timer is not None:
            self.gap_timer.cancel()
            self.gap_timer = None

    async def deliver(self, message):
        event = message["event"]
        if event["seq"] is not None:
            self.seq = event["seq"]
        kind = event["type"]
        if kind in ("peer-joined", "peer-updated") and "_channel" in event:
            self.peers[event["peer_id"]] = event["_channel"]
        elif kind == "peer-left":
            if event["peer_id"] == self.peer_id:
                return  # our own seat: the notice that closes this socket says why
            self.peers.pop(event["peer_id"], None)
        if kind == "peer-updated" and event["peer_id"] == self.peer_id:
            self.set_role(event["role"])
        if event.get("_hidden"):
            return
        text = message["text"]
        if "public_text" in message and not self.can("moderate"):
            text = message["public_text"]
        await self.send(text_data=text)

    async def peer_relay(self, event):
        # The sender found the addressee in its own room; check the room again on arrival.
        if event["room"] != self.slug or self.seat != "joined" or self.closing:
            return
        if self.held_relays or event.get("after", 0) > self.seq:
            # Its sender had seen a room event this socket has not had yet: wait for it, up to REORDER_SECONDS
            # (as for a gap), behind any relay already waiting, so that relays keep their order too.
            self.held_relays.append(event)
            if self.held_timer is None:
                self.held_timer = asyncio.get_running_loop().call_later(
                    REORDER_SECONDS, self.post, {"type": "socket.relays_waited"})
            return
        await self.send_payload(event["payload"])

    async def release_relays(self, everything=False):
        """Send the held relays whose events have arrived (all of them, when `everything`), in order."""
        released = 0
        while self.held_relays and (everything or self.held_relays[0].get("after", 0) <= self.seq):
            event = self.held_relays.pop(0)
            released += 1
            if self.seat == "joined" and not self.closing:
                await self.send_payload(event["payload"])
        if released:
            metrics.relays_held(released, "timeout" if everything else "event")
        if not self.held_relays and self.held_timer is not None:
            self.held_timer.cancel()
            self.held_timer = None

    async def socket_relays_waited(self, message):
        """The events the held relays follow never came (lost on the way, or the client resyncs): send them."""
        self.held_timer = None
        await self.release_relays(everything=True)

    async def peer_notice(self, notice):
        action = notice["action"]
        if action in CLOSING_NOTICES:
            if notice.get("peer_id") != self.peer_id:
                return
            self.seat = None  # the roster no longer holds it
            housekeeping.forget(self)
            if action == "moved" and settings.SIGNALLING_RESUME_GRACE > 0:
                # The seat was resumed on a new socket before this one noticed its drop: keep the media for it.
                self.park_media()
            else:
                # Cut the media at the server before the socket closes: a client that lingers sends to nobody.
                await self.media.close(kick=action == "removed")
            code, text = CLOSING_NOTICES[action]
            # Who ended the meeting: the one who did is told it was them, the others who it was.
            details = {"by": notice.get("by")} if action == "ended" else {}
            await self.refuse(ProtocolError(code, text, **details))
        elif action == "admitted" and self.seat == "lobby":
            await self.channel_layer.group_add(self.group, self.channel_name)
            self.seat = "joined"
            housekeeping.track(self, self.peer_id, self.channel_name, self.group)
            await self.send_welcome()
        elif action == "chat":
            await self.send_payload({"type": "chat", "message": notice["message"]})
        elif action in ("mute", "unmute-request"):
            if action == "mute":
                await self.media.moderated(notice["kind"], True)
            await self.send_payload({"type": action, "kind": notice["kind"], "by": notice["by"]})

    # Leaving.

    def park_media(self):
        """Keep the media at the server for a resume of this seat (signalling.parking): for the resume window, and
        as long as the sweep would still let the seat be resumed (it takes seats out at its beat)."""
        peer_id, channel_name = self.peer_id, self.channel_name
        self.media.park(settings.SIGNALLING_RESUME_GRACE + settings.SIGNALLING_HEARTBEAT_SECONDS,
                        lambda: db.run(seats.seat_state, peer_id, channel_name, write=False),
                        settings.SIGNALLING_HEARTBEAT_SECONDS)

    async def release_seat(self, keep_seat):
        """Give the seat up: keep it for a resume after a dropped socket, or free it on leave."""
        if hasattr(self, "media"):
            if keep_seat and getattr(self, "seat", None) == "joined" and settings.SIGNALLING_RESUME_GRACE > 0:
                self.park_media()
            else:
                await self.media.close()
        if getattr(self, "seat", None) is None:
            return
        self.seat = None
        housekeeping.forget(self)
        try:
            if keep_seat:
                outbox = await db.run(seats.disconnected, self.peer_id, self.channel_name)
            else:
                outbox = await db.run(seats.leave, self.peer_id)
            await apublish(outbox)
        except Exception:
            log.exception("could not release %s in room %s; the sweep will", self.peer_id, self.slug)
        try:
            await self.channel_layer.group_discard(self.group, self.channel_name)
        except Exception:
            metrics.layer_error("group_discard")
            log.warning("could not leave the group of room %s", self.slug)
