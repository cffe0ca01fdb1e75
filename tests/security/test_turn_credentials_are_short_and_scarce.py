"""Finding 12: any new account got 4-hour TURN credentials from /check/ as often as it liked, and a removed
participant's stayed valid for hours. They now last 10 minutes by default, and /check/ hands them out a few
times an hour."""

import json
import time

import pytest
from django.conf import settings
from django.urls import reverse

from tests.signalling.conftest import seat, token_for

pytestmark = pytest.mark.django_db


def check_config(response):
    html = response.content.decode()
    start = html.index('<script id="check-config" type="application/json">') + len(
        '<script id="check-config" type="application/json">')
    return json.loads(html[start:html.index("</script>", start)])


def turn_servers(config):
    return [server for server in config["ice_servers"] if "username" in server]


@pytest.fixture
def turn(settings):
    settings.TURN_URLS = ["turn:turn.example.org:3478"]
    settings.TURN_SECRET = "turn-secret-for-tests"
    settings.TURN_CHECKS_PER_HOUR = 3


def test_the_default_lifetime_is_ten_minutes():
    assert settings.TURN_CREDENTIAL_LIFETIME == 600


def test_the_check_page_gives_an_account_credentials_a_few_times_an_hour_then_none(client, alice, turn):
    from django.core.cache import cache

    cache.clear()
    client.force_login(alice)
    answers = [client.get(reverse("connectivity_check")) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    for answer in answers[:3]:
        [server] = turn_servers(check_config(answer))
        expires = int(server["username"].split(":")[0])
        assert expires - time.time() <= 600 + 5
    assert turn_servers(check_config(answers[3])) == []
    assert "tries without the TURN relay" in answers[3].content.decode()


@pytest.mark.django_db(transaction=True)
async def test_someone_waiting_in_the_lobby_gets_no_credentials(peers, alice, bob, alices_room, turn):
    from asgiref.sync import sync_to_async

    alices_room.requires_approval = True
    await sync_to_async(alices_room.save)()
    await seat(peers, alices_room, alice)
    waiting = await peers(alices_room.slug)
    lobby = await waiting.join(token_for(bob, alices_room), expect="lobby")
    assert "ice_servers" not in lobby and "turn" not in json.dumps(lobby)
    await waiting.send({"type": "ice-servers"})
    assert (await waiting.receive_type("error"))["code"] == "not-admitted"
