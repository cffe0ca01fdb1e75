"""Token issuing is throttled per caller; a 429 is JSON with code "throttled" and Retry-After."""

import pytest

from tests.api.helpers import token_url

pytestmark = pytest.mark.django_db

DANA = {"identity": "customer-42", "name": "Dana"}


@pytest.fixture(autouse=True)
def two_tokens_a_minute(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"tokens": "2/min"}}


def test_a_third_token_in_a_minute_is_throttled(client_for, alice, link_room):
    client = client_for(alice)
    statuses = [client.post(token_url(link_room)).status_code for _ in range(3)]

    assert statuses == [201, 201, 429]


def test_a_throttled_answer_says_when_to_come_back(client_for, alice, link_room):
    client = client_for(alice)
    for _ in range(2):
        client.post(token_url(link_room))

    response = client.post(token_url(link_room))

    body = response.json()
    assert body["code"] == "throttled"
    assert 0 < body["retry_after"] <= 60
    assert int(response["Retry-After"]) == body["retry_after"]


def test_each_caller_has_its_own_budget(client_for, alice, bob, link_room, service):
    for _ in range(2):
        client_for(alice).post(token_url(link_room))

    assert client_for(bob).post(token_url(link_room)).status_code == 201
    assert service.post(token_url(link_room), DANA, format="json").status_code == 201


def test_a_service_is_throttled_by_its_key(service, link_room):
    statuses = [service.post(token_url(link_room), DANA, format="json").status_code for _ in range(3)]

    assert statuses == [201, 201, 429]


def test_the_rooms_api_is_not_throttled(client_for, alice):
    client = client_for(alice)

    assert all(client.get("/api/v1/rooms/").status_code == 200 for _ in range(5))


def test_guests_in_fresh_sessions_from_one_address_share_a_budget(alice):
    from django.test import Client
    from django.urls import reverse

    from meetings import actions
    from meetings.models import Room

    room = actions.create_room(alice, "Open house", Room.Access.ANYONE)
    statuses = []
    for _ in range(3):
        guest = Client()  # a new session each time, as a script would make them
        guest.post(reverse("room", args=[room.slug]), {"name": "Gus"})
        statuses.append(guest.post(token_url(room), "{}", content_type="application/json").status_code)

    assert statuses == [201, 201, 429]
