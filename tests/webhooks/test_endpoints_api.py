"""Webhook endpoints through the API: staff (or a staff member's API key) only; the secret is shown once."""

import pytest
from rest_framework.test import APIClient

from meetings.models import ApiKey
from webhooks.models import Delivery, Endpoint

pytestmark = pytest.mark.django_db

URL = "/api/v1/webhooks/"


@pytest.fixture
def olivia(django_user_model):
    """Olivia operates the deployment: she is staff."""
    return django_user_model.objects.create_user("olivia", "olivia@example.org", "olivia-password-1", is_staff=True)


@pytest.fixture
def client_for():
    def make(user):
        client = APIClient()
        client.force_login(user)
        return client
    return make


@pytest.fixture
def as_olivia(client_for, olivia):
    return client_for(olivia)


def test_olivia_adds_an_endpoint_and_sees_its_secret_only_in_that_answer(as_olivia):
    response = as_olivia.post(URL, {"name": "CRM", "url": "https://crm.example.org/hooks",
                                    "event_types": ["meeting.ended", "room.created", "room.created"]}, format="json")
    assert response.status_code == 201
    created = response.json()
    assert created["secret"].startswith("whsec_")
    assert created["event_types"] == ["room.created", "meeting.ended"]
    assert created["state"] == "active"
    assert Endpoint.objects.get().secret == created["secret"]

    listed = as_olivia.get(URL).json()
    assert [item["name"] for item in listed] == ["CRM"]
    assert "secret" not in listed[0]
    assert "secret" not in as_olivia.get(f"{URL}{created['id']}/").json()
    assert created["secret"].startswith(listed[0]["secret_hint"].rstrip("…"))


def test_rotating_gives_a_new_secret_once(as_olivia):
    endpoint = Endpoint.objects.create(name="CRM", url="https://crm.example.org/hooks")
    response = as_olivia.post(f"{URL}{endpoint.pk}/secret/")
    assert response.status_code == 200
    endpoint.refresh_from_db()
    assert response.json()["secret"] == endpoint.secret


def test_alice_who_is_not_staff_is_refused(client_for, alice):
    response = client_for(alice).get(URL)
    assert response.status_code == 403
    assert response.json()["code"] == "not-staff"


def test_an_api_key_made_by_staff_may_manage_webhooks_but_not_one_made_by_alice(olivia, alice):
    for owner, status in ((olivia, 200), (alice, 403)):
        _, raw_key = ApiKey.create_key("Automation", created_by=owner)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw_key}")
        assert client.get(URL).status_code == status


def test_nobody_signed_in_gets_401(client):
    assert client.get(URL).status_code == 401


@pytest.mark.parametrize("body, field", [
    ({"name": "x", "url": "not a url"}, "url"),
    ({"name": "x", "url": "https://a.example/", "event_types": ["room.exploded"]}, "event_types"),
    ({"name": "x", "url": "https://a.example/", "event_types": "room.created"}, "event_types"),
    ({"url": "https://a.example/"}, "name"),
])
def test_bad_input_is_a_json_error_naming_the_field(as_olivia, body, field):
    response = as_olivia.post(URL, body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert field in response.json()["errors"]


def test_an_unknown_endpoint_is_a_json_404(as_olivia):
    response = as_olivia.get(f"{URL}424242/")
    assert response.status_code == 404
    assert response.json()["code"] == "not-found"


def test_re_enabling_through_the_api_makes_waiting_deliveries_due_at_once(as_olivia, alice):
    from meetings import actions

    endpoint = Endpoint.objects.create(name="CRM", url="https://crm.example.org/hooks")
    actions.create_room(alice, "Weekly")
    Endpoint.objects.filter(pk=endpoint.pk).update(is_active=False, disabled_reason="kept failing")
    Delivery.objects.update(next_attempt_at="2100-01-01T00:00:00Z")

    response = as_olivia.patch(f"{URL}{endpoint.pk}/", {"is_active": True}, format="json")
    assert response.json()["state"] == "active"
    assert response.json()["disabled_reason"] == ""
    assert Delivery.objects.get().next_attempt_at.year < 2100


def test_deliveries_list_their_attempts(as_olivia, alice):
    from meetings import actions
    from webhooks import delivery

    endpoint = Endpoint.objects.create(name="CRM", url="https://crm.example.org/hooks")
    actions.create_room(alice, "Weekly")
    [job] = delivery.claim("w", 10)
    delivery.record(job, delivery.Outcome(False, None, 1.5, "ConnectionError: refused"))
    [item] = as_olivia.get(f"{URL}{endpoint.pk}/deliveries/").json()
    assert item["type"] == "room.created"
    assert item["attempt_log"] == [{"attempted_at": item["attempt_log"][0]["attempted_at"], "succeeded": False,
                                    "status_code": None, "latency_ms": 1500, "error": "ConnectionError: refused"}]
