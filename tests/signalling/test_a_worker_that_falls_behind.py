"""A worker that falls behind, because it stood still or because more is offered than it can relay: clients that kept
to their rate stay connected, and what the worker does not deliver, it tells the sender about (docs/protocol.md,
Limits and `overloaded`)."""

import os
import signal
import threading
import time

import pytest
from websockets.exceptions import ConnectionClosed

from tests.servers import Deployment
from tests.signalling_client import SignallingClient, room_token

pytestmark = pytest.mark.slow


def meeting_of_alice_and_bob(tmp_path, **env):
    deployment = Deployment(tmp_path, extra_env=env).setup()
    deployment.create_user("alice", "alice-password-1", "Alice")
    slug = deployment.create_room("alice", "Stand-up")
    worker = deployment.start_worker()
    alice, bob = SignallingClient(worker.ws_url, slug), SignallingClient(worker.ws_url, slug)
    alice.join(room_token(slug, "ext:1:alice", "Alice"))
    bob.join(room_token(slug, "ext:1:bob", "Bob"))
    alice.receive_type("peer-joined")
    return deployment, worker, alice, bob


class Reader(threading.Thread):
    """Read one client's socket on a thread of its own, keeping what arrived, until the socket closes."""

    def __init__(self, client):
        super().__init__(daemon=True)
        self.client, self.messages, self.closed_with = client, [], None
        self.start()

    def run(self):
        try:
            while True:
                self.messages.append(self.client.receive(timeout=120))
        except ConnectionClosed as closed:
            self.closed_with = closed.rcvd.code if closed.rcvd else None
        except TimeoutError:
            pass

    def of_type(self, kind):
        return [m for m in list(self.messages) if m["type"] == kind]

    def errors(self, code):
        return [m for m in list(self.messages) if m["type"] == "error" and m["code"] == code]


def wait_until(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.02)


def test_alice_keeps_to_her_rate_through_a_stall_of_the_worker_and_stays_connected(tmp_path):
    """The worker stands still for two seconds (stopped by a signal) while Alice keeps sending at 20 a second.
    Everything she sent while it stood still is read at once when it wakes up: counted when it was read, that was
    a flood, and she was closed with 4009 although she never went over her rate."""
    deployment, worker, alice, bob = meeting_of_alice_and_bob(
        tmp_path, SIGNALLING_RATE="20", SIGNALLING_BURST="10", SIGNALLING_FLOOD_LIMIT="5")
    try:
        alice_reads, bob_reads = Reader(alice), Reader(bob)
        os.kill(worker.process.pid, signal.SIGSTOP)
        try:
            for n in range(40):  # two seconds at 20 a second
                alice.send({"type": "candidate", "to": bob.peer_id, "candidate": {"candidate": f"n{n}"}})
                time.sleep(0.05)
        finally:
            os.kill(worker.process.pid, signal.SIGCONT)
        wait_until(lambda: len(bob_reads.of_type("candidate")) == 40 or alice_reads.closed_with, 30,
                   "Bob never received Alice's 40 candidates")
        assert alice_reads.closed_with is None
        assert [m["candidate"]["candidate"] for m in bob_reads.of_type("candidate")] == [f"n{n}" for n in range(40)]
        assert alice_reads.errors("rate-limited") == []
    finally:
        alice.close()
        bob.close()
        deployment.stop()


def test_relays_that_waited_too_long_for_their_turn_are_dropped_and_every_one_is_told(tmp_path):
    """Alice joins a password room and, without waiting for her welcome, sends Bob 2,000 candidates. Her socket's
    turn is taken for as long as the password check runs (a second of hashing), so her candidates wait far longer
    than the 100 ms the worker allows: it drops them and tells her how many, at once and then at most once a
    second. Every candidate is either delivered to Bob or counted in an error to Alice; neither socket is closed."""
    deployment = Deployment(tmp_path, extra_env={"SIGNALLING_RATE": "1000000", "SIGNALLING_BURST": "1000000",
                                                 "SIGNALLING_SHED_AFTER_MS": "100"}).setup()
    deployment.create_user("alice", "alice-password-1", "Alice")
    slug = deployment.create_room("alice", "Board")
    deployment.run_python("from meetings import actions\nfrom meetings.models import Room\n"
                          f"actions.update_room(Room.objects.get(slug={slug!r}), password='open sesame')\n"
                          "print('true')")
    worker = deployment.start_worker()
    bob, alice = SignallingClient(worker.ws_url, slug), SignallingClient(worker.ws_url, slug)
    sent = 2_000
    try:
        bob.join(room_token(slug, "ext:1:bob", "Bob"), password="open sesame")
        bob_reads = Reader(bob)
        alice.send({"type": "join", "token": room_token(slug, "ext:1:alice", "Alice"), "versions": [1],
                    "password": "open sesame"})
        for n in range(sent):
            alice.send({"type": "candidate", "to": bob.peer_id, "candidate": {"candidate": f"n{n}"}})
        alice_reads = Reader(alice)

        def delivered():
            return len(bob_reads.of_type("candidate"))

        def told():
            return (sum(m["dropped"] for m in alice_reads.errors("overloaded"))
                    + len(alice_reads.errors("peer-unreachable")))

        wait_until(lambda: delivered() + told() >= sent or alice_reads.closed_with or bob_reads.closed_with, 60,
                   "some candidates were neither delivered nor told about")
        assert alice_reads.of_type("welcome"), "Alice was not let in"
        assert alice_reads.closed_with is None and bob_reads.closed_with is None
        assert delivered() + told() == sent
        overloaded = alice_reads.errors("overloaded")
        assert overloaded and told() > sent / 2, (delivered(), told())
        assert overloaded[0]["in_reply_to"] == "candidate" and not overloaded[0]["fatal"]
        # Told at once, then at most once a second: a handful of errors, not one per dropped relay.
        assert len(overloaded) <= 3
        alice.send({"type": "ping"})
        wait_until(lambda: alice_reads.of_type("pong"), 30, "Alice's socket stopped answering")
    finally:
        alice.close()
        bob.close()
        deployment.stop()
