"""Write events to the outbox: one Event row and one Delivery per endpoint that wants it.

Called by the receivers of meetings.signals, inside the transaction of the change (no network here, ever):
the event commits or rolls back with what caused it, and the delivery worker sends it afterwards.
"""

import json

from django.db import connection
from django.utils import timezone

from webhooks.events import envelope, new_event_id
from webhooks.models import Delivery, Endpoint, Event


def endpoints_wanting(event_type):
    """The ids of the active endpoints that want this event type.

    Plain SQL: this runs in every join and leave, inside their transaction, where the ORM's building of the query
    cost more than the query. Few endpoints, and JSON lists filter the same way on SQLite and PostgreSQL only here.
    """
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, event_types FROM {Endpoint._meta.db_table} WHERE is_active")
        rows = cursor.fetchall()
    wanting = []
    for endpoint_id, event_types in rows:
        if isinstance(event_types, str):  # SQLite hands JSON back as text
            event_types = json.loads(event_types)
        if not event_types or event_type in event_types:
            wanting.append(endpoint_id)
    return wanting


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
        [Delivery(event=event, endpoint_id=endpoint_id, next_attempt_at=now, created=now) for endpoint_id in endpoints]
    )
    return event
