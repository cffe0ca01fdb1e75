"""Finding 15: text that is not UTF-8, and frames over daphne's 256 KiB, dropped the connection (1006). A worker
started as scripts/run starts it now closes each with its documented code, after a close frame."""

import pytest

from tests.raw_client import RawClient
from tests.servers import Deployment
from websockets.frames import Opcode

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def worker(tmp_path_factory):
    deployment = Deployment(tmp_path_factory.mktemp("frames")).setup()
    deployment.create_user("alice", "alice-password-1", "Alice")
    slug = deployment.create_room("alice", "Frames")
    worker = deployment.start_worker()
    yield worker.ws_url + f"/ws/rooms/{slug}/"
    deployment.stop()


@pytest.mark.parametrize("payload", [b"\xff\xfe not UTF-8", b'{"type": "ping", "text": "\xed\xa0\x80"}'],
                         ids=["stray bytes", "an encoded lone surrogate"])
def test_text_that_is_not_utf8_is_closed_with_1007(worker, payload):
    client = RawClient(worker)
    try:
        client.send_frame(Opcode.TEXT, payload)
        assert client.until_closed() == 1007
    finally:
        client.close()


def test_a_frame_over_256_kib_is_closed_with_1009(worker):
    client = RawClient(worker)
    try:
        client.send_frame(Opcode.TEXT, b'{"type": "ping", "pad": "' + b"x" * (300 * 1024) + b'"}')
        assert client.until_closed() == 1009
    finally:
        client.close()


def test_a_frame_over_the_signalling_limit_but_under_256_kib_is_confers_4008(worker):
    client = RawClient(worker)
    try:
        client.send_frame(Opcode.TEXT, b'{"type": "ping", "pad": "' + b"x" * (100 * 1024) + b'"}')
        assert client.until_closed() == 4008
        assert client.messages[-1]["code"] == "message-too-large"
    finally:
        client.close()
