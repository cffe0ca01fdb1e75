"""The ICE configuration a participant is told to use (docs/protocol.md, docs/turn.md).

TURN credentials follow coturn's TURN REST API scheme (`use-auth-secret`): the username is
"<unix expiry>:<user part>" and the credential is base64(HMAC-SHA1(TURN_SECRET, username)). coturn recomputes the
credential from its copy of the secret and refuses it after the expiry, so the secret itself never leaves the server.
"""

import base64
import hashlib
import hmac
import time
from datetime import datetime, timezone

from django.conf import settings

POLICIES = ("all", "relay")


def turn_user_part(identity):
    """Return the part of a TURN username that names the participant: opaque, stable, and free of colons."""
    return hashlib.sha256(str(identity).encode()).hexdigest()[:20]


def turn_credentials(identity, secret, lifetime_seconds, now=None):
    """Return (username, credential, expires_at) for coturn's use-auth-secret scheme."""
    expires_at = int(now if now is not None else time.time()) + int(lifetime_seconds)
    username = f"{expires_at}:{turn_user_part(identity)}"
    return username, turn_credential(secret, username), expires_at


def turn_credential(secret, username):
    """Return the credential coturn expects for this username: base64(HMAC-SHA1(secret, username))."""
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def refresh_time(issued_at, expires_at):
    """Return when a client should ask for fresh credentials: a quarter of the lifetime early, at most 15 minutes."""
    margin = min(15 * 60, (expires_at - issued_at) // 4)
    return expires_at - margin


def ice_servers_for(claims, now=None):
    """Return the ICE servers for this participant: nothing public unless the deployment configures it."""
    servers = []
    if settings.STUN_URLS:
        servers.append({"urls": list(settings.STUN_URLS)})
    if settings.TURN_URLS:
        username, credential, _ = turn_credentials(
            claims.identity, settings.TURN_SECRET, settings.TURN_CREDENTIAL_LIFETIME, now=now
        )
        servers.append({"urls": list(settings.TURN_URLS), "username": username, "credential": credential})
    return servers


def ice_transport_policy_for(room):
    """Return "all" or "relay": the room's own policy, else the deployment's."""
    return room.ice_transport_policy or settings.ICE_TRANSPORT_POLICY


def ice_servers_expire_at(now=None):
    """Return when fresh servers should be fetched (ISO 8601, UTC), or None when nothing expires."""
    if not settings.TURN_URLS:
        return None
    issued_at = int(now if now is not None else time.time())
    refresh_at = refresh_time(issued_at, issued_at + settings.TURN_CREDENTIAL_LIFETIME)
    return datetime.fromtimestamp(refresh_at, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def ice_configuration(claims, room):
    """Return the ICE part of `welcome` and of the `ice-servers` answer."""
    now = int(time.time())
    return {
        "ice_servers": ice_servers_for(claims, now=now),
        "ice_transport_policy": ice_transport_policy_for(room),
        # When the servers hold expiring credentials, the time (ISO 8601) to ask for fresh ones before; else null.
        "ice_servers_expire_at": ice_servers_expire_at(now=now),
    }


def rtc_configuration(servers, ice_transport_policy="all"):
    """Return aiortc's RTCConfiguration for these servers; an empty list stays empty (no default public STUN).

    aiortc uses one STUN and one TURN URL (the first of each it can use), so list the preferred one first.
    """
    from aiortc import RTCConfiguration, RTCIceServer
    from aiortc.rtcconfiguration import RTCIceTransportPolicy

    if ice_transport_policy not in POLICIES:
        raise ValueError(f"unknown ICE transport policy {ice_transport_policy!r}")
    # aiortc swaps None for Google's STUN server; a list, even an empty one, is taken as given.
    ice_servers = [
        RTCIceServer(urls=list(server["urls"]), username=server.get("username"), credential=server.get("credential"))
        for server in servers
    ]
    return RTCConfiguration(iceServers=ice_servers, iceTransportPolicy=RTCIceTransportPolicy(ice_transport_policy))
