"""Two workers on one machine hand a room's sockets to the worker the room belongs on (config.handoff): Alice and
Bob connect to different workers and are served by one, so their relays do not cross Redis."""

import array
import os
import socket
from pathlib import Path

import pytest
import redis

from config.handoff import home_of
from tests.servers import Deployment
from tests.signalling_client import SignallingClient, room_token

pytestmark = pytest.mark.slow


@pytest.fixture
def deployment(tmp_path_factory, redis_server):
    deployment = Deployment(tmp_path_factory.mktemp("handoff"), redis_url=redis_server.url,
                            extra_env={"WORKER_HANDOFF": "1"})
    deployment.setup()
    deployment.create_user("alice", "alice-password-1", "Alice")
    yield deployment
    deployment.stop()


def registered(deployment):
    """The workers' names in the hand-off directory (each is `<pid>-<random>`)."""
    return sorted(entry[:-5] for entry in os.listdir(deployment.handoff_dir) if entry.endswith(".sock"))


def home_and_other(deployment, workers, room):
    names = registered(deployment)
    assert len(names) == 2, names
    home_pid = int(home_of(room, names).split("-")[0])
    home = next(worker for worker in workers if worker.process.pid == home_pid)
    return home, next(worker for worker in workers if worker is not home)


def holder_of(client, workers):
    """The worker process that holds the server's end of this client's TCP connection."""
    client_port = client.socket.socket.getsockname()[1]
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[2].rsplit(":", 1)[1], 16) == client_port:  # the server's row: the client is the remote end
                inodes.add(fields[9])
    holders = []
    for worker in workers:
        for fd in Path(f"/proc/{worker.process.pid}/fd").iterdir():
            try:
                link = os.readlink(fd)
            except OSError:
                continue
            if link.startswith("socket:[") and link[8:-1] in inodes:
                holders.append(worker)
    assert len(holders) == 1, f"{len(holders)} workers hold the connection"
    return holders[0]


def publishes(redis_url):
    stats = redis.Redis.from_url(redis_url).info("commandstats")
    return stats.get("cmdstat_publish", {}).get("calls", 0)


def test_alice_on_the_other_worker_is_served_by_the_rooms_worker_and_her_offers_to_bob_skip_redis(deployment):
    workers = deployment.start_worker(), deployment.start_worker()
    room = deployment.create_room("alice", "Gathered")
    home, other = home_and_other(deployment, workers, room)
    alice = SignallingClient(other.ws_url, room)
    bob = SignallingClient(home.ws_url, room)
    try:
        assert alice.join(room_token(room, "user:1", "Alice", role="host"))["type"] == "welcome"
        welcome = bob.join(room_token(room, "user:2", "Bob"))
        assert [peer["name"] for peer in welcome["roster"]] == ["Alice"]
        assert alice.receive_type("peer-joined")["peer"]["peer_id"] == bob.peer_id

        # Alice dialled the other worker's port; the room's worker holds her connection.
        assert holder_of(alice, workers) is home
        assert holder_of(bob, workers) is home

        before = publishes(deployment.redis_url)
        for n in range(20):
            alice.send({"type": "offer", "to": bob.peer_id, "description": {"type": "offer", "sdp": f"v=0 {n}"}})
            relayed = bob.receive_type("offer")
            assert (relayed["from"], relayed["description"]["sdp"]) == (alice.peer_id, f"v=0 {n}")
        bob.send({"type": "answer", "to": alice.peer_id, "description": {"type": "answer", "sdp": "v=0"}})
        assert alice.receive_type("answer")["from"] == bob.peer_id
        # Twenty-one relays between two sockets of one worker: none of them was published to Redis.
        assert publishes(deployment.redis_url) - before < 21

        bob.send({"type": "leave"})
        assert alice.receive_type("peer-left")["peer_id"] == bob.peer_id
    finally:
        alice.close()
        bob.close()


def test_when_the_rooms_worker_has_died_the_other_serves_its_sockets_itself(deployment):
    workers = deployment.start_worker(), deployment.start_worker()
    room = deployment.create_room("alice", "Orphaned")
    home, other = home_and_other(deployment, workers, room)
    home.kill()  # as a crash would: its socket file stays behind

    alice = SignallingClient(other.ws_url, room)
    try:
        assert alice.join(room_token(room, "user:1", "Alice", role="host"))["type"] == "welcome"
        assert holder_of(alice, [other]) is other
        # The dead worker's socket refused, so it is off the list for every later connection.
        assert len(registered(deployment)) == 1
    finally:
        alice.close()


def test_with_hand_off_off_each_worker_serves_what_connects_to_it(tmp_path_factory, redis_server):
    deployment = Deployment(tmp_path_factory.mktemp("no-handoff"), redis_url=redis_server.url).setup()
    try:
        deployment.create_user("alice", "alice-password-1", "Alice")
        workers = deployment.start_worker(), deployment.start_worker()
        room = deployment.create_room("alice", "Spread")
        assert registered(deployment) == []
        alice, bob = SignallingClient(workers[0].ws_url, room), SignallingClient(workers[1].ws_url, room)
        try:
            alice.join(room_token(room, "user:1", "Alice", role="host"))
            bob.join(room_token(room, "user:2", "Bob"))
            assert (holder_of(alice, workers), holder_of(bob, workers)) == workers
        finally:
            alice.close()
            bob.close()
    finally:
        deployment.stop()


def test_connections_that_never_finish_a_first_line_leave_both_workers_serving(deployment):
    workers = deployment.start_worker(), deployment.start_worker()
    room = deployment.create_room("alice", "Half lines")
    home, other = home_and_other(deployment, workers, room)
    odd = []
    for payload in (b"", f"GET /ws/rooms/{room}/".encode(), b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
                    b"GET /ws/rooms/" + b"x" * 20000):
        connection = socket.create_connection(("127.0.0.1", other.port), timeout=5)
        connection.sendall(payload)
        odd.append(connection)
    odd[2].close()  # a TLS hello, then gone

    # A first line too long to be a room's is daphne's, where it connected: Twisted closes it (as it does without
    # the hand-off), rather than leave it waiting. The others wait for their line's end.
    answer = odd[3].recv(100)
    assert answer == b"" or answer.startswith(b"HTTP/1.1 4"), answer
    alice = SignallingClient(other.ws_url, room)
    try:
        assert alice.join(room_token(room, "user:1", "Alice", role="host"))["type"] == "welcome"
        assert holder_of(alice, workers) is home
        # Half a room's first line, then the rest: handed over once the line is whole, and answered there.
        odd[1].sendall(b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert odd[1].recv(100).startswith(b"HTTP/1.1 4")  # no WebSocket headers: refused, by the room's worker
    finally:
        alice.close()
        for connection in odd:
            connection.close()


def test_whatever_else_reaches_a_workers_hand_off_socket_is_dropped_and_hand_offs_go_on(deployment):
    workers = deployment.start_worker(), deployment.start_worker()
    room = deployment.create_room("alice", "Odd datagrams")
    home, other = home_and_other(deployment, workers, room)
    home_socket = next(Path(deployment.handoff_dir).glob(f"{home.process.pid}-*.sock"))
    ours, theirs = socket.socketpair()
    listening = socket.create_server(("127.0.0.1", 0))
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sender:
        sender.sendto(b"no descriptor at all", str(home_socket))
        for fd in (ours.fileno(), listening.fileno()):  # a Unix socket's; a TCP socket that is not a connection
            sender.sendmsg([b"confer-handoff-1\nGET /ws/rooms/x/ HTTP/1.1\r\n"],
                           [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [fd]))], 0, str(home_socket))
    for leftover in (ours, theirs, listening):
        leftover.close()

    alice = SignallingClient(other.ws_url, room)
    try:
        assert alice.join(room_token(room, "user:1", "Alice", role="host"))["type"] == "welcome"
        assert holder_of(alice, workers) is home
    finally:
        alice.close()
