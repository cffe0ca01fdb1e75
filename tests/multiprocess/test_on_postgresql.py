"""The same room on PostgreSQL and Redis, the engines of a scaled-out deployment: two workers, one room."""

import concurrent.futures

import pytest

from tests.servers import Deployment, PostgresServer
from tests.signalling_client import SignallingClient, room_token

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def deployment(tmp_path_factory, redis_server):
    postgres = PostgresServer().start()
    deployment = Deployment(tmp_path_factory.mktemp("on-postgres"), redis_url=redis_server.url,
                            extra_env={"DATABASE_URL": postgres.url}).setup()
    deployment.create_user("alice", "alice-password-1", "Alice")
    deployment.workers_started = [deployment.start_worker(), deployment.start_worker()]
    yield deployment
    deployment.stop()
    postgres.stop()


def test_the_deployment_really_runs_on_postgresql(deployment):
    engine = deployment.run_python("import json\nfrom django.db import connection\nprint(json.dumps(connection.vendor))")
    assert engine == "postgresql"


def test_alice_and_bob_on_two_workers_see_each_other_and_signal(deployment):
    room = deployment.create_room("alice", "On PostgreSQL")
    first, second = deployment.workers_started
    alice, bob = SignallingClient(first.ws_url, room), SignallingClient(second.ws_url, room)
    try:
        alice.join(room_token(room, "user:1", "Alice", role="host"))
        assert [p["name"] for p in bob.join(room_token(room, "user:2", "Bob"))["roster"]] == ["Alice"]
        assert alice.receive_type("peer-joined")["peer"]["name"] == "Bob"
        bob.send({"type": "chat", "text": "hello from the other worker"})
        assert alice.receive_type("chat")["message"]["text"] == "hello from the other worker"
    finally:
        alice.close()
        bob.close()


def test_a_rush_of_joins_never_overfills_a_room_under_postgresqls_row_lock(deployment):
    room = deployment.create_room("alice", "Rush", max_participants=4)

    def try_to_join(number):
        client = SignallingClient(deployment.workers_started[number % 2].ws_url, room)
        return client, client.join(room_token(room, f"user:{200 + number}", f"Person {number}"))

    with concurrent.futures.ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(try_to_join, range(10)))
    kinds = sorted(answer["type"] if answer["type"] == "welcome" else answer["code"] for _, answer in results)
    assert kinds == ["room-full"] * 6 + ["welcome"] * 4
    for client, _ in results:
        client.close()
