"""A slow database call in one room (a long query), or a slow page of the site, holds up no other room: joins and
relays elsewhere take no more than a few milliseconds longer than they do on a quiet worker.

All database work of all sockets went through the one thread that Django's pages share too, so one slow call
delayed every room (the hardening issue's password guess was one)."""

import asyncio
import statistics
import threading
import time

import pytest
from asgiref.sync import sync_to_async
from channels.testing import HttpCommunicator

from config.asgi import application
from meetings import actions
from meetings.models import ApiKey
from signalling import wire
from tests.signalling.conftest import seat, token_for

pytestmark = pytest.mark.django_db(transaction=True)

STALL_SECONDS = 1.5
ALLOWED_EXTRA_SECONDS = 0.005


async def until(condition, timeout=20):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the slow call never started"
        await asyncio.sleep(0.01)


async def timed(step):
    started = time.perf_counter()
    await step
    return time.perf_counter() - started


async def joins_and_relays(peers, room, users):
    """Seat these people one after another, then relay 20 candidates between the first two; return the median
    times (the first join, which starts the meeting, is not counted)."""
    join_times, seated = [], []
    for user in users:
        peer = await peers(room.slug)
        join_times.append(await timed(peer.join(token_for(user, room))))
        seated.append(peer)
    join_times = join_times[1:]
    await seated[0].receive_all()
    relay_times = []
    for n in range(20):
        started = time.perf_counter()
        await seated[1].send({"type": "candidate", "to": seated[0].peer_id, "candidate": None})
        await seated[0].receive_type("candidate")
        relay_times.append(time.perf_counter() - started)
    for peer in seated:
        await peer.send({"type": "leave"})
    return statistics.median(join_times), statistics.median(relay_times)


@pytest.fixture
def everyone(django_user_model):
    return [django_user_model.objects.create_user(f"person{n}", f"p{n}@example.org", "pw", display_name=f"P{n}")
            for n in range(22)]


async def test_a_long_query_in_one_room_holds_up_no_join_or_relay_in_another(peers, alice, everyone, monkeypatch):
    slow_room = await sync_to_async(actions.create_room)(alice, "Slow")
    other_rooms = [await sync_to_async(actions.create_room)(alice, f"Other {n}", max_participants=20) for n in range(2)]
    quiet = await joins_and_relays(peers, other_rooms[0], everyone[:11])

    stalled = threading.Event()
    real_private_chat = wire.private_chat_for

    def slow_private_chat(meeting, identity):
        if meeting.room_id == slow_room.pk:
            stalled.set()
            time.sleep(STALL_SECONDS)  # a long query
        return real_private_chat(meeting, identity)

    alice_peer = await seat(peers, slow_room, alice)
    monkeypatch.setattr(wire, "private_chat_for", slow_private_chat)
    await alice_peer.send({"type": "resync"})  # reads her room's state: slowly
    await until(stalled.is_set)
    started = time.perf_counter()
    busy = await joins_and_relays(peers, other_rooms[1], everyone[11:])
    assert time.perf_counter() - started < STALL_SECONDS, "the other room waited for the slow call"
    assert busy[0] <= quiet[0] + ALLOWED_EXTRA_SECONDS, (quiet, busy)
    assert busy[1] <= quiet[1] + ALLOWED_EXTRA_SECONDS, (quiet, busy)
    await alice_peer.receive_type("state", timeout=10)


async def test_a_slow_page_of_the_site_holds_up_no_join(peers, alice, everyone, monkeypatch):
    rooms = [await sync_to_async(actions.create_room)(alice, f"Room {n}", max_participants=20) for n in range(2)]
    quiet = await joins_and_relays(peers, rooms[0], everyone[:11])

    from meetings.api import rooms as rooms_api

    real_get = rooms_api.RoomListView.get
    page_started = threading.Event()

    def slow_get(self, request):
        page_started.set()
        time.sleep(STALL_SECONDS)
        return real_get(self, request)

    monkeypatch.setattr(rooms_api.RoomListView, "get", slow_get)
    _, key = await sync_to_async(ApiKey.create_key)("Alice's dashboard", created_by=alice)
    page = HttpCommunicator(application, "GET", "/api/v1/rooms/", headers=[(b"host", b"localhost"), (b"authorization", f"Api-Key {key}".encode())])
    request = asyncio.ensure_future(page.get_response(timeout=30))
    await until(lambda: page_started.is_set() or request.done())
    assert not request.done(), request.result()
    started = time.perf_counter()
    busy = await joins_and_relays(peers, rooms[1], everyone[11:])
    assert time.perf_counter() - started < STALL_SECONDS, "the room waited for the slow page"
    assert busy[0] <= quiet[0] + ALLOWED_EXTRA_SECONDS, (quiet, busy)
    assert (await request)["status"] == 200
