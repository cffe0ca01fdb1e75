import json

import pytest
from channels.testing import WebsocketCommunicator

from config.asgi import application
from meetings import actions
from tests.signalling_client import room_token


class Peer:
    """A test participant talking to the real consumer through WebsocketCommunicator."""

    def __init__(self, slug):
        self.slug = slug
        self.communicator = WebsocketCommunicator(application, f"/ws/rooms/{slug}/")
        self.welcome = None

    async def connect(self):
        connected, _ = await self.communicator.connect()
        assert connected
        return self

    async def send(self, payload):
        await self.communicator.send_to(text_data=json.dumps(payload))

    async def send_text(self, text):
        await self.communicator.send_to(text_data=text)

    async def receive(self, timeout=2):
        return json.loads(await self.communicator.receive_from(timeout=timeout))

    async def receive_type(self, message_type, timeout=2):
        while True:
            message = await self.receive(timeout)
            if message["type"] == message_type:
                return message

    async def join(self, token, versions=(1,), expect="welcome", **fields):
        await self.send({"type": "join", "token": token, "versions": list(versions), **fields})
        self.welcome = await self.receive()
        assert self.welcome["type"] == expect, self.welcome
        return self.welcome

    async def receive_all(self, timeout=0.3):
        """Return every message that arrives until the socket falls quiet."""
        messages = []
        while not await self.communicator.receive_nothing(timeout=timeout):
            messages.append(await self.receive())
        return messages

    async def expect_refusal(self, timeout=3):
        """Return (error message, close code) of a fatal refusal."""
        error = await self.receive(timeout)
        assert error["type"] == "error" and error["fatal"] is True, error
        closed = await self.communicator.receive_output(timeout)
        assert closed["type"] == "websocket.close", closed
        return error, closed["code"]

    async def nothing_more(self):
        return await self.communicator.receive_nothing(timeout=0.2)

    @property
    def peer_id(self):
        return self.welcome["peer_id"]

    async def close(self):
        await self.communicator.disconnect()


@pytest.fixture
def alices_room(alice):
    return actions.create_room(alice, "Design review")


@pytest.fixture
def members_room(alice, bob):
    room = actions.create_room(alice, "Board", "members")
    actions.add_member(room, bob)
    return room


async def seat(peers, room, user, role=None, **fields):
    """Connect `user` to `room` and join; return the Peer."""
    peer = await peers(room.slug)
    await peer.join(token_for(user, room, role=role), **fields)
    return peer


def token_for(user, room, role=None, **overrides):
    role = role or ("host" if room.owner_id == user.pk else "participant")
    return room_token(room.slug, f"user:{user.pk}", user.name, role=role, **overrides)


@pytest.fixture(autouse=True)
def fresh_housekeeping():
    """Each test's event loop starts with no consumers left over from another test's loop."""
    from signalling import housekeeping, limits

    housekeeping._seats.clear()
    housekeeping._task = None
    limits.rates.buckets.clear()  # each test's people start with full buckets, at that test's settings
    yield
    housekeeping._seats.clear()


@pytest.fixture
def peers():
    """Make connected peers; all are disconnected at the end."""
    made = []

    async def make(slug):
        peer = await Peer(slug).connect()
        made.append(peer)
        return peer

    yield make
    # The communicators' own loop is gone by now; their application tasks were cancelled with it.
