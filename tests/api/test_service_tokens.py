"""POST /api/v1/rooms/<slug>/tokens/ for a service holding an API key, naming its own user."""

import pytest
from rest_framework.test import APIClient

from meetings import invites
from meetings.models import ApiKey
from tests.api.helpers import token_url

pytestmark = pytest.mark.django_db

DANA = {"identity": "customer-42", "name": "Dana", "role": "participant"}


def test_a_service_gets_a_token_for_the_identity_name_and_role_it_names(service, service_key, link_room, decode):
    response = service.post(token_url(link_room), DANA, format="json")

    assert response.status_code == 201
    claims = decode(response.json()["token"], link_room)
    assert claims.identity == f"ext:{service_key[0].pk}:customer-42"
    assert claims.name == "Dana"
    assert claims.role == "participant"
    assert claims.permissions == ("publish", "subscribe", "chat")


@pytest.mark.parametrize("role", ["host", "moderator", "participant", "viewer"])
def test_a_service_may_name_any_visible_role(service, link_room, decode, role):
    response = service.post(token_url(link_room), {**DANA, "role": role}, format="json")

    assert response.status_code == 201
    assert decode(response.json()["token"], link_room).role == role


def test_the_role_defaults_to_participant(service, link_room, decode):
    response = service.post(token_url(link_room), {"identity": "customer-42", "name": "Dana"}, format="json")

    assert decode(response.json()["token"], link_room).role == "participant"


def test_an_unknown_role_is_refused(service, link_room):
    response = service.post(token_url(link_room), {**DANA, "role": "owner"}, format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert "role" in body["errors"]


@pytest.mark.parametrize(
    "change",
    [{"identity": ""}, {"identity": "has spaces"}, {"identity": "x" * 129}, {"name": ""}, {"name": "n" * 65}],
    ids=["empty-identity", "identity-with-spaces", "long-identity", "empty-name", "long-name"],
)
def test_a_bad_identity_or_name_is_refused(service, link_room, change):
    response = service.post(token_url(link_room), {**DANA, **change}, format="json")

    assert response.status_code == 400
    assert set(response.json()["errors"]) == set(change)


def test_a_service_cannot_pose_as_an_account(service, link_room, decode):
    response = service.post(token_url(link_room), {**DANA, "identity": "user:1"}, format="json")

    assert decode(response.json()["token"], link_room).identity.startswith("ext:")


def test_a_service_token_for_a_room_that_does_not_exist_is_a_json_404(service):
    response = service.post(token_url("no-such-room"), DANA, format="json")

    assert response.status_code == 404
    assert response.json()["code"] == "not-found"


def test_a_service_may_not_issue_tokens_for_a_room_its_owner_does_not_own(bob, members_room):
    """Finding 6: any API key could mint tokens for any room of the deployment."""
    _, raw_key = ApiKey.create_key("Bob's service", created_by=bob)
    client = APIClient(HTTP_AUTHORIZATION=f"Api-Key {raw_key}")

    response = client.post(token_url(members_room), DANA, format="json")

    assert (response.status_code, response.json()["code"]) == (403, "not-this-keys-room")


def test_a_room_granted_to_a_key_opens_to_it_even_without_an_owner(members_room, decode):
    key, raw_key = ApiKey.create_key("Lobby screen")
    key.rooms.add(members_room)
    client = APIClient(HTTP_AUTHORIZATION=f"Api-Key {raw_key}")

    response = client.post(token_url(members_room), DANA, format="json")

    assert response.status_code == 201
    assert decode(response.json()["token"], members_room).role == "participant"


def test_no_service_may_mint_a_hidden_recorder(service, link_room):
    """Finding 6: a recorder token let its holder join unseen and receive media."""
    response = service.post(token_url(link_room), {**DANA, "role": "recorder"}, format="json")

    assert (response.status_code, response.json()["code"]) == (400, "invalid")
    assert "role" in response.json()["errors"]


def test_a_revoked_api_key_is_refused(service, service_key, link_room):
    invites.revoke_api_key(service_key[0])

    response = service.post(token_url(link_room), DANA, format="json")

    assert response.status_code == 401
    assert response.json()["code"] == "api-key-revoked"


def test_an_unknown_api_key_is_refused(link_room):
    client = APIClient(HTTP_AUTHORIZATION="Api-Key cfk_not-a-key")

    response = client.post(token_url(link_room), DANA, format="json")

    assert response.status_code == 401
    assert response.json()["code"] == "api-key-invalid"


def test_a_malformed_authorization_header_is_refused(link_room):
    client = APIClient(HTTP_AUTHORIZATION="Api-Key")

    response = client.post(token_url(link_room), DANA, format="json")

    assert response.status_code == 401
    assert response.json()["code"] == "api-key-malformed"


def test_a_key_whose_owner_was_deactivated_is_refused(service, alice, link_room):
    alice.is_active = False
    alice.save()

    response = service.post(token_url(link_room), DANA, format="json")

    assert response.status_code == 401
    assert response.json()["code"] == "api-key-revoked"


def test_using_a_key_records_when_it_was_last_used(service, service_key, link_room):
    service.post(token_url(link_room), DANA, format="json")

    service_key[0].refresh_from_db()
    assert service_key[0].last_used is not None


def test_a_service_request_needs_no_csrf_token(service_key, link_room):
    client = APIClient(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Api-Key {service_key[1]}")

    response = client.post(token_url(link_room), DANA, format="json")

    assert response.status_code == 201
