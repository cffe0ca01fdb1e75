"""A room set to "Relay (TURN) only" works through the server: the browsers relay to Janus through coturn, with the
same TURN settings Confer hands them for the mesh."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import join
from tests.servers import Deployment
from tests.sfu.browsers import REMOTE_FRAMES, SELECTED_PAIRS
from tests.sfu.conftest import create_people, make_room, sfu_env
from tests.sfu.test_a_growing_meeting_moves_through_the_server import wait_for
from tests.sfu.test_a_large_meeting_in_chromium import frames_advance
from tests.turn_server import TurnServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SECRET = "confer-test-turn-secret-for-janus"


class RelayToJanus(TurnServer):
    """The test coturn, relaying from 127.0.0.2: Janus's sockets are pinned to that link and cannot answer 127.0.0.1."""

    def render_config(self):
        return super().render_config().replace("relay-ip=127.0.0.1", "relay-ip=127.0.0.2")


@pytest.fixture(scope="module")
def relay_worker(tmp_path_factory, redis_server, janus):
    coturn = RelayToJanus(tmp_path_factory.mktemp("coturn"), SECRET).start()
    deployment = Deployment(tmp_path_factory.mktemp("relay"), redis_url=redis_server.url, extra_env=sfu_env(
        janus, TURN_URLS=",".join(coturn.urls), TURN_SECRET=SECRET)).setup()
    create_people(deployment)
    yield deployment, deployment.start_worker(), coturn
    deployment.stop()
    coturn.stop()


def test_two_relay_only_browsers_meet_through_coturn_and_janus(relay_worker, open_page):
    deployment, worker, coturn = relay_worker
    slug = make_room(deployment, "Locked-down network", owner="alice")
    deployment.run_python("import json\nfrom meetings.models import Room\nfrom meetings import actions\n"
                          f"actions.update_room(Room.objects.get(slug={slug!r}), ice_transport_policy='relay')\n"
                          "print(json.dumps(True))")
    alice, bob = open_page(worker, "alice"), open_page(worker, "bob")
    for page in (alice, bob):
        join(page, slug)
        expect(page.locator("#room[data-route=sfu]")).to_be_attached()
    for page in (alice, bob):
        frames_advance(page, list(page.evaluate(REMOTE_FRAMES)), by=10, timeout=30)
        wait_for(lambda: len(page.evaluate(SELECTED_PAIRS)) == 2, what="two connections up")
        pairs = page.evaluate(SELECTED_PAIRS)
        assert all(pair["localType"] == "relay" for pair in pairs), pairs
        assert all(pair["remote"].startswith("127.0.0.2:") for pair in pairs), pairs
    assert "ALLOCATE" in coturn.log() or "allocation" in coturn.log().lower()
