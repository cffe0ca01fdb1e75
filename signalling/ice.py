"""The ICE servers a participant is told to use."""

from django.conf import settings


def ice_servers_for(claims):
    """Return the ICE servers for this participant: nothing public unless the deployment configures it."""
    servers = []
    if settings.STUN_URLS:
        servers.append({"urls": list(settings.STUN_URLS)})
    return servers


def ice_transport_policy_for(room):
    return "all"
