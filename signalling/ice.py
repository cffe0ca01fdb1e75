"""The ICE configuration a participant is told to use (docs/protocol.md, docs/turn.md)."""

from django.conf import settings


def ice_servers_for(claims):
    """Return the ICE servers for this participant: nothing public unless the deployment configures it."""
    servers = []
    if settings.STUN_URLS:
        servers.append({"urls": list(settings.STUN_URLS)})
    return servers


def ice_transport_policy_for(room):
    """Return "all" or "relay": the room's own policy, else the deployment's."""
    return room.ice_transport_policy or "all"


def ice_configuration(claims, room):
    """Return the ICE part of `welcome` and of the `ice-servers` answer."""
    return {
        "ice_servers": ice_servers_for(claims),
        "ice_transport_policy": ice_transport_policy_for(room),
        # When the servers hold expiring credentials, the time (ISO 8601) to ask for fresh ones before; else null.
        "ice_servers_expire_at": None,
    }
