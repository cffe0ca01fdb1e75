"""Where the signalling server's database work runs: threads of its own, so that no slow call holds up the rest.

Channels' database_sync_to_async runs every call on the one thread that Django's sync views share as well: a
slow page, a slow query or a password hash there delayed every socket's join on the worker. Here:

- a pool of SIGNALLING_DB_THREADS threads (default 4), apart from Django's request thread, so that one slow call
  takes one thread and the others carry on;
- on SQLite, which allows one writer at a time, write transactions take an in-process lock first: they queue
  in Python, woken at once, instead of in SQLite's busy handler, which sleeps in steps of milliseconds. (A
  transaction is short: a slow read never holds it.) PostgreSQL needs no such lock: rooms lock their own rows.

Changes may now commit in another order than they are published; each socket puts its room's events back in seq
order before sending them (signalling.consumers), so clients see no gap for it.
"""

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import close_old_connections, connection

_executor = None
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


def call(function, args, kwargs, write):
    # As Channels does around each call, but once a second per thread: on PostgreSQL a check costs a query.
    now = time.monotonic()
    if now - getattr(_local, "checked_at", 0.0) >= CONNECTION_CHECK_SECONDS:
        close_old_connections()
        _local.checked_at = now
    try:
        if write and writes_one_at_a_time():
            with _sqlite_writer:
                return function(*args, **kwargs)
        return function(*args, **kwargs)
    except Exception:
        close_old_connections()  # a connection left in a broken state is dropped, not reused
        _local.checked_at = 0.0
        raise


async def run(function, *args, write=True, **kwargs):
    """Run a sync database function on the signalling pool; `write=False` for one that only reads."""
    return await asyncio.get_running_loop().run_in_executor(executor(), call, function, args, kwargs, write)
