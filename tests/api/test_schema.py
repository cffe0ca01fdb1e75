"""The OpenAPI schema at /api/schema/ and the browsable docs at /api/docs/, served without a CDN."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_schema_describes_every_endpoint_and_both_ways_to_authenticate(client):
    response = client.get("/api/schema/?format=json")

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert set(schema["paths"]) == {
        "/api/v1/rooms/",
        "/api/v1/rooms/{slug}/",
        "/api/v1/rooms/{slug}/tokens/",
        "/api/v1/rooms/{slug}/meeting/",
        "/api/v1/rooms/{slug}/participants/",
        "/api/v1/rooms/{slug}/participants/{peer_id}/",
        "/api/v1/rooms/{slug}/participants/{peer_id}/mute/",
        "/api/v1/rooms/{slug}/invites/",
        "/api/v1/rooms/{slug}/invites/{invite_id}/",
        "/api/v1/rooms/{slug}/recording/",
        "/api/v1/rooms/{slug}/recordings/",
        "/api/v1/rooms/{slug}/recordings/{recording_id}/",
        "/api/v1/rooms/{slug}/recordings/{recording_id}/files/{file_id}/",
        "/api/v1/webhooks/",
        "/api/v1/webhooks/{endpoint_id}/",
        "/api/v1/webhooks/{endpoint_id}/secret/",
        "/api/v1/webhooks/{endpoint_id}/deliveries/",
    }
    schemes = schema["components"]["securitySchemes"]
    assert schemes["ApiKeyAuth"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": schemes["ApiKeyAuth"]["description"],
    }
    assert "cookieAuth" in schemes
    token_operation = schema["paths"]["/api/v1/rooms/{slug}/tokens/"]["post"]
    assert set(token_operation["responses"]) == {"201", "400", "401", "403", "404", "429"}


def test_the_docs_page_loads_swagger_ui_from_this_site(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "swagger-ui" in page
    assert "cdn.jsdelivr.net" not in page
    assert "/static/drf_spectacular_sidecar/" in page


def test_swagger_uis_script_is_served_by_this_site(client):
    response = client.get("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")

    assert response.status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/rooms/{slug}/invites/99999999999999999999999/",
        "/api/v1/rooms/{slug}/recordings/59301181913216860160/",
        "/api/v1/rooms/{slug}/recordings/1/files/59301181913216860160/",
    ],
)
def test_an_id_too_large_for_the_database_is_a_json_404_not_a_server_error(client, alice, path):
    from meetings import actions

    room = actions.create_room(alice, "Ids")
    client.force_login(alice)
    response = client.get(path.format(slug=room.slug))
    assert response.status_code == 404
    assert response.json()["code"] == "not-found"
