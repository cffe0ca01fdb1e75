"""Confer's patches on its dependencies' private parts fail loudly at start-up when those parts are gone, and a
send to a socket that has just closed is the disconnect it is, wherever the stack says so."""

import json
import os
import socket
import subprocess

import pytest
from channels_redis.pubsub import RedisPubSubLoopLayer
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from twisted.internet import _newtls, tcp

from config import patches, serve
from signalling.socket import SignallingSocket, is_closed_transport
from tests.servers import PYTHON, REPO

CLOSED_UVPOLL = RuntimeError("unable to perform operation on <UVPoll closed=True>; the handler is closed")


def test_the_patches_fit_the_installed_packages():
    assert patches.problems() == []


def test_a_twisted_without_what_the_eager_writes_read_is_refused_by_name(monkeypatch):
    monkeypatch.delattr(_newtls.ConnectionMixin, "TLS")
    with pytest.raises(patches.PatchDoesNotFit) as refusal:
        patches.check()
    assert "config.serve eager writes: Twisted no longer has TLS" in str(refusal.value)
    assert "WORKER_EAGER_WRITES=0" in str(refusal.value)


def test_a_channels_redis_without_its_private_parts_is_refused_by_name(monkeypatch):
    monkeypatch.delattr(RedisPubSubLoopLayer, "_get_shard")
    with pytest.raises(patches.PatchDoesNotFit) as refusal:
        patches.check()
    assert "signalling.layers channel layers: channels / channels-redis no longer has _get_shard" in str(refusal.value)


def test_manage_py_check_reports_a_patch_that_does_not_fit(monkeypatch):
    monkeypatch.delattr(RedisPubSubLoopLayer, "_get_group_channel_name")
    with pytest.raises(SystemCheckError, match="confer.E001"):
        call_command("check")


def test_a_worker_does_not_start_when_a_patch_does_not_fit():
    starting = (
        "from twisted.internet import _newtls\n"
        "del _newtls.ConnectionMixin.TLS\n"
        "import sys\n"
        "sys.argv = ['config.serve', '-b', '127.0.0.1', '-p', '0', 'config.asgi:application']\n"
        "from config.serve import main\n"
        "main()\n"
    )
    result = subprocess.run([PYTHON, "-c", starting], cwd=REPO, capture_output=True, text=True, timeout=60,
                            env={"SECRET_KEY": "x", "ROOM_TOKEN_SECRET": "y" * 40, "PATH": "/usr/bin:/bin"})
    assert result.returncode != 0
    assert "config.serve eager writes: Twisted no longer has TLS" in result.stderr


class LoopLikeUvloop:
    """A reactor that, like uvloop under Twisted, refuses to watch a socket whose handle has closed."""

    def addWriter(self, selectable):
        raise CLOSED_UVPOLL

    def removeWriter(self, selectable):
        pass


@pytest.fixture
def eager_writes(monkeypatch):
    monkeypatch.setattr(tcp.Connection, "write", tcp.Connection.write)  # put back after the test
    serve.write_eagerly()


def test_an_eager_write_to_a_socket_whose_peer_is_gone_is_dropped_not_raised(eager_writes):
    ours, theirs = socket.socketpair()
    connection = tcp.Connection(ours, None, reactor=LoopLikeUvloop())
    connection.connected = 1
    theirs.close()
    ours.close()  # the write fails with EBADF: CONNECTION_LOST, which the read side reports
    connection.write(b"a frame for a socket that has gone")


def test_a_queued_write_to_a_closed_uvloop_handle_is_dropped_not_raised(eager_writes):
    ours, theirs = socket.socketpair()
    try:
        connection = tcp.Connection(ours, None, reactor=LoopLikeUvloop())
        connection.connected = 1
        connection.dataBuffer = b"something already waiting"  # so this write must queue
        connection.write(b"the next frame")
    finally:
        ours.close()
        theirs.close()


def test_other_errors_of_a_queued_write_still_raise(eager_writes):
    class BrokenLoop(LoopLikeUvloop):
        def addWriter(self, selectable):
            raise RuntimeError("something else went wrong")

    ours, theirs = socket.socketpair()
    try:
        connection = tcp.Connection(ours, None, reactor=BrokenLoop())
        connection.connected = 1
        connection.dataBuffer = b"waiting"
        with pytest.raises(RuntimeError, match="something else"):
            connection.write(b"frame")
    finally:
        ours.close()
        theirs.close()


@pytest.mark.parametrize("error", [CLOSED_UVPOLL, RuntimeError("unable to perform operation on <TCPTransport "
                                                                 "closed=True reading=False>; the handler is closed"),
                                   ConnectionResetError(), BrokenPipeError()])
def test_every_way_the_stack_says_the_socket_closed_is_a_closed_transport(error):
    from autobahn.exception import Disconnected

    assert is_closed_transport(error)
    assert is_closed_transport(Disconnected("gone"))
    assert not is_closed_transport(RuntimeError("the event loop is closed"))
    assert not is_closed_transport(ValueError("closed=True"))


async def test_a_socket_that_sends_into_a_closed_transport_marks_itself_closing_instead_of_failing():
    sock = SignallingSocket()
    sock.closing = False

    async def base_send(message):
        raise CLOSED_UVPOLL

    sock.base_send = base_send
    await sock.send_payload({"type": "pong"})
    assert sock.closing is True


def test_an_autobahn_whose_message_end_changed_is_refused_by_name(monkeypatch):
    from autobahn.websocket import protocol

    def onMessageEnd(self):  # a rewrite that no longer fires "message" the way the lean copy leaves out
        pass

    monkeypatch.setattr(protocol.WebSocketProtocol, "onMessageEnd", onMessageEnd)
    with pytest.raises(patches.PatchDoesNotFit) as refusal:
        patches.check()
    assert "config.serve lean frames: autobahn / daphne no longer has" in str(refusal.value)
    assert "WORKER_LEAN_FRAMES=0" in str(refusal.value)


def test_the_lean_protocol_masks_and_validates_with_wsaccel_and_fires_only_for_listeners():
    from autobahn.websocket import protocol
    from daphne.ws_protocol import WebSocketProtocol

    lean = serve.lean_websocket_protocol()
    assert issubclass(lean, WebSocketProtocol)
    assert protocol.create_xor_masker.__module__.startswith("wsaccel")
    assert protocol.Utf8Validator.__module__.startswith("wsaccel")

    received, observed = [], []
    socket_protocol = lean.__new__(lean)
    socket_protocol.failedByMe = False
    socket_protocol.trackedTimings = None
    socket_protocol.message_is_binary = False
    socket_protocol._onMessage = lambda payload, is_binary: received.append(payload)
    socket_protocol.message_data = [b'{"type":', b'"ping"}']
    socket_protocol.onMessageEnd()
    assert received == [b'{"type":"ping"}'] and socket_protocol.message_data is None

    socket_protocol.set_valid_events(["message"])
    socket_protocol.on("message", lambda payload, is_binary: observed.append(payload))
    socket_protocol.message_data = [b'{"type":"pong"}']
    socket_protocol.onMessageEnd()
    assert received[-1] == observed[-1] == b'{"type":"pong"}'


def test_the_lean_protocol_pretty_prints_its_options_only_for_a_line_that_is_logged():
    from autobahn.websocket import protocol

    serve.lean_websocket_protocol()
    made = protocol.pformat([("openHandshakeTimeout", 5, "WebSocketFactory")])
    assert isinstance(made, serve.WhenLogged) and isinstance(protocol.hltype(serve), serve.WhenLogged)
    from autobahn import util

    line = "{func} sent {n}".format(func=protocol.hltype(serve.main), n=protocol.hlval(12))
    assert line == f"{util.hltype(serve.main)} sent {util.hlval(12)}"
    assert "\n{attrs}".format(attrs=made) == "\n[('openHandshakeTimeout', 5, 'WebSocketFactory')]"
    timings = protocol.Timings()
    timings.track("onMessage")
    assert str(timings).startswith("{'onMessage':")


def test_a_worker_freezes_what_its_start_up_made_out_of_the_collectors_full_passes():
    frozen = subprocess.run(
        [PYTHON, "-c", "import gc; from config import serve; serve.freeze_what_start_up_made('config.asgi:application');"
                       " print(gc.get_freeze_count())"],
        cwd=REPO, env={**os.environ, "DEBUG": "1"}, capture_output=True, text=True, timeout=120, check=True,
    )
    assert int(frozen.stdout.split()[-1]) > 20000  # Django and the rest: about 100,000 objects


KEPT_FROZEN = """
import gc, json, weakref
from twisted.internet import reactor
from config import serve

class Seat:
    pass

seat = Seat()
seat.itself = seat  # a cycle: only the collector frees it
gone = weakref.ref(seat)
seen = {}
serve.keep_long_lived_objects_frozen(0.05, 1.0)

def look():
    global seat
    if "frozen" not in seen and gc.get_freeze_count():
        seen["frozen"] = True
        seat = None  # the seat closes after it was frozen
        gc.collect()
        seen["kept_by_a_full_pass"] = gone() is not None
    elif "frozen" in seen and gone() is None:
        seen["freed_by_the_sweep"] = True
        reactor.stop()
        return
    reactor.callLater(0.01, look)

reactor.callLater(0, look)
reactor.callLater(20, reactor.stop)
reactor.run()
print(json.dumps(seen))
"""


def test_a_worker_keeps_what_lives_out_of_the_full_passes_and_sweeps_it_now_and_then():
    done = subprocess.run([PYTHON, "-c", KEPT_FROZEN], cwd=REPO, env={**os.environ, "DEBUG": "1"},
                          capture_output=True, text=True, timeout=120, check=True)
    seen = json.loads(done.stdout.split("\n")[-2])
    # Frozen, a dead cycle is walked by no full pass (that is the point: a thousand sockets are not walked either);
    # the sweep gives everything back to one full collection, which frees it.
    assert seen == {"frozen": True, "kept_by_a_full_pass": True, "freed_by_the_sweep": True}
