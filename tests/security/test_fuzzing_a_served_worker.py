"""Every client message type, well and badly formed, sent over a real socket to a real worker: each is answered as
docs/protocol.md documents (a reply, a user error, or a documented close), never a crash, and the worker and the
other people in the room carry on."""

import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.exceptions import ConnectionClosed

from signalling import protocol
from signalling.contract import CLOSE_BY_CODE
from tests.servers import Deployment
from tests.signalling_client import SignallingClient, room_token

pytestmark = pytest.mark.slow

DOC = (Path(__file__).resolve().parents[2] / "docs" / "protocol.md").read_text()
DOCUMENTED_USER_ERRORS = set(re.findall(r"^\| `([a-z-]+)` \|", DOC.split("### User errors")[1].split("###")[0], re.M))
SERVER_MESSAGES = {"welcome", "lobby", "state", "error", "pong", "ice-servers", "offer", "answer", "candidate",
                   "restart-ice", "mute", "unmute-request", "chat", "peer-joined", "peer-left", "peer-updated",
                   "room-updated", "lobby-updated"}
# Closes a fuzzed message may earn: a refusal of the message itself, never a failure of the server.
NEVER = {"internal-error"}

text = st.text(max_size=40) | st.sampled_from(["", " ", "\u0000", "p_" + "x" * 40, "🙂" * 10, "v=0\r\n"])
values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**40, 2**40) | st.floats(allow_nan=False) | text,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(text, children, max_size=3),
    max_leaves=8,
)
FIELDS = ["to", "token", "versions", "description", "candidate", "text", "peer_id", "kind", "role", "resume",
          "state", "password", "audio", "video", "screen", "hand", "sdp", "from"]


@st.composite
def messages(draw, bob_peer_id):
    kind = draw(st.sampled_from(sorted(protocol.CLIENT_MESSAGES) + ["nope", ""]))
    fields = draw(st.dictionaries(st.sampled_from(FIELDS), values, max_size=4))
    # Half the time, aim at a real peer with a plausible shape, so that the handlers themselves are reached.
    if draw(st.booleans()):
        fields["to"] = fields["peer_id"] = bob_peer_id
        if kind in ("offer", "answer"):
            fields["description"] = {"type": kind, "sdp": draw(st.sampled_from(["v=0\r\n", "m=audio 9 X 0\r\n"]))}
        if kind == "candidate":
            fields["candidate"] = draw(st.none() | st.fixed_dictionaries({"candidate": text}))
        if kind in ("mute", "ask-unmute"):
            fields["kind"] = draw(st.sampled_from(["audio", "video", "screen", "smell"]))
    return {"type": kind, **fields}


@pytest.fixture(scope="module")
def room(tmp_path_factory):
    deployment = Deployment(tmp_path_factory.mktemp("fuzz"), extra_env={"SIGNALLING_RATE": "1000",
                                                                         "SIGNALLING_BURST": "1000"}).setup()
    deployment.create_user("alice", "alice-password-1", "Alice")
    slug = deployment.create_room("alice", "Fuzzed")
    worker = deployment.start_worker()
    bob = SignallingClient(worker.ws_url, slug)
    bob.join(room_token(slug, "ext:1:bob", "Bob"))
    yield worker, slug, bob
    bob.close()
    deployment.stop()


class Fuzzer:
    """Alice's socket, joined as a moderator, reconnected whenever a fuzzed message earned a close."""

    def __init__(self, worker, slug):
        self.worker, self.slug, self.client, self.joins = worker, slug, None, 0

    def ready(self):
        if self.client is None:
            self.joins += 1
            self.client = SignallingClient(self.worker.ws_url, self.slug)
            self.client.join(room_token(self.slug, f"ext:1:alice-{self.joins}", "Alice", role="moderator"))
        return self.client

    def send_and_settle(self, message):
        """Send, then ping; return (every message up to the pong, or the close code)."""
        client = self.ready()
        try:
            client.socket.send(json.dumps(message))
            client.send({"type": "ping"})
            seen = []
            while True:
                answer = client.receive(timeout=15)
                if answer["type"] == "pong":
                    return seen, None
                seen.append(answer)
        except ConnectionClosed as closed:
            self.client = None
            return [], closed.rcvd.code if closed.rcvd else None


@pytest.fixture(scope="module")
def fuzzer(room):
    worker, slug, _ = room
    return Fuzzer(worker, slug)


def test_every_message_is_answered_as_documented(room, fuzzer):
    worker, slug, bob = room

    @settings(max_examples=250, deadline=None, suppress_health_check=list(HealthCheck))
    @given(message=messages(bob.peer_id))
    def check(message):
        seen, closed = fuzzer.send_and_settle(message)
        if closed is not None:
            assert closed in CLOSE_BY_CODE, f"{message} closed with undocumented {closed}"
            assert CLOSE_BY_CODE[closed].name not in NEVER, f"{message} made the server fail"
            return
        for answer in seen:
            assert answer["type"] in SERVER_MESSAGES, answer
            if answer["type"] == "error":
                assert answer["code"] in DOCUMENTED_USER_ERRORS, (message, answer)
                assert answer["fatal"] is False

    check()
    # The worker carries on: Bob (who may have been removed, or had the meeting ended on him, by a fuzzed
    # moderation message) comes back as someone new, and Alice's chat reaches him.
    carol = SignallingClient(worker.ws_url, slug)
    try:
        carol.join(room_token(slug, "ext:1:carol", "Carol", role="moderator"))  # past a lock the fuzz may have set
        alice = fuzzer.ready()
        alice.send({"type": "chat", "text": "still here"})
        assert carol.receive_type("chat", timeout=15)["message"]["text"] == "still here"
    finally:
        carol.close()
