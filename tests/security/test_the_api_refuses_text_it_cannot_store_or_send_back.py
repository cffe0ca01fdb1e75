"""Finding 15: a token request whose `name` held a lone surrogate answered with an HTML 500."""

import pytest
from rest_framework.test import APIClient

from meetings import actions

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("body", ['{"name": "Dana \\ud800"}', '{"name": "\\udfff"}', '{"identity": "x", "name": "\\ud83d"}'])
def test_a_lone_surrogate_in_a_body_is_a_json_400(alice, body):
    room = actions.create_room(alice, "Strict")
    client = APIClient()
    client.force_login(alice)
    response = client.generic("POST", f"/api/v1/rooms/{room.slug}/tokens/", body, content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "parse-error"
    assert "surrogate" in response.json()["detail"]


def test_a_real_emoji_written_as_a_surrogate_pair_is_fine(alice):
    room = actions.create_room(alice, "Strict")
    client = APIClient()
    client.force_login(alice)
    body = '{"name": "Dana \\ud83d\\ude00"}'
    response = client.generic("POST", f"/api/v1/rooms/{room.slug}/tokens/", body, content_type="application/json")
    assert (response.status_code, response.json()["name"]) == (201, "Dana 😀")
