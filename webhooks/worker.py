"""`python manage.py deliver_webhooks`: a loop that claims due deliveries and sends them from a few threads.

Run one or several (on one host or many); they share the work through the database. SIGTERM or SIGINT lets the
requests in flight finish, then stops.
"""

import logging
import os
import socket
import threading
from concurrent.futures import ThreadPoolExecutor

import requests
from django.db import close_old_connections, connections

from observability import metrics
from webhooks import delivery

log = logging.getLogger(__name__)


class Worker:
    def __init__(self, threads=4, poll_seconds=1.0):
        self.threads = threads
        self.poll_seconds = poll_seconds
        self.name = f"{socket.gethostname()}:{os.getpid()}"
        self.stopping = threading.Event()
        self.local = threading.local()

    def stop(self, *args):
        self.stopping.set()

    def session(self):
        # One connection pool per thread: requests.Session is not thread-safe.
        if not hasattr(self.local, "session"):
            self.local.session = requests.Session()
        return self.local.session

    def deliver(self, job):
        try:
            outcome = delivery.send(job, session=self.session())
            status = delivery.record(job, outcome, worker=self.name)
            metrics.webhook_attempt("success" if outcome.succeeded else "failure", outcome.latency)
            if status == "failed":
                metrics.webhook_given_up()
            if not outcome.succeeded:
                log.info("webhook %s to endpoint %s failed: %s", job.event_id, job.endpoint_id, outcome.error)
        except Exception:
            log.exception("webhook %s to endpoint %s: could not deliver", job.event_id, job.endpoint_id)
        finally:
            connections.close_all()  # this thread's own connection; the pool's threads live on

    def run_once(self, pool):
        """Claim what is due and deliver it; return how many deliveries were taken."""
        close_old_connections()
        jobs = delivery.claim(self.name, limit=self.threads * 4)
        list(pool.map(self.deliver, jobs))
        return len(jobs)

    def run(self, once=False):
        log.info("webhook worker %s started with %d threads", self.name, self.threads)
        with ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix="webhook") as pool:
            while not self.stopping.is_set():
                try:
                    taken = self.run_once(pool)
                except Exception:
                    log.exception("webhook worker: could not claim deliveries")
                    taken = 0
                if once and not taken:
                    break
                if not taken:
                    self.stopping.wait(self.poll_seconds)
        log.info("webhook worker %s stopped", self.name)

