"""Webhooks in the admin: the secret once on adding, a disabled endpoint stands out and is re-enabled, and the
delivery log shows each attempt's status, latency and error."""

import pytest
from django.urls import reverse

from meetings import actions
from webhooks import delivery
from webhooks.models import Delivery, Endpoint

pytestmark = pytest.mark.django_db


def test_adding_an_endpoint_shows_its_secret_once(admin_client):
    response = admin_client.post(reverse("admin:webhooks_endpoint_add"), {
        "name": "CRM", "url": "https://crm.example.org/hooks", "event_types": ["room.created", "meeting.ended"],
    }, follow=True)
    endpoint = Endpoint.objects.get()
    assert endpoint.event_types == ["room.created", "meeting.ended"]
    assert endpoint.secret in response.content.decode()
    page = admin_client.get(reverse("admin:webhooks_endpoint_change", args=[endpoint.pk])).content.decode()
    assert endpoint.secret not in page
    assert endpoint.secret_hint in page


def test_a_disabled_endpoint_shows_why_and_the_enable_action_brings_it_back(admin_client, alice):
    endpoint = Endpoint.objects.create(name="CRM", url="https://crm.example.org/hooks", is_active=False,
                                       disabled_reason="Every attempt failed since 2026-12-01 10:00 UTC; the last: "
                                                       "HTTP 500")
    changelist = admin_client.get(reverse("admin:webhooks_endpoint_changelist")).content.decode()
    assert "disabled" in changelist
    assert "the last: HTTP 500" in changelist

    admin_client.post(reverse("admin:webhooks_endpoint_changelist"),
                      {"action": "enable_endpoints", "_selected_action": [endpoint.pk]})
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.disabled_reason == ""


def test_the_delivery_page_lists_every_attempt(admin_client, alice):
    Endpoint.objects.create(name="CRM", url="https://crm.example.org/hooks")
    actions.create_room(alice, "Weekly")
    [job] = delivery.claim("worker-a", 10)
    delivery.record(job, delivery.Outcome(False, 503, 0.25, "HTTP 503"), worker="worker-a")
    item = Delivery.objects.get()

    page = admin_client.get(reverse("admin:webhooks_delivery_change", args=[item.pk])).content.decode()
    assert job.event_id in page
    assert "503" in page and "250" in page
    assert "worker-a" in page
    listing = admin_client.get(reverse("admin:webhooks_delivery_changelist")).content.decode()
    assert job.event_id in listing


def test_retry_now_makes_a_given_up_delivery_due_again(admin_client, alice):
    Endpoint.objects.create(name="CRM", url="https://crm.example.org/hooks")
    actions.create_room(alice, "Weekly")
    Delivery.objects.update(status=Delivery.Status.FAILED)
    item = Delivery.objects.get()
    admin_client.post(reverse("admin:webhooks_delivery_changelist"),
                      {"action": "retry_now", "_selected_action": [item.pk]})
    assert Delivery.objects.get().status == "pending"
