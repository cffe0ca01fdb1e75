"""The delivery worker's core: claim due deliveries, send them, record how it went.

At least once, never lost:
- a worker *claims* a due delivery by moving its `next_attempt_at` a lease into the future (rows locked with
  SKIP LOCKED on PostgreSQL, the write lock of an IMMEDIATE transaction on SQLite), so two workers never take
  the same one at once;
- it sends, then records the outcome. A worker that dies in between leaves the delivery to come due again when
  the lease runs out, and another worker sends it again with the same `webhook-id`.

Failed attempts are retried after WEBHOOK_RETRY_BASE, x3 each time, at most 6 hours apart, the last one when the
event is WEBHOOK_RETRY_FOR old; an endpoint that has failed every attempt for WEBHOOK_DISABLE_AFTER is disabled.
"""

import dataclasses
import logging
import random
import re
import socket
import time
from datetime import timedelta

import requests
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from webhooks.models import Delivery, DeliveryAttempt, Endpoint
from webhooks.signing import signed_headers

log = logging.getLogger(__name__)

RETRY_FACTOR = 3
RETRY_CAP = 6 * 3600
USER_AGENT = "Confer-Webhooks/1"


def retry_delay(attempts, base=None, jitter=random.random):
    """Return seconds to wait after the `attempts`-th failed attempt: base x 3^(n-1), capped at 6 h, +/- 10%."""
    base = settings.WEBHOOK_RETRY_BASE if base is None else base
    delay = min(base * RETRY_FACTOR ** (attempts - 1), RETRY_CAP)
    return delay * (0.9 + 0.2 * jitter())


def retry_schedule(base, retry_for):
    """Return the seconds after the event at which each attempt is made, without jitter (docs/operations.md)."""
    moments, attempts = [0.0], 1
    while moments[-1] < retry_for:
        moments.append(min(moments[-1] + retry_delay(attempts, base, jitter=lambda: 0.5), float(retry_for)))
        attempts += 1
    return moments


@dataclasses.dataclass
class Job:
    delivery_id: int
    endpoint_id: int
    event_id: str
    event_created: object
    url: str
    secret: str
    payload: str
    attempts: int


@dataclasses.dataclass
class Outcome:
    succeeded: bool
    status_code: int | None
    latency: float
    error: str = ""


def lease_seconds():
    """How long a claim holds: longer than any send can take (connect and read each have WEBHOOK_TIMEOUT)."""
    return settings.WEBHOOK_TIMEOUT * 2 + 5


def claim(worker, limit, now=None):
    """Take up to `limit` due deliveries for this worker; return them as Jobs."""
    now = now or timezone.now()
    with transaction.atomic():
        due = (
            Delivery.objects.filter(status=Delivery.Status.PENDING, next_attempt_at__lte=now, endpoint__is_active=True)
            .order_by("next_attempt_at", "pk")
        )
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True, of=("self",))
        ids = list(due.values_list("pk", flat=True)[:limit])
        if not ids:
            return []
        Delivery.objects.filter(pk__in=ids).update(
            next_attempt_at=now + timedelta(seconds=lease_seconds()), claimed_by=worker[:100]
        )
    deliveries = Delivery.objects.filter(pk__in=ids).select_related("event", "endpoint").order_by("pk")
    return [
        Job(d.pk, d.endpoint_id, d.event.event_id, d.event.created, d.endpoint.url, d.endpoint.secret,
            d.event.payload, d.attempts)
        for d in deliveries
    ]


def send(job, timeout=None, session=None):
    """POST the job's payload, signed; return the Outcome. Network only: no database here."""
    timeout = settings.WEBHOOK_TIMEOUT if timeout is None else timeout
    headers = {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        **signed_headers(job.secret, job.event_id, job.payload, timezone.now()),
    }
    started = time.monotonic()
    try:
        poster = session.post if session is not None else requests.post
        response = poster(job.url, data=job.payload.encode(), headers=headers, timeout=timeout, allow_redirects=False)
        response.close()
    except (requests.RequestException, socket.error, ValueError) as error:
        return Outcome(False, None, time.monotonic() - started, describe(error, timeout))
    latency = time.monotonic() - started
    if 200 <= response.status_code < 300:
        return Outcome(True, response.status_code, latency)
    return Outcome(False, response.status_code, latency, f"HTTP {response.status_code}")


def describe(error, timeout):
    """Say briefly why a request failed: "ConnectionError: [Errno 111] Connection refused", not urllib3's essay."""
    if isinstance(error, requests.Timeout):
        return f"Timeout: no answer within {timeout} s"
    errno = re.search(r"\[Errno -?\d+\] [^'\")\]]+", str(error))
    return f"{type(error).__name__}: {errno.group(0) if errno else error}"[:300]


def record(job, outcome, worker="", now=None):
    """Log the attempt and move the delivery on: delivered, retried later, or given up. Return its new status."""
    now = now or timezone.now()
    with transaction.atomic():
        DeliveryAttempt.objects.create(
            delivery_id=job.delivery_id, attempted_at=now, status_code=outcome.status_code,
            latency_ms=round(outcome.latency * 1000), error=outcome.error, succeeded=outcome.succeeded,
            worker=worker[:100],
        )
        pending = Delivery.objects.filter(pk=job.delivery_id, status=Delivery.Status.PENDING)
        common = {"attempts": F("attempts") + 1, "last_status_code": outcome.status_code,
                  "last_error": outcome.error, "claimed_by": ""}
        if outcome.succeeded:
            pending.update(status=Delivery.Status.DELIVERED, delivered_at=now, **common)
            Endpoint.objects.filter(pk=job.endpoint_id, failing_since__isnull=False).update(failing_since=None)
            return Delivery.Status.DELIVERED
        # The last attempt is made when the event is exactly WEBHOOK_RETRY_FOR old; failing that, it is given up.
        give_up_at = job.event_created + timedelta(seconds=settings.WEBHOOK_RETRY_FOR)
        if now >= give_up_at:
            pending.update(status=Delivery.Status.FAILED, **common)
            status = Delivery.Status.FAILED
        else:
            retry_at = min(now + timedelta(seconds=retry_delay(job.attempts + 1)), give_up_at)
            pending.update(next_attempt_at=retry_at, **common)
            status = Delivery.Status.PENDING
        note_failure(job.endpoint_id, outcome, now)
        return status


def note_failure(endpoint_id, outcome, now):
    """Remember since when an endpoint fails; disable it once it has failed everything for WEBHOOK_DISABLE_AFTER."""
    Endpoint.objects.filter(pk=endpoint_id, failing_since__isnull=True).update(failing_since=now)
    cutoff = now - timedelta(seconds=settings.WEBHOOK_DISABLE_AFTER)
    reason = f"Every attempt failed since {{since}}; the last: {outcome.error or outcome.status_code}"
    endpoint = Endpoint.objects.filter(pk=endpoint_id, is_active=True, failing_since__lte=cutoff).first()
    if endpoint is not None:
        disabled = Endpoint.objects.filter(pk=endpoint_id, is_active=True).update(
            is_active=False, disabled_at=now,
            disabled_reason=reason.format(since=endpoint.failing_since.strftime("%Y-%m-%d %H:%M UTC"))[:200],
        )
        if disabled:
            log.warning("webhook endpoint %s (%s) disabled: it kept failing", endpoint.pk, endpoint.name)


def enable(endpoint):
    """Re-enable an endpoint: its waiting deliveries are due at once, and its failure streak is forgotten."""
    now = timezone.now()
    with transaction.atomic():
        Endpoint.objects.filter(pk=endpoint.pk).update(
            is_active=True, disabled_at=None, disabled_reason="", failing_since=None
        )
        Delivery.objects.filter(endpoint=endpoint, status=Delivery.Status.PENDING).update(next_attempt_at=now)
    endpoint.refresh_from_db()
    return endpoint


def disable(endpoint, reason="Disabled by an operator."):
    Endpoint.objects.filter(pk=endpoint.pk).update(is_active=False, disabled_at=timezone.now(), disabled_reason=reason)
    endpoint.refresh_from_db()
    return endpoint


def queue_depth():
    """Return the deliveries waiting to be sent to active endpoints."""
    return Delivery.objects.filter(status=Delivery.Status.PENDING, endpoint__is_active=True).count()
