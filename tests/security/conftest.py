from tests.signalling.conftest import alices_room, fresh_housekeeping, members_room, peers  # noqa: F401

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """allauth's and DRF's counts live in Django's cache: each test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
