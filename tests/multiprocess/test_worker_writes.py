"""A worker started by config.serve sends frames at once, and queues what a slow reader's socket cannot take yet.

Bob reads through a raw socket with a tiny receive buffer and stops reading for a while, so the worker's sends
to him come back short: what it could not send must follow later, whole and in order.
"""

import json
import socket
import time

import pytest
from websockets.client import ClientProtocol
from websockets.frames import Opcode
from websockets.protocol import State
from websockets.uri import parse_uri

from tests.servers import Deployment
from tests.signalling_client import SignallingClient, room_token

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def worker(tmp_path_factory):
    deployment = Deployment(tmp_path_factory.mktemp("writes")).setup()
    deployment.create_user("alice", "alice-password-1", "Alice")
    worker = deployment.start_worker()
    yield deployment, worker
    deployment.stop()


class SlowReader:
    """A WebSocket client over a plain socket whose receive buffer is a few kilobytes, read only when asked."""

    def __init__(self, ws_url):
        uri = parse_uri(ws_url)
        self.protocol = ClientProtocol(uri, max_size=2**22)
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.socket.connect((uri.host, uri.port))
        self.messages = []
        self.protocol.send_request(self.protocol.connect())
        self.flush()
        while self.protocol.state is not State.OPEN:
            assert self.protocol.handshake_exc is None and self._pump(), "the WebSocket handshake failed"

    def flush(self):
        for data in self.protocol.data_to_send():
            if data:
                self.socket.sendall(data)

    def _pump(self, timeout=5):
        self.socket.settimeout(timeout)
        data = self.socket.recv(65536)
        if not data:
            return False
        self.protocol.receive_data(data)
        for event in self.protocol.events_received():
            if getattr(event, "opcode", None) is Opcode.TEXT:  # the first event is the handshake response
                self.messages.append(json.loads(event.data))
        self.flush()  # answers pings
        return True

    def send(self, payload):
        self.protocol.send_text(json.dumps(payload).encode())
        self.flush()

    def read_until(self, predicate, timeout=30):
        deadline = time.monotonic() + timeout
        while not predicate(self.messages):
            if time.monotonic() > deadline:
                raise TimeoutError(f"only {len(self.messages)} messages arrived")
            self._pump(timeout=max(0.1, deadline - time.monotonic()))
        return self.messages

    def close(self):
        self.socket.close()


def test_offers_to_bob_while_he_stops_reading_arrive_whole_and_in_order_once_he_reads_again(worker):
    deployment, daphne = worker
    room = deployment.create_room("alice", "Large offers")
    bob = SlowReader(daphne.ws_url + f"/ws/rooms/{room}/")
    alice = SignallingClient(daphne.ws_url, room)
    try:
        bob.send({"type": "join", "token": room_token(room, "user:2", "Bob"), "versions": [1]})
        welcome = bob.read_until(lambda messages: any(m["type"] == "welcome" for m in messages))[-1]
        alice.join(room_token(room, "user:1", "Alice", role="host"))

        # 120 offers of 40 KB each: several megabytes that Bob's socket cannot hold while he is not reading.
        padding = "a=x-padding:" + "p" * 40_000 + "\r\n"
        for number in range(120):
            sdp = f"v=0\r\no=- {number} 2 IN IP4 127.0.0.1\r\n{padding}"
            alice.send({"type": "offer", "to": welcome["peer_id"], "description": {"type": "offer", "sdp": sdp}})
        time.sleep(1.5)  # Bob reads nothing meanwhile: the worker's sends to him come back short and queue

        messages = bob.read_until(lambda messages: sum(m["type"] == "offer" for m in messages) == 120)
        offers = [m for m in messages if m["type"] == "offer"]
        assert [int(o["description"]["sdp"].split("\r\n")[1].split()[1]) for o in offers] == list(range(120))
        assert all(o["description"]["sdp"].endswith(padding) for o in offers)
        assert {o["from"] for o in offers} == {alice.peer_id}

        alice.send({"type": "chat", "text": "did they all arrive?"})
        chat = bob.read_until(lambda messages: messages[-1]["type"] == "chat")[-1]
        assert chat["message"]["text"] == "did they all arrive?"
    finally:
        alice.close()
        bob.close()
