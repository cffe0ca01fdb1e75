"""/metrics: Prometheus text for whoever brings METRICS_TOKEN, or connects from METRICS_ALLOWED_IPS."""

import hmac
import ipaddress

from django.conf import settings
from django.http import HttpResponse, HttpResponseForbidden
from prometheus_client import CONTENT_TYPE_LATEST

from config.proxies import UNTRUSTED_FORWARDING
from observability import exposition

# config.proxies names the client: the TCP peer, or what a trusted proxy forwarded. A request that carried
# forwarded headers from a peer that is not a trusted proxy came through an unconfigured proxy (or claims to): its
# TCP peer may be that proxy, standing for everyone behind it, so it is never let in by address, only by token.


def bearer_token(request):
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def peer_address(request):
    """Return the client's address, or None when an untrusted peer forwarded it (or the server does not say)."""
    scope = getattr(request, "scope", {})
    if scope.get(UNTRUSTED_FORWARDING):
        return None
    client = scope.get("client")
    host = client[0] if client else request.META.get("REMOTE_ADDR")
    try:
        address = ipaddress.ip_address(host)
    except (TypeError, ValueError):
        return None
    return address.ipv4_mapped or address if address.version == 6 else address


def allowed(request):
    token = settings.METRICS_TOKEN
    if token and hmac.compare_digest(bearer_token(request).encode(), token.encode()):
        return True
    address = peer_address(request)
    return address is not None and any(address in network for network in settings.METRICS_ALLOWED_NETWORKS)


def metrics_view(request):
    if not allowed(request):
        return HttpResponseForbidden(
            "Forbidden: /metrics needs `Authorization: Bearer <METRICS_TOKEN>` or a direct connection from an "
            "address in METRICS_ALLOWED_IPS.\n", content_type="text/plain"
        )
    return HttpResponse(exposition.render(), content_type=CONTENT_TYPE_LATEST)
