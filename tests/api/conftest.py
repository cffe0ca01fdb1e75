import pytest
from django.conf import settings
from django.core.cache import cache
from rest_framework.test import APIClient

from meetings import actions
from meetings.models import ApiKey, Room
from meetings.tokens import verify_room_token


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_throttle_counts():
    """Throttle counts live in the cache; each test starts with a full budget."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def link_room(alice):
    """Alice's room that anyone signed in may join with the link."""
    return actions.create_room(alice, "Weekly sync")


@pytest.fixture
def members_room(alice, bob):
    """Alice's members-only room; Bob is a member, Carol is not."""
    room = actions.create_room(alice, "Design review", Room.Access.MEMBERS)
    actions.add_member(room, bob)
    return room


@pytest.fixture
def client_for():
    """Return an API client signed in as a user (CSRF checks off, as for any test client)."""

    def make(user):
        client = APIClient()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def anonymous():
    return APIClient()


@pytest.fixture
def service_key(alice):
    """An API key a service holds, created by Alice: it acts for Alice's rooms. Returns (ApiKey, raw key)."""
    return ApiKey.create_key("Alice's booking site", created_by=alice)


@pytest.fixture
def service(service_key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {service_key[1]}")
    return client


@pytest.fixture
def decode():
    """Return the claims of a room token, verified as the signalling server would for that room."""

    def verify(token, room):
        return verify_room_token(
            token,
            secret=settings.ROOM_TOKEN_SECRET,
            issuer=settings.ROOM_TOKEN_ISSUER,
            audience=settings.ROOM_TOKEN_AUDIENCE,
            room=room.slug,
        )

    return verify
