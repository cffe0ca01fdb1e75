"""Several daphne workers on one Redis: the room survives a killed worker, a restarted Redis, and a rush of joins."""

import concurrent.futures
import time

import pytest

from tests.servers import Deployment
from tests.signalling_client import SignallingClient, room_token

pytestmark = pytest.mark.slow

FAST_LIVENESS = {"SIGNALLING_HEARTBEAT_SECONDS": "1", "SIGNALLING_STALE_SECONDS": "3"}


@pytest.fixture(scope="module")
def deployment(tmp_path_factory, redis_server):
    deployment = Deployment(tmp_path_factory.mktemp("failing"), redis_url=redis_server.url, extra_env=FAST_LIVENESS)
    deployment.setup()
    deployment.create_user("alice", "alice-password-1", "Alice")
    yield deployment
    deployment.stop()


@pytest.fixture(scope="module")
def room(deployment):
    return deployment.create_room("alice", "Resilience", max_participants=3)


def joined(worker, room, identity, name, role="participant", **fields):
    client = SignallingClient(worker.ws_url, room)
    welcome = client.join(room_token(room, identity, name, role=role), **fields)
    assert welcome["type"] == "welcome", welcome
    return client


def test_when_bobs_worker_is_killed_alice_sees_him_leave_within_the_liveness_timeout(deployment):
    room = deployment.create_room("alice", "Kill test")
    survivor, doomed = deployment.start_worker(), deployment.start_worker()
    alice = joined(survivor, room, "user:1", "Alice", role="host")
    bob = joined(doomed, room, "user:2", "Bob")
    alice.receive_type("peer-joined")

    killed_at = time.monotonic()
    doomed.kill()
    left = alice.receive_type("peer-left", timeout=15)
    elapsed = time.monotonic() - killed_at
    assert (left["peer_id"], left["reason"]) == (bob.peer_id, "timeout")
    # Stale after 3 s without a heartbeat, swept within the next beats.
    assert elapsed < 3 + 1 + 3
    alice.send({"type": "resync"})
    assert [p["name"] for p in alice.receive_type("state")["state"]["peers"]] == ["Alice"]
    alice.close()


def test_after_redis_restarts_both_clients_resume_their_seats_and_signal_again(deployment, redis_server):
    room = deployment.create_room("alice", "Redis restart")
    first, second = deployment.start_worker(), deployment.start_worker()
    alice = joined(first, room, "user:1", "Alice", role="host")
    bob = joined(second, room, "user:2", "Bob")
    alice.receive_type("peer-joined")

    redis_server.kill()
    redis_server.start()
    codes = [alice.wait_closed(timeout=15), bob.wait_closed(timeout=15)]
    assert all(code in (1011, 1006, None) for code in codes), codes

    # What the room page does: reconnect with back-off and resume the seat with a fresh token.
    def resume(worker, client, identity, name, role="participant"):
        for attempt in range(20):
            try:
                again = SignallingClient(worker.ws_url, room)
                welcome = again.join(room_token(room, identity, name, role=role), **client.resume_fields())
                if welcome["type"] == "welcome":
                    return again
            except Exception:
                pass
            time.sleep(0.25 * (attempt + 1))
        raise AssertionError("could not resume after the Redis restart")

    alice_again = resume(first, alice, "user:1", "Alice", role="host")
    bob_again = resume(second, bob, "user:2", "Bob")
    assert alice_again.welcome["resumed"] and alice_again.peer_id == alice.peer_id
    assert bob_again.welcome["resumed"] and bob_again.peer_id == bob.peer_id

    alice_again.send({"type": "candidate", "to": bob.peer_id, "candidate": None})
    assert bob_again.receive_type("candidate")["from"] == alice.peer_id
    bob_again.send({"type": "chat", "text": "still here"})
    assert alice_again.receive_type("chat")["message"]["text"] == "still here"
    alice_again.close()
    bob_again.close()


def test_a_rush_of_joins_across_two_workers_never_overfills_a_room_of_three(deployment):
    room = deployment.create_room("alice", "Rush", max_participants=3)
    workers = [deployment.start_worker(), deployment.start_worker()]

    def try_to_join(number):
        client = SignallingClient(workers[number % 2].ws_url, room)
        answer = client.join(room_token(room, f"user:{100 + number}", f"Person {number}"))
        return client, answer

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(try_to_join, range(8)))
    answers = [answer for _, answer in results]
    welcomed = [a for a in answers if a["type"] == "welcome"]
    refused = [a for a in answers if a["type"] == "error"]
    assert len(welcomed) == 3
    assert [a["code"] for a in refused] == ["room-full"] * 5
    for client, _ in results:
        client.close()


def test_across_workers_alice_admits_bob_from_the_lobby_and_removes_carol(deployment):
    room = deployment.run_python(
        "import json\nfrom accounts.models import User\nfrom meetings import actions\n"
        "room = actions.create_room(User.objects.get(username='alice'), 'Lobby', 'link', 8)\n"
        "room.requires_approval = True\nroom.save()\nprint(json.dumps(room.slug))"
    )
    first, second = deployment.start_worker(), deployment.start_worker()
    alice = joined(first, room, "user:1", "Alice", role="host")
    bob = SignallingClient(second.ws_url, room)
    assert bob.join(room_token(room, "user:2", "Bob"))["type"] == "lobby"
    waiting = alice.receive_type("lobby-updated")
    assert [entry["name"] for entry in waiting["lobby"]] == ["Bob"]
    alice.send({"type": "admit", "peer_id": bob.peer_id})
    welcome = bob.receive_type("welcome")
    assert [p["name"] for p in welcome["roster"]] == ["Alice"]

    alice.send({"type": "remove", "peer_id": bob.peer_id})
    assert bob.receive_type("error")["code"] == "removed"
    assert bob.wait_closed() == 4012
    again = SignallingClient(second.ws_url, room)
    assert again.join(room_token(room, "user:2", "Bob"))["code"] == "removed"
    alice.close()
