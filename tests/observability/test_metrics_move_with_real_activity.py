"""/metrics on real daphne workers sharing PROMETHEUS_MULTIPROC_DIR: values follow real activity, several
workers report as one service, and a killed worker's open sockets stop counting."""

import pytest

from tests.observability.conftest import METRICS_TOKEN, get, scrape, value
from tests.servers import Deployment
from tests.signalling_client import SignallingClient, room_token
from tests.webhooks.conftest import wait_until

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("metrics")
    deployment = Deployment(workdir, extra_env={
        "METRICS_TOKEN": METRICS_TOKEN, "PROMETHEUS_MULTIPROC_DIR": str(workdir / "prometheus"),
    }).setup()
    deployment.create_user("alice", "alice-password-1", "Alice")
    yield deployment
    deployment.stop()


def healthz_requests(samples):
    return value(samples, "confer_http_request_seconds_count", method="GET", route="healthz", status="200")


def test_meetings_participants_sockets_and_requests_move_and_two_workers_report_as_one(deployment):
    first = deployment.start_worker()
    second = deployment.start_worker()
    slug = deployment.create_room("alice", "Metrics")
    before = scrape(second)
    assert value(before, "confer_meetings_live") == 0
    assert value(before, "confer_websockets_open") == 0

    for _ in range(3):
        assert get(first.base_url + "/healthz")[0] == 200
    alice = SignallingClient(first.ws_url, slug)
    bob = SignallingClient(first.ws_url, slug)
    try:
        assert alice.join(room_token(slug, "user:1", "Alice", role="host"))["type"] == "welcome"
        assert bob.join(room_token(slug, "ext:1:bob", "Bob"))["type"] == "welcome"

        during = scrape(second)  # the other worker: it adds up every worker's files
        assert value(during, "confer_meetings_live") == 1
        assert value(during, "confer_participants_live", role="host") == 1
        assert value(during, "confer_participants_live", role="participant") == 1
        assert value(during, "confer_websockets_open") == 2
        assert healthz_requests(during) - healthz_requests(before) == 3

        first.kill()  # as a crash would: its sockets are gone, its files stay
        after = scrape(second)
        assert value(after, "confer_websockets_open") == 0
        assert value(after, "confer_websockets_opened_total") == 2  # counters of a dead worker still count
        assert healthz_requests(after) == healthz_requests(during)
    finally:
        alice.close()
        bob.close()


def test_the_webhook_queue_is_counted_at_scrape_time(deployment):
    worker = deployment.start_worker()
    deployment.run_python("import json\nfrom webhooks.models import Endpoint\n"
                          "Endpoint.objects.create(name='Nowhere', url='http://127.0.0.1:9/hooks')\n"
                          "print(json.dumps(True))")
    deployment.create_room("alice", "Queued")
    samples = scrape(worker)
    assert value(samples, "confer_webhook_queue") == 1
    assert value(samples, "confer_webhook_endpoints", state="active") == 1

    deployment.start_command("deliver_webhooks", "--poll", "0.1")
    wait_until(lambda: value(scrape(worker), "confer_webhook_attempts_total", outcome="failure") >= 1,
               what="the webhook worker's failed attempt to show in /metrics")
    assert value(scrape(worker), "confer_webhook_endpoints", state="failing") == 1


def test_joins_refusals_and_relays_of_the_signalling_server_are_counted(deployment):
    worker = deployment.start_worker()
    slug = deployment.create_room("alice", "Counted")
    before = scrape(worker)
    alice, bob = SignallingClient(worker.ws_url, slug), SignallingClient(worker.ws_url, slug)
    stranger = SignallingClient(worker.ws_url, slug)
    try:
        alice.join(room_token(slug, "user:1", "Alice", role="host"))
        bob.join(room_token(slug, "ext:1:bob", "Bob"))
        for n in range(5):
            bob.send({"type": "offer", "to": alice.peer_id, "description": {"type": "offer", "sdp": f"v=0\r\n{n}"}})
            alice.receive_type("offer")
        bob.send({"type": "chat", "text": "counted too"})
        alice.receive_type("chat")
        stranger.send({"type": "join", "token": "not-a-token", "versions": [1]})
        assert stranger.wait_closed() == 4100
    finally:
        for client in (alice, bob, stranger):
            client.close()
    after = scrape(worker)

    def moved(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("confer_signalling_joins_total", role="host") == 1
    assert moved("confer_signalling_joins_total", role="participant") == 1
    assert moved("confer_signalling_refusals_total", reason="token-invalid") == 1
    assert moved("confer_signalling_relayed_messages_total", kind="offer") == 5
    assert moved("confer_signalling_relay_seconds_count", kind="offer") == 5
    assert moved("confer_signalling_relayed_messages_total", kind="chat") == 1
