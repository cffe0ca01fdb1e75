"""Housekeeping looks after a tenth of the seats at a time, so a worker with many sockets never does a whole beat's
work at once; over one beat, every seat is marked alive and has its group renewed exactly once."""

import pytest

from signalling import housekeeping, seats

pytestmark = pytest.mark.django_db(transaction=True)


class Socket:
    pass


async def test_over_one_beat_each_of_a_thousand_seats_is_looked_after_once_and_no_step_does_them_all(monkeypatch):
    marked, renewed = [], []
    monkeypatch.setattr(seats, "mark_alive", lambda peer_ids: marked.append(set(peer_ids)))

    class Layer:
        async def group_add(self, group, channel):
            renewed.append(channel)

    monkeypatch.setattr(housekeeping, "get_channel_layer", lambda: Layer())
    sockets = [Socket() for _ in range(1000)]
    for n, socket in enumerate(sockets):
        housekeeping._seats[socket] = housekeeping.Seat(f"p_{n:04}", f"channel-{n}", "room-1")

    for slot in range(housekeeping.SLICES):
        await housekeeping.step(slot)

    everyone = [peer_id for step in marked for peer_id in step]
    assert sorted(everyone) == [f"p_{n:04}" for n in range(1000)]
    assert sorted(renewed) == sorted(f"channel-{n}" for n in range(1000))
    assert max(len(step) for step in marked) < 200  # a tenth, give or take how the peer ids hash
