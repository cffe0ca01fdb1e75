"""The signalling consumer: decode, call the core, send. docs/protocol.md is its contract."""

import asyncio
import logging
import time

from autobahn.exception import Disconnected
from channels.db import database_sync_to_async
from channels.exceptions import ChannelFull, StopConsumer
from channels.layers import get_channel_layer
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.consumer import get_handler_name
from django.conf import settings

from meetings import actions
from meetings.tokens import ROLE_PERMISSIONS, TokenError, verify_room_token
from signalling import chat, housekeeping, moderation, protocol, roster
from signalling.ice import ice_configuration
from signalling.protocol import ProtocolError, UserError
from signalling.publish import apublish, room_group

log = logging.getLogger(__name__)
db = database_sync_to_async

# What a peer notice makes the addressed socket do: close with this error, its seat already gone.
CLOSING_NOTICES = {
    "replaced": ("replaced", "You joined from somewhere else; this connection was replaced."),
    "moved": ("replaced", "This session was resumed on another connection."),
    "removed": ("removed", "A moderator removed you from this meeting."),
    "denied": ("denied", "A moderator did not let you in."),
    "ended": ("meeting-ended", "The meeting was ended for everyone."),
}


class TokenBucket:
    """Allow `rate` messages a second on average and bursts of up to `burst`."""

    def __init__(self, rate, burst):
        self.rate = rate
        self.burst = burst
        self.tokens = float(burst)
        self.updated = time.monotonic()

    def take(self):
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class RoomConsumer(AsyncWebsocketConsumer):
    """One participant's socket in one room."""

    async def __call__(self, scope, receive, send):
        # channels' AsyncConsumer.__call__, with a cheaper loop than its await_many_dispatch: that starts a task
        # and an asyncio.wait for every message, a sixth of the worker's time under load. Here one long-lived task
        # per source (the socket, the channel layer) hands each message on to dispatch, one at a time.
        self.scope = scope
        self.base_send = send
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        self.channel_name = await self.channel_layer.new_channel()
        turn = asyncio.Lock()

        async def feed(source, *args):
            while True:
                message = await source(*args)
                async with turn:
                    await self.dispatch(message)

        feeders = [asyncio.ensure_future(feed(receive)),
                   asyncio.ensure_future(feed(self.channel_layer.receive, self.channel_name))]
        try:
            done, _ = await asyncio.wait(feeders, return_when=asyncio.FIRST_EXCEPTION)
            for feeder in done:
                feeder.result()  # StopConsumer once the socket is gone; anything else is a crash
        except StopConsumer:
            pass
        finally:
            for feeder in feeders:
                feeder.cancel()
            await asyncio.gather(*feeders, return_exceptions=True)
            # Also after a crash (the channel layer gone, say): keep the seat for a resume instead of leaking it.
            await self.release_seat(keep_seat=True)

    async def dispatch(self, message):
        # channels hops into its database thread (aclose_old_connections) before every message. Our database work
        # goes through database_sync_to_async, which does that itself in the same thread, so skip the hop: with
        # it, every relay in the worker queued behind every other consumer's database work.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self):
        self.slug = self.scope["url_route"]["kwargs"]["slug"]
        self.group = room_group(self.slug)
        self.peer_id = None
        self.seat = None  # None before joining, then "lobby" or "joined"; None again once released
        self.closing = False
        self.peers = {}  # peer id -> channel name of the others in this room, kept current by room events
        self.seq = 0
        self.last_heard = time.monotonic()
        self.bucket = TokenBucket(settings.SIGNALLING_RATE, settings.SIGNALLING_BURST)
        self.dropped = 0
        await self.accept()
        self.join_deadline = asyncio.get_running_loop().call_later(
            settings.SIGNALLING_JOIN_TIMEOUT, lambda: asyncio.ensure_future(self.join_timed_out())
        )

    async def join_timed_out(self):
        if self.seat is None and not self.closing:
            await self.refuse(ProtocolError("join-timeout", "No join message arrived in time."))

    # From the client.
    async def receive(self, text_data=None, bytes_data=None):
        if self.closing:
            return
        self.last_heard = time.monotonic()
        try:
            if not self.bucket.take():
                await self.over_rate()
                return
            self.dropped = 0
            if bytes_data is not None:
                raise ProtocolError("protocol-error", "Binary frames are not part of this protocol.")
            data = protocol.decode_frame(text_data, settings.SIGNALLING_MAX_MESSAGE_BYTES)
            message = protocol.parse_client_message(data, joined=self.seat is not None)
            self.check_allowed(message)
            await self.handlers[message.type](self, message)
        except UserError as error:
            await self.send_payload(protocol.error_message(error.code, error.message, in_reply_to=error.in_reply_to))
        except ProtocolError as error:
            await self.refuse(error)
        except Exception:
            log.exception("signalling failed on a message in room %s", self.slug)
            await self.refuse(ProtocolError("internal-error", "The server failed; reconnect to resume."), True)

    async def over_rate(self):
        self.dropped += 1
        if self.dropped >= settings.SIGNALLING_FLOOD_LIMIT:
            await self.refuse(ProtocolError("flooding", "Too many messages; the connection was closed."))
        elif self.dropped == 1:
            await self.send_payload(
                protocol.error_message("rate-limited", "Too many messages: slow down; messages are being dropped.")
            )

    def check_allowed(self, message):
        if self.seat == "lobby" and message.type not in protocol.LOBBY_TYPES:
            raise UserError("not-admitted", "You are waiting in the lobby.", message.type)
        if message.type in protocol.MODERATION_TYPES and not self.can("moderate"):
            raise UserError("not-allowed", "Only hosts and moderators can do that.", message.type)

    def can(self, permission):
        return permission in self.permissions

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
        # In the group before the admission reads the state: no room event can fall between the two.
        await self.channel_layer.group_add(self.group, self.channel_name)
        try:
            admission = await db(roster.admit)(
                self.slug, claims, self.channel_name, message["password"], message["resume"], message["state"]
            )
        except ProtocolError:
            await self.channel_layer.group_discard(self.group, self.channel_name)
            raise
        self.join_deadline.cancel()
        self.version = version
        self.claims = claims
        self.room = admission.room
        self.peer_id = admission.participant.peer_id
        self.set_role(admission.participant.role)
        self.hidden = claims.role in roster.HIDDEN_ROLES
        self.resume_secret = admission.resume_secret
        self.seat = admission.participant.status if admission.participant.status == "lobby" else "joined"
        housekeeping.track(self)
        await apublish(admission.outbox, self.slug)
        if self.seat == "lobby":
            await self.channel_layer.group_discard(self.group, self.channel_name)
            await self.send_payload(
                {"type": "lobby", "version": version, "peer_id": self.peer_id, "resume_secret": self.resume_secret,
                 "room": roster.describe_room(self.room)}
            )
        else:
            await self.send_welcome(admission.welcome, resumed=admission.resumed)

    def set_role(self, role):
        self.role = role
        self.permissions = self.claims.permissions if role == self.claims.role else roster_permissions(role)

    async def send_welcome(self, welcome=None, resumed=False):
        welcome = dict(welcome or await db(roster.welcome_data)(self.peer_id))
        self.seq = welcome["state"]["seq"]
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
                "room": welcome["state"]["room"],
                "you": {**me, "permissions": list(self.permissions)},
                "roster": [peer for peer in welcome["state"]["peers"] if peer["peer_id"] != self.peer_id],
                "state": welcome["state"],
                "private_chat": welcome["private_chat"],
                **ice_configuration(self.claims, self.room),
            }
        )

    async def on_relay(self, message):
        if message.type in ("offer", "answer") and not self.can("publish"):
            if protocol.sdp_sends_media(message["description"]["sdp"]):
                raise UserError("not-allowed", "Your role may receive but not send audio or video.", message.type)
        to = message["to"]
        channel = self.peers.get(to) or await db(roster.channel_of)(self.room.pk, to)
        if channel is None or to == self.peer_id:
            raise UserError("unknown-peer", f"There is no peer {to[:32]} in this room.", message.type)
        payload = protocol.relayed(message, self.peer_id)
        if self.hidden:
            payload["from_hidden"] = True  # the recorder: answer it, but draw no tile for it
        try:
            await self.channel_layer.send(channel, {"type": "peer.relay", "room": self.slug, "payload": payload})
        except ChannelFull:
            raise UserError("peer-unreachable", "That peer is not reading its messages; try again.", message.type)

    async def on_leave(self, message):
        await self.release_seat(keep_seat=False)
        self.closing = True
        await self.close(code=protocol.CLOSE_CODES["normal"])

    async def on_ping(self, message):
        await self.send_payload({"type": "pong"})

    async def on_ice_servers(self, message):
        await self.send_payload({"type": "ice-servers", **ice_configuration(self.claims, self.room)})

    async def on_resync(self, message):
        welcome = await db(roster.welcome_data)(self.peer_id)
        self.seq = welcome["state"]["seq"]
        self.peers = welcome["channels"]
        await self.send_payload({"type": "state", "state": welcome["state"]})

    async def on_state(self, message):
        changes = {name: value for name, value in message.fields.items() if value is not None}
        if not changes:
            raise UserError("bad-message", "Say what changed: audio, video, screen or hand.", "state")

        if not self.can("publish") and any(changes.get(kind) for kind in ("audio", "video", "screen")):
            raise UserError("not-allowed", "Your role may not send audio or video.", "state")
        await apublish(await db(roster.update_presence)(self.peer_id, changes), self.slug)

    async def on_chat(self, message):
        if not self.can("chat"):
            raise UserError("not-allowed", "Your role may not chat.", "chat")
        text = message["text"].strip()
        if len(text) > settings.CHAT_MAX_LENGTH:
            raise UserError("too-long", f"Chat messages are at most {settings.CHAT_MAX_LENGTH} characters.", "chat")
        chat.writer.post(self, text, message["to"])

    async def on_moderation(self, message):
        room_id, by = self.room.pk, self.claims.identity
        if message.type in ("start-recording", "stop-recording"):
            change = actions.start_recording if message.type == "start-recording" else actions.stop_recording
            try:
                await db(change)(self.room, by)
            except actions.NotAllowed as error:
                raise UserError(error.code, str(error), message.type) from None
            return
        if message.type in ("lock", "unlock"):
            # Published here, in commit order with every other change, not from the database thread.
            outbox = await db(moderation.set_locked)(room_id, message.type == "lock")
        elif message.type == "remove":
            outbox = await db(moderation.remove)(room_id, message["peer_id"], by)
        elif message.type == "end-meeting":
            outbox = await db(moderation.end_meeting)(room_id, by)
        elif message.type == "set-role":
            outbox = await db(moderation.set_role)(room_id, message["peer_id"], message["role"])
        elif message.type == "admit":
            outbox = await db(moderation.admit)(room_id, message["peer_id"])
        elif message.type == "deny":
            outbox = await db(moderation.deny)(room_id, message["peer_id"])
        else:
            action = "mute" if message.type == "mute" else "unmute-request"
            outbox = await db(moderation.ask)(room_id, message["peer_id"], action, message["kind"], self.peer_id)
        await apublish(outbox, self.slug)

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
        **dict.fromkeys(protocol.MODERATION_TYPES, on_moderation),
    }

    # From the channel layer.
    async def room_event(self, message):
        event = message["event"]
        if self.seat != "joined" or self.closing:
            return
        seq = event["seq"]
        if seq is not None:
            if seq <= self.seq:
                return  # already part of the state this client holds
            self.seq = seq
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
        if event["room"] == self.slug and self.seat == "joined" and not self.closing:
            await self.send_payload(event["payload"])

    async def peer_notice(self, notice):
        action = notice["action"]
        if action in CLOSING_NOTICES:
            if notice.get("peer_id") != self.peer_id:
                return
            self.seat = None  # the roster no longer holds it
            housekeeping.forget(self)
            code, text = CLOSING_NOTICES[action]
            await self.refuse(ProtocolError(code, text))
        elif action == "admitted" and self.seat == "lobby":
            await self.channel_layer.group_add(self.group, self.channel_name)
            self.seat = "joined"
            await self.send_welcome()
        elif action == "chat":
            await self.send_payload({"type": "chat", "message": notice["message"]})
        elif action in ("mute", "unmute-request"):
            await self.send_payload({"type": action, "kind": notice["kind"], "by": notice["by"]})

    async def disconnect(self, code):
        self.closing = True
        if hasattr(self, "join_deadline"):
            self.join_deadline.cancel()
        await self.release_seat(keep_seat=True)

    async def release_seat(self, keep_seat):
        """Give the seat up: keep it for a resume after a dropped socket, or free it on leave."""
        if getattr(self, "seat", None) is None:
            return
        self.seat = None
        housekeeping.forget(self)
        try:
            if keep_seat:
                outbox = await db(roster.disconnected)(self.peer_id, self.channel_name)
            else:
                outbox = await db(roster.leave)(self.peer_id)
            await apublish(outbox, self.slug)
        except Exception:
            log.exception("could not release %s in room %s; the sweep will", self.peer_id, self.slug)
        try:
            await self.channel_layer.group_discard(self.group, self.channel_name)
        except Exception:
            log.warning("could not leave the group of room %s", self.slug)

    async def refuse(self, error, keep_seat=False):
        """Answer a protocol error or refusal, then close with its documented code."""
        if self.closing:
            return
        self.closing = True
        try:
            await self.send_payload(protocol.error_message(error.code, error.message, fatal=True))
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
        except Disconnected:
            self.closing = True


def roster_permissions(role):
    return ROLE_PERMISSIONS[role]

