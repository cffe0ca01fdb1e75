"""A small TURN client for checking a TURN server from the server side (check_turn, and the tests).

It speaks through aioice's TURN protocol classes (aioice comes with aiortc): Allocate with the long-term credential
mechanism, then CreatePermission and ChannelBind on that allocation. Nothing here sends application data anywhere.
"""

import asyncio
import re
import ssl as ssl_module
from dataclasses import dataclass

TURN_URL = re.compile(
    r"(?P<scheme>turns?):(?:\[(?P<ipv6>[0-9a-fA-F:.]+)\]|(?P<host>[^?:\[\]]+))(?::(?P<port>\d+))?"
    r"(?:\?transport=(?P<transport>udp|tcp))?"
)


class TurnRefused(Exception):
    """The TURN server answered with an error: `code` is its STUN error code (401, 403, 438...)."""

    def __init__(self, code, reason):
        super().__init__(f"{code} {reason}")
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class TurnUrl:
    scheme: str
    host: str
    port: int
    transport: str

    @property
    def secure(self):
        return self.scheme == "turns"

    def __str__(self):
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}:{host}:{self.port}?transport={self.transport}"


def parse_turn_url(url):
    """Return the parts of a turn: or turns: URL (RFC 7065), with the default port and transport filled in."""
    match = TURN_URL.fullmatch(url.strip())
    if not match:
        raise ValueError(f"{url!r} is not a turn: or turns: URL")
    scheme = match["scheme"]
    secure = scheme == "turns"
    transport = match["transport"] or ("tcp" if secure else "udp")
    if secure and transport != "tcp":
        raise ValueError(f"{url!r}: turns: runs over TLS, so its transport is tcp")
    port = int(match["port"]) if match["port"] else (5349 if secure else 3478)
    return TurnUrl(scheme, match["ipv6"] or match["host"], port, transport)


class TurnProbe:
    """One TURN allocation on one server, made to be looked at and then deleted.

        async with TurnProbe(url, username, credential) as probe:
            relayed = probe.relayed_address
            await probe.create_permission("198.51.100.7")
    """

    def __init__(self, url, username, credential, timeout=5.0, ssl_context=None):
        self.url = parse_turn_url(url) if isinstance(url, str) else url
        self.username = username
        self.credential = credential
        self.timeout = timeout
        self.ssl_context = ssl_context
        self.protocol = None
        self.relayed_address = None
        self.mapped_address = None

    async def __aenter__(self):
        try:
            await self.allocate()
        except BaseException:
            await self.close()
            raise
        return self

    async def __aexit__(self, *exc_info):
        await self.close()

    async def allocate(self):
        """Open a connection to the server and Allocate; return the relayed (host, port)."""
        from aioice import turn

        loop = asyncio.get_running_loop()
        server = (self.url.host, self.url.port)
        options = {"username": self.username, "password": self.credential, "lifetime": 600,
                   "channel_refresh_time": turn.DEFAULT_CHANNEL_REFRESH_TIME}
        if self.url.transport == "tcp":
            ssl_context = None
            if self.url.secure:
                ssl_context = self.ssl_context or ssl_module.create_default_context()
            _, self.protocol = await asyncio.wait_for(
                loop.create_connection(lambda: turn.TurnClientTcpProtocol(server, **options),
                                       host=server[0], port=server[1], ssl=ssl_context),
                self.timeout,
            )
        else:
            _, self.protocol = await loop.create_datagram_endpoint(
                lambda: turn.TurnClientUdpProtocol(server, **options), remote_addr=server
            )
        self.relayed_address = await self.request(self.protocol.connect())
        self.mapped_address = self.protocol.mapped_address
        return self.relayed_address

    async def create_permission(self, peer_ip):
        """Ask the server to let this peer's packets through the allocation (RFC 8656 section 9)."""
        from aioice import stun

        message = stun.Message(message_method=stun.Method.CREATE_PERMISSION, message_class=stun.Class.REQUEST)
        message.attributes["XOR-PEER-ADDRESS"] = (peer_ip, 0)
        await self.request(self.protocol.request_with_retry(message))

    async def channel_bind(self, peer_address, channel_number=0x4000):
        """Bind a channel to this peer (RFC 8656 section 12); it installs a permission too."""
        await self.request(self.protocol.channel_bind(channel_number, tuple(peer_address)))

    async def send_to(self, peer_address, data):
        """Relay data to a peer through a channel; only ever point this at a loopback peer in tests."""
        await self.request(self.protocol.send_data(data, tuple(peer_address)))

    async def request(self, awaitable):
        from aioice import stun

        try:
            return await asyncio.wait_for(awaitable, self.timeout)
        except stun.TransactionFailed as failure:
            code, reason = failure.response.attributes.get("ERROR-CODE", (0, "no error code"))
            raise TurnRefused(code, reason) from None
        except (stun.TransactionTimeout, asyncio.TimeoutError):
            raise TimeoutError(f"no answer from {self.url} within {self.timeout:g}s") from None

    async def close(self):
        """Delete the allocation (if there is one) and close the connection."""
        if self.protocol is None:
            return
        protocol, self.protocol = self.protocol, None
        if self.relayed_address is not None:
            try:
                await asyncio.wait_for(protocol.delete(), self.timeout)
            except (asyncio.TimeoutError, OSError):
                pass
        protocol.transport.close()
