"""Two daphne processes share a redis-server: a room spread over both behaves as one room."""

import pytest

from tests.signalling_client import SignallingClient, room_token

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def room(redis_deployment):
    redis_deployment.create_user("alice", "alice-password-1", "Alice")
    return redis_deployment.create_room("alice", "Stand-up")


@pytest.fixture(scope="module")
def workers(redis_deployment):
    return redis_deployment.start_worker(), redis_deployment.start_worker()


def test_alice_on_one_worker_and_bob_on_the_other_see_each_other_and_an_offer_crosses(workers, room):
    first, second = workers
    alice = SignallingClient(first.ws_url, room)
    bob = SignallingClient(second.ws_url, room)
    try:
        alice_welcome = alice.join(room_token(room, "user:1", "Alice", role="host"))
        assert alice_welcome["type"] == "welcome"
        assert alice_welcome["roster"] == []

        bob_welcome = bob.join(room_token(room, "user:2", "Bob"))
        assert [peer["name"] for peer in bob_welcome["roster"]] == ["Alice"]
        assert bob_welcome["roster"][0]["peer_id"] == alice.peer_id

        joined = alice.receive_type("peer-joined")
        assert joined["peer"]["peer_id"] == bob.peer_id
        assert joined["peer"]["name"] == "Bob"

        offer = {"type": "offer", "sdp": "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n"}
        bob.send({"type": "offer", "to": alice.peer_id, "from": "p_spoofed", "description": offer})
        relayed = alice.receive_type("offer")
        assert relayed["from"] == bob.peer_id
        assert relayed["description"] == offer
        assert "to" not in relayed

        answer = {"type": "answer", "sdp": "v=0\r\n"}
        alice.send({"type": "answer", "to": bob.peer_id, "description": answer})
        assert bob.receive_type("answer")["from"] == alice.peer_id

        bob.send({"type": "leave"})
        left = alice.receive_type("peer-left")
        assert (left["peer_id"], left["reason"]) == (bob.peer_id, "left")
    finally:
        alice.close()
        bob.close()


def test_a_third_person_sees_both_people_on_both_workers_in_the_roster(workers, room):
    first, second = workers
    alice = SignallingClient(first.ws_url, room)
    bob = SignallingClient(second.ws_url, room)
    carol = SignallingClient(first.ws_url, room)
    try:
        alice.join(room_token(room, "user:1", "Alice", role="host"))
        bob.join(room_token(room, "user:2", "Bob"))
        welcome = carol.join(room_token(room, "user:3", "Carol"))
        assert [peer["name"] for peer in welcome["roster"]] == ["Alice", "Bob"]
        assert bob.receive_type("peer-joined")["peer"]["name"] == "Carol"
    finally:
        for client in (alice, bob, carol):
            client.close()
