"""Throttling of token issuing: each caller (person, guest session, API key) gets its own budget.

The rate is REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["tokens"] (TOKEN_THROTTLE_RATE, default 60/min). Counts live in
Django's cache: the default LocMemCache is per process, so with N workers a caller may get up to N times the rate;
configure a shared cache (Redis) when that matters.

A guest's session costs nothing to make (open the invite link again, or the link of a room that lets in anyone), so
guests are also counted by address: a fresh session is a fresh guest, not a fresh budget.
"""

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from meetings import guests
from meetings.authentication import Service


class TokenRateThrottle(SimpleRateThrottle):
    scope = "tokens"

    def get_rate(self):
        # Read the setting at request time rather than import time, so a changed setting takes effect.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_cache_key(self, request, view):
        user = request.user
        if isinstance(user, Service):
            caller = f"api-key:{user.api_key.pk}"
        elif user and user.is_authenticated:
            caller = f"user:{user.pk}"
        elif guests.has_guest_entries(request) and request.session.session_key:
            caller = f"session:{request.session.session_key}"
        else:
            caller = f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": caller}


class GuestAddressThrottle(TokenRateThrottle):
    """The tokens of every guest session from one address, together (people and services are not counted here)."""

    def get_cache_key(self, request, view):
        user = request.user
        if isinstance(user, Service) or (user and user.is_authenticated):
            return None
        return self.cache_format % {"scope": self.scope, "ident": f"guest-address:{self.get_ident(request)}"}
