"""Where Confer leans on its dependencies' private parts, and the start-up check that they are still there.

These places go beyond public APIs, each for a reason:

- config.serve's eager writes replace Twisted's `tcp.Connection.write` and read its buffer's private state
  (docs/performance.md measures why).
- config.serve sends daphne's access log through logging, replacing `AccessLogGenerator.write_entry`, so that
  the redacting filter and JSON logs apply to it (docs/operations.md).
- signalling.layers builds on channels' in-memory layer and on channels-redis's pub/sub layer from the inside.
- config.handoff closes a connection handed to another worker without Twisted's shutdown(), and gives a connection
  it keeps to daphne's protocol by swapping the transport's `protocol`.
- recordings.worker narrows aioice's `get_host_addresses` to the addresses it is told to use.

The packages they touch are pinned (requirements.txt, and constraints.txt for everything). Upgrading one of them
can still take away what a patch needs, and the patch would then fail in some rare path, under load. `check()`
makes that a loud failure at start-up instead, naming the patch: config.serve runs it before a worker starts, the
recorder before it records, and `manage.py check` reports it.
"""

import socket
from dataclasses import dataclass


class PatchDoesNotFit(RuntimeError):
    """A dependency no longer has what one of Confer's patches relies on."""


@dataclass(frozen=True)
class Patch:
    name: str
    package: str
    remedy: str
    needs: object  # () -> the names of the private parts that are missing


def missing_attributes(thing, names):
    return [name for name in names if not hasattr(thing, name)]


def twisted_connection_misses():
    """The attributes the eager write reads on a live tcp.Connection (some are set only by its constructor)."""
    from twisted.internet import tcp

    class NoReactor:  # FileDescriptor.__init__ imports the global reactor only when given none
        pass

    ours, theirs = socket.socketpair()
    try:
        connection = tcp.Connection(ours, None, reactor=NoReactor())
        return missing_attributes(connection, [
            "write", "writeSomeData", "dataBuffer", "_tempDataLen", "TLS", "connected", "disconnecting",
            "_writeDisconnected", "_writeDisconnecting", "fileno",
        ])
    finally:
        ours.close()
        theirs.close()


def channels_layers_misses():
    from channels.layers import InMemoryChannelLayer
    from channels_redis.pubsub import RedisPubSubChannelLayer, RedisPubSubLoopLayer

    in_memory = InMemoryChannelLayer()
    missing = missing_attributes(in_memory, ["channels", "groups", "expiry", "_clean_expired", "get_capacity",
                                             "require_valid_channel_name", "require_valid_group_name"])
    missing += missing_attributes(RedisPubSubChannelLayer, ["_get_layer", "serialize"])
    missing += missing_attributes(RedisPubSubLoopLayer, ["_get_shard", "_get_group_channel_name"])
    loop_layer = RedisPubSubLoopLayer(hosts=["redis://127.0.0.1:1"], channel_layer=None)
    missing += missing_attributes(loop_layer, ["channels", "groups"])
    return missing


def daphne_access_log_misses():
    from daphne import access

    return missing_attributes(access.AccessLogGenerator, ["write_entry"])


def aioice_misses():
    import aioice.ice

    return missing_attributes(aioice.ice, ["get_host_addresses"])


def daphne_reading_valve_misses():
    """signalling.load.ReadingValve finds the socket's transport through the `send` daphne hands the application."""
    import inspect

    from daphne.server import Server
    from twisted.internet import tcp

    missing = missing_attributes(tcp.Connection, ["pauseProducing", "resumeProducing", "disconnected"])
    if "partial(self.handle_reply, protocol)" not in inspect.getsource(Server.create_application):
        missing.append("send=partial(self.handle_reply, protocol) in Server.create_application")
    return missing


def autobahn_lean_frames_misses():
    """config.serve's lean protocol copies autobahn's onMessageEnd and swaps the protocol module's masker and
    validator: they must still be what it replaces."""
    import inspect

    from autobahn.util import ObservableMixin
    from autobahn.websocket import protocol
    from daphne.ws_protocol import WebSocketProtocol

    missing = missing_attributes(protocol, ["create_xor_masker", "Utf8Validator"])
    source = inspect.getsource(protocol.WebSocketProtocol.onMessageEnd)
    for needed in ("self.failedByMe", "self.message_data", "self._onMessage(payload, self.message_is_binary)",
                   'self.fire("message"', "self.trackedTimings"):
        if needed not in source:
            missing.append(f"{needed} in WebSocketProtocol.onMessageEnd")
    missing += missing_attributes(ObservableMixin, ["_parent", "_listeners", "fire"])
    from autobahn.twisted import websocket

    missing += missing_attributes(protocol, ["pformat", "Timings", "hltype", "hlval"])
    missing += missing_attributes(websocket, ["hltype", "hlval"])
    for module in (protocol, websocket):  # only ever arguments of log lines, which format them
        source = inspect.getsource(module)
        if source.count("hltype(") + source.count("hlval(") != source.count("=hltype(") + source.count("=hlval("):
            missing.append(f"hltype/hlval only as log arguments in {module.__name__}")
    if "pformat(configAttrLog)" not in inspect.getsource(protocol.WebSocketProtocol._connectionMade):
        missing.append("pformat(configAttrLog) in WebSocketProtocol._connectionMade")
    if "create_xor_masker(" not in inspect.getsource(protocol.WebSocketProtocol.processData):
        missing.append("create_xor_masker( in WebSocketProtocol.processData")
    return missing + missing_attributes(WebSocketProtocol, ["onMessage"])


def twisted_handoff_misses():
    """config.handoff lets go of a handed connection by closing it without Twisted's shutdown(), which would end it
    for the worker it was handed to, and swaps the protocol of a connection it keeps."""
    import inspect

    from twisted.internet import tcp

    missing = missing_attributes(tcp.Connection, ["_shouldShutdown", "stopReading", "stopWriting", "connectionLost"])
    if "if self._shouldShutdown:" not in inspect.getsource(tcp.Connection._closeSocket):
        missing.append("if self._shouldShutdown: in tcp.Connection._closeSocket")
    if "self.protocol.dataReceived(" not in inspect.getsource(tcp.Connection._dataReceived):
        missing.append("self.protocol.dataReceived( in tcp.Connection._dataReceived")
    return missing


PATCHES = (
    Patch("config.serve eager writes", "Twisted", "pin Twisted back, or set WORKER_EAGER_WRITES=0",
          twisted_connection_misses),
    Patch("signalling.layers channel layers", "channels / channels-redis", "pin channels and channels-redis back",
          channels_layers_misses),
    Patch("config.serve access log through logging", "daphne", "pin daphne back",
          daphne_access_log_misses),
    Patch("signalling.load reading valve", "daphne / Twisted", "pin daphne back (a socket over its rate is then "
          "closed after SIGNALLING_FLOOD_LIMIT drops instead of read slowly)", daphne_reading_valve_misses),
    Patch("config.serve lean frames", "autobahn / daphne", "pin autobahn back, or set WORKER_LEAN_FRAMES=0",
          autobahn_lean_frames_misses),
    Patch("config.handoff connection hand-off", "Twisted", "pin Twisted back, or set WORKER_HANDOFF=0",
          twisted_handoff_misses),
    Patch("recordings.worker ICE host addresses", "aioice", "pin aioice back, or leave RECORDER_ICE_HOST_ADDRESSES "
          "unset", aioice_misses),
)


def problems(names=None):
    """Return one line per patch (of those named, or all) that no longer fits."""
    found = []
    for patch in PATCHES:
        if names is not None and patch.name not in names:
            continue
        missing = patch.needs()
        if missing:
            found.append(f"{patch.name}: {patch.package} no longer has {', '.join(missing)}; {patch.remedy}.")
    return found


def check(names=None):
    """Raise PatchDoesNotFit, naming each patch that no longer fits its dependency."""
    found = problems(names)
    if found:
        raise PatchDoesNotFit("Confer's patches do not fit the installed packages:\n  " + "\n  ".join(found))
