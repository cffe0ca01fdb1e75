"""The pure part of the connection hand-off (config.handoff): which worker a room's sockets belong on, and which
connections are a room's socket."""

from config.handoff import configured, home_of, room_of

WORKERS = ["4411-a1b2c3", "4420-d4e5f6"]
ROOMS = [f"room-{n}" for n in range(2000)]


def test_every_worker_picks_the_same_worker_for_a_room_whatever_the_order_it_lists_them_in():
    for room in ROOMS[:200]:
        assert home_of(room, WORKERS) == home_of(room, list(reversed(WORKERS)))


def test_rooms_are_shared_about_evenly():
    on_first = sum(home_of(room, WORKERS) == WORKERS[0] for room in ROOMS)
    assert 850 < on_first < 1150


def test_when_a_third_worker_starts_only_the_rooms_it_wins_move():
    three = WORKERS + ["4431-0a0b0c"]
    moved = [room for room in ROOMS if home_of(room, three) != home_of(room, WORKERS)]
    assert all(home_of(room, three) == "4431-0a0b0c" for room in moved)
    assert 500 < len(moved) < 830  # about a third


def test_when_a_worker_stops_only_its_rooms_move():
    one = WORKERS[:1]
    assert all(home_of(room, one) == WORKERS[0] for room in ROOMS)
    stayed = [room for room in ROOMS if home_of(room, WORKERS) == WORKERS[0]]
    assert all(home_of(room, one) == home_of(room, WORKERS) for room in stayed)


def test_no_worker_no_home():
    assert home_of("stand-up", []) is None


def test_only_a_rooms_socket_request_names_a_room():
    assert room_of(b"GET /ws/rooms/hako-s8vn-i9vt/ HTTP/1.1\r\nHost: x\r\n") == "hako-s8vn-i9vt"
    assert room_of(b"GET /ws/rooms/stand-up/?v=1 HTTP/1.1\r\n") == "stand-up"
    assert room_of(b"GET /rooms/stand-up/ HTTP/1.1\r\n") is None  # the room's page
    assert room_of(b"POST /ws/rooms/stand-up/ HTTP/1.1\r\n") is None
    assert room_of(b"GET /ws/rooms/Stand_Up/ HTTP/1.1\r\n") is None  # not a slug the routing serves
    assert room_of(b"GET /ws/rooms/stand-up/x HTTP/1.1\r\n") is None
    assert room_of(b"\x16\x03\x01\x02\x00") is None  # a TLS hello


def test_hand_off_is_on_only_with_redis_and_not_when_turned_off():
    assert configured({}) is None
    assert configured({"REDIS_URL": "redis://127.0.0.1:6379/0", "WORKER_HANDOFF": "0"}) is None
    assert configured({"REDIS_URL": "redis://127.0.0.1:6379/0", "WORKER_HANDOFF_DIR": "/run/confer"}) == "/run/confer"
    first = configured({"REDIS_URL": "redis://127.0.0.1:6379/0"})
    assert first == configured({"REDIS_URL": "redis://127.0.0.1:6379/0"})
    assert first != configured({"REDIS_URL": "redis://127.0.0.1:6379/1"})
