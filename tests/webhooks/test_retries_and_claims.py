"""The delivery core: the retry schedule lasts over a day, outcomes move deliveries on, claims do not overlap."""

from datetime import timedelta

import pytest
from django.utils import timezone

from meetings import actions
from webhooks import delivery
from webhooks.models import Delivery, DeliveryAttempt, Endpoint

pytestmark = pytest.mark.django_db


def test_the_default_schedule_retries_for_more_than_a_day_and_less_than_two():
    moments = delivery.retry_schedule(base=10, retry_for=26 * 3600)
    assert moments[:4] == [0.0, 10.0, 40.0, 130.0]
    assert moments[-1] == 26 * 3600
    assert len(moments) == 12


@pytest.fixture
def endpoint():
    return Endpoint.objects.create(name="Receiver", url="https://hooks.example.org/")


@pytest.fixture
def job(alice, endpoint):
    actions.create_room(alice, "Weekly")
    [job] = delivery.claim("worker-1", limit=10)
    return job


def failure(status=503):
    return delivery.Outcome(False, status, 0.2, f"HTTP {status}")


def test_a_claimed_delivery_is_not_claimed_again_until_its_lease_runs_out(job):
    assert delivery.claim("worker-2", limit=10) == []
    later = timezone.now() + timedelta(seconds=delivery.lease_seconds() + 1)
    [again] = delivery.claim("worker-2", limit=10, now=later)
    assert again.event_id == job.event_id


def test_a_success_is_logged_and_the_delivery_is_done(job):
    assert delivery.record(job, delivery.Outcome(True, 204, 0.05), worker="w") == "delivered"
    item = Delivery.objects.get()
    assert (item.status, item.attempts, item.last_status_code) == ("delivered", 1, 204)
    attempt = DeliveryAttempt.objects.get()
    assert (attempt.succeeded, attempt.status_code, attempt.latency_ms) == (True, 204, 50)


def test_a_failure_is_retried_after_the_back_off_and_marks_the_endpoint_failing(job, endpoint, settings):
    settings.WEBHOOK_RETRY_BASE = 10
    before = timezone.now()
    assert delivery.record(job, failure()) == "pending"
    item = Delivery.objects.get()
    assert timedelta(seconds=8) < item.next_attempt_at - before < timedelta(seconds=12)
    assert item.last_error == "HTTP 503"
    endpoint.refresh_from_db()
    assert endpoint.failing_since is not None and endpoint.is_active


def test_the_last_retry_is_when_the_event_is_retry_for_old_and_a_failure_then_gives_up(job, settings):
    settings.WEBHOOK_RETRY_FOR = 60
    settings.WEBHOOK_RETRY_BASE = 3600
    job.event_created = timezone.now() - timedelta(seconds=50)
    assert delivery.record(job, failure()) == "pending"
    assert Delivery.objects.get().next_attempt_at == job.event_created + timedelta(seconds=60)
    assert delivery.record(job, failure(), now=job.event_created + timedelta(seconds=60)) == "failed"
    assert Delivery.objects.get().status == "failed"


def test_a_success_after_failures_clears_the_failing_mark(job, endpoint):
    delivery.record(job, failure())
    delivery.record(job, delivery.Outcome(True, 200, 0.1))
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None


def test_an_endpoint_failing_for_longer_than_the_limit_is_disabled(job, endpoint, settings):
    settings.WEBHOOK_DISABLE_AFTER = 3600
    delivery.record(job, failure(), now=timezone.now() - timedelta(hours=2))
    delivery.record(job, failure(502))
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert endpoint.disabled_reason.endswith("the last: HTTP 502")


def test_a_late_failure_does_not_undo_another_workers_success(job):
    delivery.record(job, delivery.Outcome(True, 204, 0.1))
    delivery.record(job, failure())  # the first worker's lease ran out and it answers late
    assert Delivery.objects.get().status == "delivered"
