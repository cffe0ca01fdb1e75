import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def forget_rate_limits():
    """allauth counts sign-ups, emails and resets in the cache; start every test with a clean count."""
    cache.clear()
    yield
    cache.clear()
