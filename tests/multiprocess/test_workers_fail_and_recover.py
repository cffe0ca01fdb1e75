"""Several daphne workers on one Redis: the room survives a killed worker, a restarted Redis, and a rush of joins."""

import concurrent.futures
import time

import pytest

from websockets.exceptions import ConnectionClosed

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


class Reconnecting:
    """What the room page does: when the socket closes, reconnect with back-off and resume the seat."""

    def __init__(self, worker, room, identity, name, role="participant"):
        self.worker, self.room, self.identity, self.name, self.role = worker, room, identity, name, role
        self.client = joined(worker, room, identity, name, role=role)
        self.peer_id = self.client.peer_id
        self.resumes = 0

    def reconnect(self):
        for attempt in range(30):
            try:
                again = SignallingClient(self.worker.ws_url, self.room)
                welcome = again.join(room_token(self.room, self.identity, self.name, role=self.role),
                                     **self.client.resume_fields())
                if welcome["type"] == "welcome":
                    assert welcome["resumed"] and welcome["peer_id"] == self.peer_id, welcome
                    self.client, self.resumes = again, self.resumes + 1
                    return
            except (OSError, TimeoutError, ConnectionClosed):
                pass  # Redis still down: the join fails; try again
            time.sleep(0.2 * (attempt + 1))
        raise AssertionError("could not resume")

    def send(self, payload):
        try:
            self.client.send(payload)
        except (ConnectionClosed, OSError):
            self.reconnect()
            self.client.send(payload)

    def receive_type(self, message_type, timeout=3):
        try:
            return self.client.receive_type(message_type, timeout=timeout)
        except (ConnectionClosed, OSError):
            self.reconnect()
            raise TimeoutError("reconnected; ask again")


def eventually(action, timeout=30):
    """Try an exchange until it works: the room must recover on its own, within the timeout."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return action()
        except (TimeoutError, ConnectionClosed):
            if time.monotonic() > deadline:
                raise


def test_after_redis_restarts_the_room_recovers_without_anyone_reloading(deployment, redis_server):
    room = deployment.create_room("alice", "Redis restart")
    first, second = deployment.start_worker(), deployment.start_worker()
    alice = Reconnecting(first, room, "user:1", "Alice", role="host")
    bob = Reconnecting(second, room, "user:2", "Bob")
    alice.receive_type("peer-joined")

    redis_server.kill()
    time.sleep(1)
    redis_server.start()

    def candidate_crosses():
        alice.send({"type": "candidate", "to": bob.peer_id, "candidate": None})
        return bob.receive_type("candidate")

    def chat_crosses():
        bob.send({"type": "chat", "text": "still here"})
        return alice.receive_type("chat")

    assert eventually(candidate_crosses)["from"] == alice.peer_id
    assert eventually(chat_crosses)["message"]["text"] == "still here"
    # Neither was told the other left: the seats, and their peer ids, survived.
    alice.send({"type": "resync"})
    state = eventually(lambda: alice.receive_type("state"))["state"]
    assert {p["peer_id"] for p in state["peers"]} == {alice.peer_id, bob.peer_id}
    alice.client.close()
    bob.client.close()


def test_while_redis_is_down_alices_relay_to_another_worker_closes_her_socket_as_an_internal_error_and_she_resumes(
    deployment, redis_server
):
    room = deployment.create_room("alice", "Redis outage")
    worker, other_worker = deployment.start_worker(), deployment.start_worker()
    alice = joined(worker, room, "user:1", "Alice", role="host")
    carol = joined(worker, room, "user:3", "Carol")
    bob = joined(other_worker, room, "user:2", "Bob")
    alice.receive_type("peer-joined")
    alice.receive_type("peer-joined")
    redis_server.kill()
    try:
        # Carol shares Alice's worker: that relay needs no Redis, and arrives.
        alice.send({"type": "candidate", "to": carol.peer_id, "candidate": None})
        assert carol.receive_type("candidate", timeout=15)["from"] == alice.peer_id
        alice.send({"type": "candidate", "to": bob.peer_id, "candidate": None})
        error = alice.receive_type("error", timeout=15)
        assert (error["code"], error["fatal"]) == ("internal-error", True)
        assert alice.wait_closed() == 4500
    finally:
        redis_server.start()

    def resume():
        client = SignallingClient(worker.ws_url, room)
        welcome = client.join(room_token(room, "user:1", "Alice", role="host"), **alice.resume_fields())
        if welcome["type"] != "welcome":  # Redis may still be coming back: another internal error
            client.close()
            raise TimeoutError(f"not yet: {welcome}")
        return client, welcome

    again, welcome = eventually(resume)
    assert (welcome["peer_id"], welcome["resumed"]) == (alice.peer_id, True)
    again.close()
    bob.close()
    carol.close()


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
