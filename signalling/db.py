"""Where the signalling server's database work runs: threads of its own, so that no slow call holds up the rest.

Channels' database_sync_to_async runs every call on the one thread that Django's sync views share as well: a
slow page, a slow query or a password hash there delayed every socket's join on the worker. Here:

- a pool of SIGNALLING_DB_THREADS threads (default 4), apart from Django's request thread, so that one slow call
  takes one thread and the others carry on;
- on SQLite, which allows one writer at a time, writes go to one writer thread, which commits them in groups
  (SIGNALLING_GROUP_COMMIT, default 32 a transaction): what queued while one transaction ran goes into the next
  one, each in a savepoint of its own. SQLite's busy handler never sleeps for them, and a storm of joins pays for
  one BEGIN, one COMMIT (the WAL write) and one thread hand-over a group instead of one each. A change is still
  answered only after its commit; a change that fails rolls back alone. If a group's commit fails, or a change
  leaves the connection in error, the group is rolled back and each change is run again in a transaction of its
  own, as with SIGNALLING_GROUP_COMMIT=1. Either way a change is all or nothing: one that raises leaves no
  write behind. (A transaction is short: a slow read never holds it.) PostgreSQL needs
  none of this: writers work side by side on the pool, and rooms lock their own rows.

Changes may now commit in another order than they are published; each socket puts its room's events back in seq
order before sending them (signalling.consumers), so clients see no gap for it.
"""

import asyncio
import collections
import logging
import queue
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection, transaction

from observability import metrics

log = logging.getLogger(__name__)
_executor = None
_writer = None
_writer_started = threading.Lock()
_sqlite_writer = threading.Lock()
_local = threading.local()
CONNECTION_CHECK_SECONDS = 1.0


def executor():
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=settings.SIGNALLING_DB_THREADS, thread_name_prefix="signalling-db")
    return _executor


def writes_one_at_a_time():
    return connection.vendor == "sqlite"


def check_connection():
    # As Channels does around each call, but once a second per thread: on PostgreSQL a check costs a query.
    now = time.monotonic()
    if now - getattr(_local, "checked_at", 0.0) >= CONNECTION_CHECK_SECONDS:
        close_old_connections()
        _local.checked_at = now


def call(function, args, kwargs, write):
    check_connection()
    try:
        if write and writes_one_at_a_time():
            with _sqlite_writer:
                return function(*args, **kwargs)
        return function(*args, **kwargs)
    except Exception:
        close_old_connections()  # a connection left in a broken state is dropped, not reused
        _local.checked_at = 0.0
        raise


class GroupCommit:
    """SQLite's one writer: a thread that runs the queued changes, up to `limit` of them in one transaction."""

    def __init__(self, limit):
        self.limit = limit
        self.jobs = queue.SimpleQueue()
        self.sizes = collections.deque(maxlen=100)  # the last groups' sizes, for tests and a curious operator
        self.transactions = 0
        self.thread = threading.Thread(target=self.work, name="signalling-db-writer", daemon=True)
        self.thread.start()

    def submit(self, function, args, kwargs):
        future = Future()
        self.jobs.put((future, function, args, kwargs))
        return future

    def work(self):
        while True:
            group = [self.jobs.get()]
            while len(group) < self.limit:
                try:
                    group.append(self.jobs.get_nowait())
                except queue.Empty:
                    break
            # A change whose caller went away before it started is dropped, as the pool drops it.
            group = [job for job in group if job[0].set_running_or_notify_cancel()]
            if group:
                self.sizes.append(len(group))
                self.run_group(group)

    def run_group(self, group):
        check_connection()
        outcomes = None
        if len(group) > 1:
            outcomes, committed = [], []
            try:
                self.together(group, outcomes, committed)
            except Exception:
                if committed:  # a hook run after the commit failed: the changes are made, and answered so
                    log.exception("a hook after a group's commit failed")
                else:
                    close_old_connections()  # a connection left in a broken state is dropped, not reused
                    _local.checked_at = 0.0
                    outcomes = None
        if outcomes is None:  # one alone, or a group that could not commit: each in its own transaction
            outcomes = [self.alone(function, args, kwargs) for _, function, args, kwargs in group]
        for (future, *_), (failed, value) in zip(group, outcomes):
            if failed:
                future.set_exception(value)
            else:
                future.set_result(value)

    def together(self, group, outcomes, committed):
        """Run the group in one transaction, each change in a savepoint, appending their outcomes to `outcomes`;
        raise if the transaction cannot be trusted (the caller then runs each alone). `committed` gets an item once
        the commit is made: the hooks that changes left for after it run later and may still raise."""
        self.transactions += 1
        with transaction.atomic():
            # The first hook, so it runs right after COMMIT, before any the changes left.
            transaction.on_commit(lambda: (committed.append(True), metrics.committed(len(group))))
            for _, function, args, kwargs in group:
                try:
                    with transaction.atomic():
                        outcomes.append((False, function(*args, **kwargs)))
                except DatabaseError:
                    raise  # the connection, not the change, may be at fault: start again one by one
                except Exception as error:
                    outcomes.append((True, error))

    def alone(self, function, args, kwargs):
        self.transactions += 1
        try:
            with transaction.atomic():  # all or nothing, as in a group
                value = function(*args, **kwargs)
            metrics.committed(1)
            return False, value
        except Exception as error:
            close_old_connections()
            _local.checked_at = 0.0
            return True, error


def writer():
    """The group-committing writer on SQLite (SIGNALLING_GROUP_COMMIT > 1), else None: writes use the pool."""
    global _writer
    if _writer is None and settings.SIGNALLING_GROUP_COMMIT > 1 and writes_one_at_a_time():
        with _writer_started:
            if _writer is None:
                _writer = GroupCommit(settings.SIGNALLING_GROUP_COMMIT)
    return _writer


async def run(function, *args, write=True, **kwargs):
    """Run a sync database function on the signalling pool; `write=False` for one that only reads."""
    if write and (group_commit := writer()) is not None:
        return await asyncio.wrap_future(group_commit.submit(function, args, kwargs))
    return await asyncio.get_running_loop().run_in_executor(executor(), call, function, args, kwargs, write)
