"""On SQLite, one writer thread commits the signalling server's changes in groups: what queues while a transaction
runs goes into the next one, each change in a savepoint of its own (signalling/db.py). A storm of joins then pays
for one commit a group, and nobody can tell: each change is answered after its commit, and one that fails fails
alone."""

import asyncio
import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from prometheus_client import REGISTRY

from signalling import db
from signalling.models import Meeting
from signalling.protocol import ProtocolError

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def writer():
    if connection.vendor != "sqlite":
        pytest.skip("group commit is SQLite's; PostgreSQL's writers work side by side")
    found = db.writer()
    assert found is not None, "SIGNALLING_GROUP_COMMIT is on by default"
    return found


def counters():
    """What an operator sees: (changes, transactions) of the writer, from the metrics."""
    return tuple(REGISTRY.get_sample_value(f"confer_signalling_db_{name}_total") or 0
                 for name in ("changes", "transactions"))


class Gate:
    """A change that holds the writer until opened, so that the changes after it queue up and form one group."""

    def __init__(self):
        self.entered, self.opened = threading.Event(), threading.Event()

    def __call__(self):
        self.entered.set()
        assert self.opened.wait(10), "the test never opened the gate"

    async def hold(self):
        task = asyncio.ensure_future(db.run(self))
        await asyncio.get_running_loop().run_in_executor(None, self.entered.wait, 10)
        return task


def start_meeting(room_id):
    """A change of the simplest kind: a meeting that has already ended (a room has one live meeting at most)."""
    return Meeting.objects.create(room_id=room_id, ended_at=timezone.now()).pk


def start_meeting_then_refuse(room_id):
    start_meeting(room_id)
    raise ProtocolError("room-full", "This room is full.")


def start_meeting_in_no_room():
    start_meeting(987654)  # SQLite checks the foreign key at commit, failing the whole group
    return "never"


def meetings_of(room):
    return list(Meeting.objects.filter(room=room).values_list("pk", flat=True))


async def test_changes_that_queue_together_commit_together_and_each_caller_sees_its_own(writer, alices_room):
    gate = Gate()
    held = await gate.hold()
    transactions = writer.transactions
    counted = counters()
    changes = [asyncio.ensure_future(db.run(start_meeting, alices_room.pk)) for _ in range(5)]
    await asyncio.sleep(0)
    gate.opened.set()
    await held
    started = await asyncio.gather(*changes)
    assert list(writer.sizes)[-2:] == [1, 5]
    assert writer.transactions == transactions + 1
    assert counters() == (counted[0] + 6, counted[1] + 2)  # the gate's change alone, then the five together
    assert len(set(started)) == 5
    # Committed before anyone was answered: another connection sees every one.
    seen = await db.run(meetings_of, alices_room, write=False)
    assert set(started) <= set(seen)


async def test_a_change_that_fails_in_a_group_leaves_nothing_behind_and_the_others_commit(writer, alices_room):
    gate = Gate()
    held = await gate.hold()
    before = asyncio.ensure_future(db.run(start_meeting, alices_room.pk))
    refused = asyncio.ensure_future(db.run(start_meeting_then_refuse, alices_room.pk))
    after = asyncio.ensure_future(db.run(start_meeting, alices_room.pk))
    await asyncio.sleep(0)
    gate.opened.set()
    await held
    first, last = await before, await after
    with pytest.raises(ProtocolError):
        await refused
    assert list(writer.sizes)[-1] == 3
    assert sorted(await db.run(meetings_of, alices_room, write=False)) == sorted([first, last])


async def test_a_group_that_cannot_commit_is_run_again_one_by_one(writer, alices_room):
    gate = Gate()
    held = await gate.hold()
    good = asyncio.ensure_future(db.run(start_meeting, alices_room.pk))
    bad = asyncio.ensure_future(db.run(start_meeting_in_no_room))
    also_good = asyncio.ensure_future(db.run(start_meeting, alices_room.pk))
    await asyncio.sleep(0)
    gate.opened.set()
    await held
    with pytest.raises(IntegrityError):
        await bad
    started = [await good, await also_good]
    assert sorted(await db.run(meetings_of, alices_room, write=False)) == sorted(started)


async def test_a_change_whose_caller_left_before_it_started_is_not_made(writer, alices_room):
    gate = Gate()
    held = await gate.hold()
    abandoned = asyncio.ensure_future(db.run(start_meeting, alices_room.pk))
    await asyncio.sleep(0)
    abandoned.cancel()
    kept = asyncio.ensure_future(db.run(start_meeting, alices_room.pk))
    await asyncio.sleep(0)
    gate.opened.set()
    await held
    made = await kept
    assert await db.run(meetings_of, alices_room, write=False) == [made]


def start_meeting_and_wake_someone_who_fails(room_id):
    made = start_meeting(room_id)
    transaction.on_commit(lambda: 1 / 0)  # e.g. a notification that goes wrong after the change is made
    return made


async def test_a_hook_that_fails_after_the_commit_does_not_make_the_group_run_twice(writer, alices_room):
    gate = Gate()
    held = await gate.hold()
    first = asyncio.ensure_future(db.run(start_meeting_and_wake_someone_who_fails, alices_room.pk))
    second = asyncio.ensure_future(db.run(start_meeting, alices_room.pk))
    await asyncio.sleep(0)
    gate.opened.set()
    await held
    made = [await first, await second]
    assert sorted(await db.run(meetings_of, alices_room, write=False)) == sorted(made)
