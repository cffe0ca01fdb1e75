"""The signalling consumer: decode, call the core, send. docs/protocol.md is its contract."""

import asyncio
import logging

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from meetings.tokens import TokenError, verify_room_token
from signalling import liveness, protocol, roster
from signalling.ice import ice_configuration
from signalling.protocol import ProtocolError, UserError

log = logging.getLogger(__name__)


def room_group(room_id):
    return f"room.{room_id}"


class RoomConsumer(AsyncWebsocketConsumer):
    """One participant's socket in one room."""

    async def connect(self):
        self.slug = self.scope["url_route"]["kwargs"]["slug"]
        self.peer_id = None
        self.room_id = None
        self.closing = False
        # peer id -> channel name of the other peers in this room, kept current by the room's events.
        self.peers = {}
        await self.accept()
        self.join_deadline = asyncio.get_running_loop().call_later(
            settings.SIGNALLING_JOIN_TIMEOUT, lambda: asyncio.ensure_future(self.join_timed_out())
        )

    async def join_timed_out(self):
        if self.peer_id is None and not self.closing:
            await self.refuse(ProtocolError("join-timeout", "No join message arrived in time."))

    async def receive(self, text_data=None, bytes_data=None):
        if self.closing:
            return
        try:
            if bytes_data is not None:
                raise ProtocolError("protocol-error", "Binary frames are not part of this protocol.")
            data = protocol.decode_frame(text_data, settings.SIGNALLING_MAX_MESSAGE_BYTES)
            message = protocol.parse_client_message(data, joined=self.peer_id is not None)
            await self.handlers[message.type](self, message)
        except UserError as error:
            await self.send_payload(protocol.error_message(error.code, error.message, in_reply_to=error.in_reply_to))
        except ProtocolError as error:
            await self.refuse(error)

    async def on_join(self, message):
        version = protocol.choose_version(message["versions"])
        try:
            claims = verify_room_token(
                message["token"],
                secret=settings.ROOM_TOKEN_SECRET,
                issuer=settings.ROOM_TOKEN_ISSUER,
                audience=settings.ROOM_TOKEN_AUDIENCE,
                room=self.slug,
            )
        except TokenError as error:
            raise ProtocolError(error.code, error.message) from None
        admission = await database_sync_to_async(roster.admit)(self.slug, claims, self.channel_name)
        self.join_deadline.cancel()
        self.claims = claims
        self.room = admission.room
        self.room_id = admission.room.pk
        self.peer_id = admission.participant.peer_id
        self.me = roster.describe(admission.participant)
        self.hidden = claims.role in roster.HIDDEN_ROLES
        liveness.track(self.peer_id)
        group = room_group(self.room_id)
        await self.channel_layer.group_add(group, self.channel_name)
        for gone in admission.stale:
            await self.channel_layer.group_send(
                group, {"type": "room.left", "peer_id": gone.peer_id, "reason": "timeout"}
            )
        self.peers = {p.peer_id: p.channel_name for p in admission.others}
        await self.channel_layer.group_send(
            group,
            {"type": "room.joined", "peer": self.me, "channel": self.channel_name, "hidden": self.hidden},
        )
        room = admission.room
        await self.send_payload(
            {
                "type": "welcome",
                "version": version,
                "peer_id": self.peer_id,
                "room": {
                    "slug": room.slug,
                    "name": room.name,
                    "max_participants": room.max_participants,
                    "is_locked": room.is_locked,
                },
                "you": {**self.me, "permissions": list(claims.permissions)},
                "roster": [roster.describe(p) for p in admission.others if p.role not in roster.HIDDEN_ROLES],
                **ice_configuration(claims, room),
            }
        )

    async def on_relay(self, message):
        channel = self.peers.get(message["to"])
        if channel is None:
            raise UserError("unknown-peer", f"There is no peer {message['to'][:32]} in this room.", message.type)
        await self.channel_layer.send(
            channel,
            {"type": "peer.relay", "room_id": self.room_id, "payload": protocol.relayed(message, self.peer_id)},
        )

    async def on_leave(self, message):
        await self.leave_room()
        self.closing = True
        await self.close(code=protocol.CLOSE_CODES["normal"])

    async def on_ping(self, message):
        await self.send_payload({"type": "pong"})

    async def on_ice_servers(self, message):
        await self.send_payload({"type": "ice-servers", **ice_configuration(self.claims, self.room)})

    handlers = {
        "join": on_join,
        "offer": on_relay,
        "answer": on_relay,
        "candidate": on_relay,
        "leave": on_leave,
        "ping": on_ping,
        "ice-servers": on_ice_servers,
    }

    # Events from the channel layer.
    async def room_joined(self, event):
        peer_id = event["peer"]["peer_id"]
        if peer_id == self.peer_id:
            return
        self.peers[peer_id] = event["channel"]
        if not event["hidden"]:
            await self.send_payload({"type": "peer-joined", "peer": event["peer"]})

    async def room_left(self, event):
        peer_id = event["peer_id"]
        if peer_id == self.peer_id or self.peers.pop(peer_id, None) is None:
            return
        if not event.get("hidden"):
            await self.send_payload({"type": "peer-left", "peer_id": peer_id, "reason": event["reason"]})

    async def peer_relay(self, event):
        # The sender looked the addressee up in its own room's roster; check the room again on arrival.
        if event["room_id"] == self.room_id and self.peer_id is not None:
            await self.send_payload(event["payload"])

    async def disconnect(self, code):
        self.closing = True
        if getattr(self, "join_deadline", None):
            self.join_deadline.cancel()
        await self.leave_room()

    async def leave_room(self):
        if self.peer_id is None:
            return
        peer_id, self.peer_id = self.peer_id, None
        liveness.untrack(peer_id)
        group = room_group(self.room_id)
        try:
            await database_sync_to_async(roster.remove)(peer_id)
        finally:
            await self.channel_layer.group_send(
                group, {"type": "room.left", "peer_id": peer_id, "reason": "left", "hidden": self.hidden}
            )
            await self.channel_layer.group_discard(group, self.channel_name)

    async def refuse(self, error):
        """Answer a protocol error or refusal, then close with its documented code."""
        if self.closing:
            return
        self.closing = True
        await self.send_payload(protocol.error_message(error.code, error.message, fatal=True))
        await self.leave_room()
        await self.close(code=error.close_code)

    async def send_payload(self, payload):
        await self.send(text_data=protocol.encode(payload))
