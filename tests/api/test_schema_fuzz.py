"""A schema-driven fuzz of the API: schemathesis generates requests from /api/schema/ and none may be a 500.

The app runs in-process through WSGI (same thread, so the test database is the app's database), called as
a signed-in person (session cookie + CSRF) and as a service (API key). Each example gets a fresh room of
Alice's and an invite in it, so the generated bodies reach real handlers instead of stopping at a 404.
"""

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from meetings import actions, invites
from meetings.models import ApiKey
from webhooks.models import Endpoint

EXAMPLES_PER_OPERATION = 25
CSRF_SECRET = "f" * 32

# The app must not close the test's database connection between requests, so its data stays visible.
pytestmark = pytest.mark.django_db(transaction=True)


# Loaded at import, through the app itself: the schema view needs no database. (schemathesis's lazy
# from_fixture loader does not work with pytest 9.)
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())


@pytest.fixture(autouse=True)
def fuzz_friendly_settings(settings):
    # The fuzz asks for many tokens; throttling is tested on its own (test_throttling.py).
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"tokens": "100000/min"}}
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


fuzz_settings = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@pytest.fixture
def as_alice(alice):
    """Headers of Alice's signed-in browser: her session cookie, and the CSRF cookie with its header."""
    client = Client()
    client.force_login(alice)
    session = client.cookies["sessionid"].value
    return {"Cookie": f"sessionid={session}; csrftoken={CSRF_SECRET}", "X-CSRFToken": CSRF_SECRET}


@pytest.fixture
def as_service(alice):
    """Headers of a service holding an API key of Alice's."""
    _, raw_key = ApiKey.create_key("Fuzzing service", created_by=alice)
    return {"Authorization": f"Api-Key {raw_key}"}


@pytest.fixture
def as_operator(django_user_model):
    """Headers of Olivia's signed-in browser: she is staff, so the webhook endpoints answer her."""
    olivia = django_user_model.objects.create_user("olivia", "olivia@example.org", "olivia-password-1", is_staff=True)
    client = Client()
    client.force_login(olivia)
    session = client.cookies["sessionid"].value
    return {"Cookie": f"sessionid={session}; csrftoken={CSRF_SECRET}", "X-CSRFToken": CSRF_SECRET}


def aim_at_a_real_room(case, alice):
    """Point the case at a fresh room of Alice's (and an invite in it) when its path names one, and at a real
    webhook endpoint when it names one."""
    parameters = case.path_parameters or {}
    if "slug" in parameters:
        room = actions.create_room(alice, "Fuzzed room")
        parameters["slug"] = room.slug
        if "invite_id" in parameters:
            parameters["invite_id"] = invites.create_invite(room, created_by=alice).pk
    if "endpoint_id" in parameters:
        parameters["endpoint_id"] = Endpoint.objects.create(name="Fuzzed", url="https://hooks.example.org/").pk


def check(case, headers):
    case.call_and_validate(
        headers=headers, checks=[not_a_server_error, status_code_conformance, response_schema_conformance]
    )


@schema.parametrize()
@fuzz_settings
def test_the_api_never_fails_a_signed_in_person(case, alice, as_alice):
    aim_at_a_real_room(case, alice)
    check(case, as_alice)


@schema.parametrize()
@fuzz_settings
def test_the_api_never_fails_a_service(case, alice, as_service):
    aim_at_a_real_room(case, alice)
    check(case, as_service)


@schema.parametrize()
@fuzz_settings
def test_the_api_never_fails_an_operator(case, alice, as_operator):
    aim_at_a_real_room(case, alice)
    check(case, as_operator)
