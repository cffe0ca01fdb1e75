"""The connectivity check page: the browser tries the configured STUN and TURN servers itself (static/js/check.js)."""

import time

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.shortcuts import render

from meetings.tokens import ROLE_PERMISSIONS, RoomClaims
from signalling.ice import ice_servers_for

CHECK_TIMEOUT_MS = 8000


def may_have_turn_credentials(user):
    """Count this hour's credentials for the account; return whether it may have another."""
    key = f"confer:turn-checks:{user.pk}:{int(time.time() // 3600)}"
    cache.add(key, 0, timeout=3600)
    return cache.incr(key) <= settings.TURN_CHECKS_PER_HOUR


@login_required
def check(request):
    """Show the connectivity check; TURN credentials go only to signed-in people, a few times an hour."""
    if not may_have_turn_credentials(request.user):
        config = {"ice_servers": [{"urls": list(settings.STUN_URLS)}] if settings.STUN_URLS else [],
                  "ice_transport_policy": "all", "timeout_ms": CHECK_TIMEOUT_MS}
        return render(request, "signalling/check.html", {"check_config": config, "limited": True}, status=429)
    now = int(time.time())
    claims = RoomClaims(
        identity=f"user:{request.user.pk}",
        name=getattr(request.user, "name", "") or request.user.get_username(),
        room="",
        role="participant",
        issued_at=now,
        expires_at=now + settings.TURN_CREDENTIAL_LIFETIME,
        token_id="connectivity-check",
        permissions=ROLE_PERMISSIONS["participant"],
    )
    config = {
        "ice_servers": ice_servers_for(claims, now=now),
        "ice_transport_policy": settings.ICE_TRANSPORT_POLICY,
        "timeout_ms": CHECK_TIMEOUT_MS,
    }
    return render(request, "signalling/check.html", {"check_config": config})
