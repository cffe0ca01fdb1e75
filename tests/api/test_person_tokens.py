"""POST /api/v1/rooms/<slug>/tokens/ for a signed-in person (session cookie + CSRF)."""

import time

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from tests.api.helpers import parse_time, token_url

pytestmark = pytest.mark.django_db


def test_alice_gets_a_host_token_for_her_own_room(client_for, alice, members_room, decode):
    response = client_for(alice).post(token_url(members_room))

    assert response.status_code == 201
    body = response.json()
    claims = decode(body["token"], members_room)
    assert claims.identity == f"user:{alice.pk}"
    assert claims.name == "Alice"
    assert claims.role == "host"
    assert claims.room == members_room.slug
    lifetime = settings.ROOM_TOKEN_LIFETIME.total_seconds()
    assert abs(claims.expires_at - (time.time() + lifetime)) < 5
    assert parse_time(body["expires_at"]).timestamp() == claims.expires_at
    assert body["identity"] == claims.identity
    assert body["role"] == "host"
    assert body["room"] == {
        "slug": members_room.slug,
        "name": "Design review",
        "access": "members",
        "max_participants": members_room.max_participants,
        "is_locked": False,
    }


def test_the_websocket_url_names_the_room_on_the_host_that_was_asked(client_for, alice, link_room):
    response = client_for(alice).post(token_url(link_room))

    assert response.json()["websocket_url"] == f"ws://testserver/ws/rooms/{link_room.slug}/"


def test_the_websocket_url_is_wss_when_the_request_is_secure(client_for, alice, link_room):
    response = client_for(alice).post(token_url(link_room), secure=True)

    assert response.json()["websocket_url"] == f"wss://testserver/ws/rooms/{link_room.slug}/"


def test_bob_gets_a_participant_token_for_a_members_only_room_he_belongs_to(client_for, bob, members_room, decode):
    response = client_for(bob).post(token_url(members_room))

    assert response.status_code == 201
    claims = decode(response.json()["token"], members_room)
    assert (claims.identity, claims.role) == (f"user:{bob.pk}", "participant")


def test_carol_cannot_get_a_token_for_alices_members_only_room(client_for, carol, members_room):
    response = client_for(carol).post(token_url(members_room))

    assert response.status_code == 403
    assert response.json()["code"] == "not-a-member"


def test_carol_gets_a_participant_token_for_a_room_open_to_anyone_with_the_link(client_for, carol, link_room, decode):
    response = client_for(carol).post(token_url(link_room))

    assert response.status_code == 201
    assert decode(response.json()["token"], link_room).role == "participant"


def test_a_token_for_a_room_that_does_not_exist_is_a_json_404(client_for, alice):
    response = client_for(alice).post(token_url("no-such-room"))

    assert response.status_code == 404
    assert response.json()["code"] == "not-found"


def test_an_anonymous_caller_is_refused_with_a_code(anonymous, link_room):
    response = anonymous.post(token_url(link_room))

    assert response.status_code == 401
    assert response.json()["code"] == "not-authenticated"
    assert response["WWW-Authenticate"].startswith("Api-Key")


def test_a_signed_in_person_must_send_the_csrf_token(alice, link_room):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(alice)

    response = client.post(token_url(link_room))

    assert response.status_code == 403
    assert response.json()["code"] == "csrf-failed"


def test_a_signed_in_person_with_the_csrf_token_gets_a_token(alice, link_room):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(alice)
    csrf = "a" * 32  # a CSRF secret as the cookie holds it; the header may carry it as is
    client.cookies["csrftoken"] = csrf

    response = client.post(token_url(link_room), HTTP_X_CSRFTOKEN=csrf)

    assert response.status_code == 201


def test_the_token_endpoint_only_accepts_post(client_for, alice, link_room):
    response = client_for(alice).get(token_url(link_room))

    assert response.status_code == 405
    assert response.json()["code"] == "method-not-allowed"
