"""/check/: for signed-in people only, with their own TURN credentials and never the secret."""

import json

import pytest
from django.urls import reverse

from signalling.ice import turn_credential, turn_user_part
from tests.ice.conftest import TURN_TEST_SECRET

pytestmark = pytest.mark.django_db

TURN_URLS = ["turn:turn.example.org:3478?transport=udp", "turns:turn.example.org:5349?transport=tcp"]


def check_config(response):
    html = response.content.decode()
    start = html.index('<script id="check-config" type="application/json">') + len(
        '<script id="check-config" type="application/json">'
    )
    return json.loads(html[start:html.index("</script>", start)])


def test_someone_signed_out_is_sent_to_sign_in_and_gets_no_credentials(client, turn_settings):
    turn_settings(turn_urls=TURN_URLS)
    response = client.get("/check/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_alice_gets_her_own_credentials_and_never_the_secret(client, alice, turn_settings):
    turn_settings(turn_urls=TURN_URLS, stun_urls=["stun:stun.example.org:3478"], policy="relay")
    client.force_login(alice)
    response = client.get("/check/")
    assert response.status_code == 200
    assert TURN_TEST_SECRET not in response.content.decode()
    config = check_config(response)
    stun, turn = config["ice_servers"]
    assert stun == {"urls": ["stun:stun.example.org:3478"]}
    assert turn["urls"] == TURN_URLS
    assert turn["username"].endswith(":" + turn_user_part(f"user:{alice.pk}"))
    assert turn["credential"] == turn_credential(TURN_TEST_SECRET, turn["username"])
    assert config["ice_transport_policy"] == "relay"


def test_with_nothing_configured_the_page_still_checks_direct_connections(client, alice, turn_settings):
    turn_settings()
    client.force_login(alice)
    response = client.get("/check/")
    assert check_config(response)["ice_servers"] == []
    html = response.content.decode()
    assert "<h1>Connectivity check</h1>" in html
    assert 'role="status"' in html
    assert "js/check.js" in html
