"""Every API error is JSON with a code."""

import pytest

pytestmark = pytest.mark.django_db


def test_an_address_under_api_that_names_nothing_is_a_json_404(client_for, alice):
    response = client_for(alice).get("/api/v2/whatever/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not-found"


def test_malformed_json_is_a_parse_error(client_for, alice):
    response = client_for(alice).generic("POST", "/api/v1/rooms/", "{not json", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "parse-error"


def test_a_form_body_is_an_unsupported_media_type(client_for, alice):
    response = client_for(alice).post("/api/v1/rooms/", {"name": "x"})

    assert response.status_code == 415
    assert response.json()["code"] == "unsupported-media-type"


def test_a_list_where_an_object_belongs_is_invalid(client_for, alice):
    response = client_for(alice).post("/api/v1/rooms/", [1, 2], format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert response.json()["detail"]


def test_an_unexpected_failure_is_json_too(client_for, alice, monkeypatch):
    from meetings import actions

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(actions, "create_room", broken)

    response = client_for(alice).post("/api/v1/rooms/", {"name": "x"}, format="json")

    assert response.status_code == 500
    assert response.json() == {"code": "server-error", "detail": "Something went wrong on our side."}
