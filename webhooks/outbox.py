"""Write events to the outbox: one Event row and one Delivery per endpoint that wants it.

Called by the receivers of meetings.signals, inside the transaction of the change (no network here, ever):
the event commits or rolls back with what caused it, and the delivery worker sends it afterwards.
"""

import json

from django.utils import timezone

from webhooks.events import envelope, new_event_id
from webhooks.models import Delivery, Endpoint, Event


def endpoints_wanting(event_type):
    # Few endpoints, and JSON lists filter the same way on SQLite and PostgreSQL only in Python.
    return [endpoint for endpoint in Endpoint.objects.filter(is_active=True).only("pk", "event_types")
            if endpoint.wants(event_type)]


def record(event_type, room_slug, data, now=None):
    """Queue an event for every active endpoint that wants it; return the Event, or None when nobody does."""
    endpoints = endpoints_wanting(event_type)
    if not endpoints:
        return None
    now = now or timezone.now()
    event_id = new_event_id()
    event = Event.objects.create(
        event_id=event_id, type=event_type, room_slug=room_slug, created=now,
        payload=json.dumps(envelope(event_id, event_type, now, room_slug, data), separators=(",", ":")),
    )
    Delivery.objects.bulk_create(
        [Delivery(event=event, endpoint=endpoint, next_attempt_at=now, created=now) for endpoint in endpoints]
    )
    return event
