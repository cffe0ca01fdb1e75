"""Who the client is, behind a proxy: trust forwarded headers only from the proxies named in TRUSTED_PROXIES.

daphne's --proxy-headers believes X-Forwarded-For from anyone, so any client could pick its own address and get
past every per-address limit (allauth's sign-in limits, DRF's throttles, room-password guesses) and into the
access log as someone else. This ASGI middleware takes over that job:

- When the connection comes from a trusted proxy, the client is the right-most address of X-Forwarded-For that
  is not itself a trusted proxy, and X-Forwarded-Proto (https/http) sets the scheme.
- Whoever the connection comes from, the forwarded headers are then taken out of the request, so nothing behind
  this point can read an address a client chose.

With TRUSTED_PROXIES empty (the default) the client is the TCP peer, as it should be when nothing stands between.
"""

import ipaddress

# Set in the scope when forwarded headers came from a peer that is not a trusted proxy (they were dropped): that
# peer may be a proxy nobody configured, so its address stands for who knows whom (observability.views).
UNTRUSTED_FORWARDING = "confer.untrusted_forwarding"

FORWARDED_HEADERS = {b"x-forwarded-for", b"x-forwarded-proto", b"x-forwarded-host", b"x-forwarded-port",
                     b"x-real-ip", b"forwarded"}


def parse_networks(values):
    """Return the networks of TRUSTED_PROXIES entries (addresses or CIDR ranges); raise ValueError on a bad one."""
    return [ipaddress.ip_network(value.strip(), strict=False) for value in values if value.strip()]


class TrustedProxyHeaders:
    def __init__(self, application, trusted):
        self.application = application
        self.trusted = parse_networks(trusted)

    def is_trusted(self, address):
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.trusted)

    async def __call__(self, scope, receive, send):
        if scope["type"] in ("http", "websocket"):
            scope = self.rewrite(scope)
        return await self.application(scope, receive, send)

    def rewrite(self, scope):
        headers = scope.get("headers") or []
        forwarded = {}
        kept = []
        for name, value in headers:
            if name.lower() in FORWARDED_HEADERS:
                forwarded.setdefault(name.lower(), []).append(value.decode("latin-1"))
            else:
                kept.append((name, value))
        if not forwarded:
            return scope
        scope = dict(scope, headers=kept)
        client = scope.get("client")
        if not client or not self.is_trusted(client[0]):
            scope[UNTRUSTED_FORWARDING] = True
            return scope
        hops = [hop.strip() for value in forwarded.get(b"x-forwarded-for", []) for hop in value.split(",")]
        for hop in reversed(hops):
            if hop and not self.is_trusted(hop):
                scope["client"] = (hop, 0)
                break
        protos = [proto.strip().lower() for value in forwarded.get(b"x-forwarded-proto", []) for proto in value.split(",")]
        if protos and protos[-1] in ("https", "http"):
            secure = protos[-1] == "https"
            scope["scheme"] = ("wss" if secure else "ws") if scope["type"] == "websocket" else protos[-1]
        return scope
