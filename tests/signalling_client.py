"""A small synchronous signalling client for tests that talk to a real daphne over a real socket."""

import json
import time

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from meetings.tokens import issue_room_token

TEST_ROOM_TOKEN_SECRET = "confer-test-room-token-secret-0123456789abcdef"


def room_token(room, identity, name, role="participant", lifetime=600, **overrides):
    """Mint a room token the way the API does, with the test deployments' secret."""
    options = {"secret": TEST_ROOM_TOKEN_SECRET, "issuer": "confer", "audience": "confer-signalling"}
    options.update(overrides)
    token, _ = issue_room_token(identity=identity, name=name, room=room, role=role, lifetime_seconds=lifetime, **options)
    return token


class SignallingClient:
    def __init__(self, ws_base, room):
        self.socket = connect(f"{ws_base}/ws/rooms/{room}/", open_timeout=10, max_size=2**22).__enter__()
        self.room = room
        self.welcome = None

    def send(self, payload):
        self.socket.send(json.dumps(payload))

    def receive(self, timeout=5):
        return json.loads(self.socket.recv(timeout=timeout))

    def receive_type(self, message_type, timeout=5):
        """Return the next message of this type, skipping others."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no {message_type!r} within {timeout}s")
            message = self.receive(timeout=remaining)
            if message["type"] == message_type:
                return message

    def join(self, token, versions=(1,), **fields):
        self.send({"type": "join", "token": token, "versions": list(versions), **fields})
        self.welcome = self.receive()
        return self.welcome

    def resume_fields(self):
        return {"resume": {"peer_id": self.welcome["peer_id"], "secret": self.welcome["resume_secret"]}}

    def wait_closed(self, timeout=10):
        """Read until the server closes the socket; return its close code."""
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                self.socket.recv(timeout=deadline - time.monotonic())
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None
        except TimeoutError:
            pass
        raise TimeoutError("the server did not close the socket")

    @property
    def peer_id(self):
        return self.welcome["peer_id"]

    def close(self):
        self.socket.__exit__(None, None, None)
