"""Webhook endpoints, the outbox of events, one delivery per (event, endpoint), and the log of every attempt."""

import base64
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from webhooks.events import EVENT_TYPES, new_event_id

SECRET_PREFIX = "whsec_"


def new_secret():
    """Return a Standard Webhooks secret: `whsec_` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


class Endpoint(models.Model):
    """A URL that wants some (or all) events, signed with its own secret."""

    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("URL"), max_length=500)
    event_types = models.JSONField(
        _("event types"), default=list, blank=True, help_text=_("The events it wants; none means every event.")
    )
    secret = models.CharField(max_length=100, default=new_secret, editable=False)
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Inactive endpoints get no new events and no deliveries.")
    )
    disabled_at = models.DateTimeField(null=True, blank=True, editable=False)
    disabled_reason = models.CharField(max_length=200, blank=True, editable=False)
    failing_since = models.DateTimeField(
        null=True, blank=True, editable=False, help_text=_("Every attempt since then has failed.")
    )
    created = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self):
        return f"{self.name} ({self.url})"

    def wants(self, event_type):
        return not self.event_types or event_type in self.event_types

    @property
    def secret_hint(self):
        """Enough of the secret to tell two apart, never enough to sign."""
        return self.secret[: len(SECRET_PREFIX) + 4] + "…"


class Event(models.Model):
    """One thing that happened, written in the transaction that made it happen.

    `payload` is the JSON body exactly as every attempt sends it: serialised once, so a retry's bytes are the
    first attempt's (PostgreSQL's jsonb would reorder the keys).
    """

    event_id = models.CharField(max_length=40, unique=True, default=new_event_id, editable=False)
    type = models.CharField(max_length=32, choices=[(name, name) for name in EVENT_TYPES])
    room_slug = models.CharField(max_length=32, db_index=True)
    payload = models.TextField()
    created = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created", "-pk"]

    def __str__(self):
        return f"{self.type} {self.event_id}"


class Delivery(models.Model):
    """Sending one event to one endpoint, until it succeeds or is given up."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        DELIVERED = "delivered", _("delivered")
        FAILED = "failed", _("failed (given up)")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    # When a worker may take it next. A worker that takes it moves this past its lease, so a worker that dies
    # mid-send leaves it to be taken again when the lease runs out: at least once, never lost.
    next_attempt_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    claimed_by = models.CharField(max_length=100, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name_plural = "deliveries"
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self):
        return f"{self.event} to {self.endpoint.name}"


class DeliveryAttempt(models.Model):
    """One HTTP request to an endpoint, and how it went."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    attempted_at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    succeeded = models.BooleanField(default=False)
    worker = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["-attempted_at", "-pk"]

    def __str__(self):
        return f"#{self.pk}"
