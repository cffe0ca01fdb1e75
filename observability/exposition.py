"""Put together what /metrics answers: this process's (or every process's) metrics, and the database's gauges."""

import glob
import os
import re

from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess

from observability import metrics  # noqa: F401  (defines this process's metrics, reported even before first use)
from observability.collectors import DatabaseCollector

FILE_PID = re.compile(r"_(\d+)\.db$")


def multiprocess_dir():
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True


def forget_dead_processes(path):
    """Drop the live gauges of processes that are gone (a crashed or restarted worker); keep their counters.

    Counters and histograms of dead workers stay in the sum, so the service's totals never go backwards while it
    runs. The directory is emptied when the whole service starts (docs/operations.md).
    """
    pids = {int(match.group(1)) for name in glob.glob(os.path.join(path, "*.db")) if (match := FILE_PID.search(name))}
    for pid in pids:
        if pid != os.getpid() and not pid_alive(pid):
            multiprocess.mark_process_dead(pid, path)


def render():
    """Return the exposition text for a scrape."""
    database = CollectorRegistry(auto_describe=False)
    database.register(DatabaseCollector())
    path = multiprocess_dir()
    if path:
        forget_dead_processes(path)
        processes = CollectorRegistry()
        multiprocess.MultiProcessCollector(processes, path=path)
        return generate_latest(processes) + generate_latest(database)
    return generate_latest(REGISTRY) + generate_latest(database)
