"""The room consumer: one participant's socket in one room. Decode, call the core, send; docs/protocol.md is its
contract, signalling.socket its plumbing, meetings.actions every change it asks for."""

import logging
import time
from dataclasses import dataclass

from channels.db import database_sync_to_async
from channels.exceptions import ChannelFull
from django.conf import settings

from meetings import actions
from meetings.tokens import TokenError, verify_room_token
from signalling import admission, chat, housekeeping, protocol, seats
from signalling.contract import HIDDEN_ROLES, MESSAGE_PERMISSIONS, REACTION_INTERVAL_MS, ROLE_PERMISSIONS
from signalling.events import Outbox
from signalling.ice import ice_configuration
from signalling.protocol import ProtocolError, UserError
from signalling.publish import apublish, room_group
from signalling.socket import SignallingSocket
from signalling.wire import describe_room

log = logging.getLogger(__name__)
db = database_sync_to_async

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
        self.seq = 0
        self.last_reaction = float("-inf")
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
        # In the group before the admission reads the state: no room event can fall between the two.
        await self.channel_layer.group_add(self.group, self.channel_name)
        try:
            admitted = await db(admission.admit)(
                self.slug, claims, self.channel_name, message["password"], message["resume"], message["state"]
            )
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
        housekeeping.track(self, self.peer_id, self.channel_name, self.group if self.seat == "joined" else None)
        await apublish(admitted.outbox)
        if self.seat == "lobby":
            await self.channel_layer.group_discard(self.group, self.channel_name)
            await self.send_payload(
                {"type": "lobby", "version": version, "peer_id": self.peer_id, "resume_secret": self.resume_secret,
                 "room": describe_room(self.room)}
            )
        else:
            await self.send_welcome(admitted.welcome, resumed=admitted.resumed)

    async def send_welcome(self, welcome=None, resumed=False):
        welcome = dict(welcome or await db(seats.welcome_data)(self.peer_id))
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
        channel = self.peers.get(to) or await db(seats.channel_of)(self.room.pk, to)
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
        await self.close(code=1000)

    async def on_ping(self, message):
        await self.send_payload({"type": "pong"})

    async def on_ice_servers(self, message):
        await self.send_payload({"type": "ice-servers", **ice_configuration(self.claims, self.room)})

    async def on_resync(self, message):
        welcome = await db(seats.welcome_data)(self.peer_id)
        self.seq = welcome["state"]["seq"]
        self.peers = welcome["channels"]
        await self.send_payload({"type": "state", "state": welcome["state"]})

    async def on_state(self, message):
        changes = {name: value for name, value in message.fields.items() if value is not None}
        if not changes:
            raise UserError("bad-message", "Say what changed: audio, video, screen or hand.", "state")
        if not self.can("publish") and any(changes.get(kind) for kind in ("audio", "video", "screen")):
            raise UserError("not-allowed", "Your role may not send audio or video.", "state")
        await apublish(await db(seats.update_presence)(self.peer_id, changes))

    async def on_chat(self, message):
        text = message["text"].strip()
        if len(text) > settings.CHAT_MAX_LENGTH:
            raise UserError("too-long", f"Chat messages are at most {settings.CHAT_MAX_LENGTH} characters.", "chat")
        chat.writer.post(self, self.peer_id, self.slug, text, message["to"])

    async def on_reaction(self, message):
        now = time.monotonic()
        if (now - self.last_reaction) * 1000 < REACTION_INTERVAL_MS:
            raise UserError("rate-limited", "One reaction at a time: wait a moment.", "reaction")
        self.last_reaction = now
        # Not stored and not part of the room state: no seq, and a late joiner never hears of it.
        reaction = {"type": "reaction", "from": self.peer_id, "emoji": message["emoji"]}
        await apublish(Outbox(self.slug, events=[reaction]))

    async def moderate(self, message):
        moderation = MODERATION[message.type]
        try:
            outbox = await db(moderation.action)(self.room, by=self.actor, **arguments(moderation, message))
        except actions.Refused as refusal:
            await apublish(refusal.outbox)
            raise UserError(refusal.code, refusal.message, message.type) from None
        # Published here, in commit order with this worker's other changes, not from the database thread.
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
    }

    # From this worker's other tasks (signalling.socket's door).

    async def chat_reply(self, message):
        if self.seat is not None and not self.closing:
            await self.send_payload(message["payload"])

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
            # Who ended the meeting: the one who did is told it was them, the others who it was.
            details = {"by": notice.get("by")} if action == "ended" else None
            await self.refuse(ProtocolError(code, text, details))
        elif action == "admitted" and self.seat == "lobby":
            await self.channel_layer.group_add(self.group, self.channel_name)
            self.seat = "joined"
            housekeeping.track(self, self.peer_id, self.channel_name, self.group)
            await self.send_welcome()
        elif action == "chat":
            await self.send_payload({"type": "chat", "message": notice["message"]})
        elif action in ("mute", "unmute-request"):
            await self.send_payload({"type": action, "kind": notice["kind"], "by": notice["by"]})

    # Leaving.

    async def release_seat(self, keep_seat):
        """Give the seat up: keep it for a resume after a dropped socket, or free it on leave."""
        if getattr(self, "seat", None) is None:
            return
        self.seat = None
        housekeeping.forget(self)
        try:
            if keep_seat:
                outbox = await db(seats.disconnected)(self.peer_id, self.channel_name)
            else:
                outbox = await db(seats.leave)(self.peer_id)
            await apublish(outbox)
        except Exception:
            log.exception("could not release %s in room %s; the sweep will", self.peer_id, self.slug)
        try:
            await self.channel_layer.group_discard(self.group, self.channel_name)
        except Exception:
            log.warning("could not leave the group of room %s", self.slug)
