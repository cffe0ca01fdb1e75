"""Bob's socket dropped in a meeting through the server: his media at the media server is parked on the worker for
a resume (signalling.parking), handed to the socket that resumes his seat there, and closed when the window passes,
his seat is given up or taken elsewhere, or the media server kicks it. A stand-in session: only the rules here."""

import asyncio

from signalling.parking import Parking

WINDOW = 0.4  # seconds: the resume window, as parked
LOOK_EVERY = 0.05  # seconds between looks at the seat
WAIT = 5  # seconds a test waits for what must happen


class StandInSession:
    """A MediaSession that only records being closed."""

    def __init__(self):
        self.on_event = None
        self.closed = False
        self.lost = False
        self.muted = set()
        self.destroy_room = None
        self.gone = asyncio.Event()

    async def close(self, destroy_room=True):
        self.closed = True
        self.destroy_room = destroy_room
        self.gone.set()


class Seat:
    """Where Bob's seat is, as the roster would say, and how often it was asked."""

    def __init__(self, state="away"):
        self.state = state
        self.looks = 0
        self.looked = asyncio.Event()

    async def __call__(self):
        self.looks += 1
        self.looked.set()
        return self.state


async def closed_in_time(session):
    await asyncio.wait_for(session.gone.wait(), WAIT)
    return session.closed


async def test_bobs_parked_media_is_closed_when_the_resume_window_passes():
    parking, session = Parking(), StandInSession()
    parking.park("p_bob", session, WINDOW, Seat("away"), LOOK_EVERY)
    assert parking.holds("p_bob") and not session.closed
    started = asyncio.get_running_loop().time()
    assert await closed_in_time(session)
    assert asyncio.get_running_loop().time() - started >= WINDOW * 0.9
    assert not parking.holds("p_bob")
    assert parking.take("p_bob") is None  # a resume after that starts over


async def test_bobs_parked_media_is_closed_once_he_has_left():
    parking, session, seat = Parking(), StandInSession(), Seat("away")
    parking.park("p_bob", session, 60, seat, LOOK_EVERY)
    await asyncio.wait_for(seat.looked.wait(), WAIT)
    assert not session.closed  # still away: kept
    seat.state = "gone"  # left, removed, replaced or timed out: the roster no longer has him
    assert await closed_in_time(session)
    assert session.destroy_room is True  # the last one out still destroys the room
    assert not parking.holds("p_bob")


async def test_the_socket_that_resumes_bobs_seat_takes_his_media_and_it_is_not_closed():
    parking, session, seat = Parking(), StandInSession(), Seat("away")
    parking.park("p_bob", session, WINDOW, seat, LOOK_EVERY)
    await asyncio.wait_for(seat.looked.wait(), WAIT)
    watcher = parking.parked["p_bob"].task
    assert parking.take("p_bob") is session
    assert not parking.holds("p_bob")
    await asyncio.wait([watcher], timeout=WAIT)
    assert watcher.done()  # nobody looks after it any more: the window can no longer close it
    assert not session.closed
    assert parking.take("p_bob") is None  # taken once


async def test_a_resume_in_progress_on_this_worker_is_not_raced_by_one_look_at_the_seat():
    parking, session, seat = Parking(), StandInSession(), Seat("elsewhere")
    parking.park("p_bob", session, 60, seat, LOOK_EVERY)
    await asyncio.wait_for(seat.looked.wait(), WAIT)
    # The roster already shows the new socket, but the resume here has not adopted the media yet.
    assert seat.looks == 1 and not session.closed
    assert parking.take("p_bob") is session


async def test_bobs_parked_media_is_closed_when_he_resumed_on_another_worker():
    parking, session, seat = Parking(), StandInSession(), Seat("elsewhere")
    parking.park("p_bob", session, 60, seat, LOOK_EVERY)
    assert await closed_in_time(session)
    assert seat.looks == 2 and not parking.holds("p_bob")


async def test_bobs_parked_media_is_closed_without_destroying_the_room_when_the_media_server_kicks_it():
    parking, session = Parking(), StandInSession()
    parking.park("p_bob", session, 60, Seat("away"), 60)
    session.on_event({"type": "feeds", "feeds": []})  # what he will be told after the resume: kept by the session
    assert parking.holds("p_bob")
    # His seat published again under his id from another worker: the media server kicked this one out.
    session.on_event({"type": "kicked"})
    assert await closed_in_time(session)
    assert session.destroy_room is False  # the room holds him again, from the other worker
    assert not parking.holds("p_bob")


async def test_a_reloaded_page_resuming_bobs_seat_closes_his_parked_media_but_not_the_room():
    parking, session = Parking(), StandInSession()
    parking.park("p_bob", session, 60, Seat("away"), 60)
    parking.discard("p_bob", destroy_room=False)  # his page joins the room again at once
    assert await closed_in_time(session)
    assert session.destroy_room is False
    assert not parking.holds("p_bob")


async def test_parking_bobs_media_again_closes_what_was_parked_for_him_before():
    parking, first, second = Parking(), StandInSession(), StandInSession()
    parking.park("p_bob", first, 60, Seat("away"), 60)
    parking.park("p_bob", second, 60, Seat("away"), 60)  # parked again: what was there is given up
    assert await closed_in_time(first)
    assert not second.closed and parking.take("p_bob") is second


async def test_a_resume_that_moved_bobs_seat_waits_for_his_old_socket_to_park_his_media():
    parking, session = Parking(), StandInSession()
    waiting = asyncio.ensure_future(parking.wait_for("p_bob", WAIT))
    await asyncio.sleep(0)  # the resume is waiting; his old socket parks the media in its own turn
    assert not waiting.done()
    parking.park("p_bob", session, 60, Seat("elsewhere"), 60)
    await asyncio.wait_for(waiting, WAIT)
    assert parking.take("p_bob") is session


async def test_a_resume_that_moved_bobs_seat_from_a_socket_with_nothing_parked_waits_only_so_long():
    parking = Parking()
    await parking.wait_for("p_bob", 0.05)
    assert parking.take("p_bob") is None and not parking.awaited
