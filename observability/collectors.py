"""Gauges read from the database when /metrics is scraped: what is true now, whichever worker is asked.

Every worker (every host) reports the same values: in PromQL, take max() of these across instances, not sum().
"""

from django.db.models import Count, Min
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily


class DatabaseCollector:
    def collect(self):
        from recordings import service as recording_service
        from recordings.models import Recording
        from signalling.contract import HIDDEN_ROLES
        from signalling.seats import stale_before
        from signalling.wire import SEATED
        from signalling.models import Meeting, Participant
        from webhooks.models import Delivery, Endpoint

        yield GaugeMetricFamily("confer_meetings_live", "Meetings going on now.",
                                value=Meeting.objects.filter(ended_at__isnull=True).count())

        participants = GaugeMetricFamily("confer_participants_live", "People in meetings now (not stale), by role.",
                                         labels=["role"])
        live = (Participant.objects.filter(status__in=SEATED, last_seen__gte=stale_before())
                .exclude(role__in=HIDDEN_ROLES).values("role").annotate(n=Count("pk")))
        for row in live:
            participants.add_metric([row["role"]], row["n"])
        yield participants

        yield GaugeMetricFamily("confer_lobby_waiting", "People waiting in lobbies now.",
                                value=Participant.objects.filter(status=Participant.Status.LOBBY,
                                                                 last_seen__gte=stale_before()).count())

        recordings = GaugeMetricFamily("confer_recordings", "Recordings by status (done and failed: all time).",
                                       labels=["status"])
        counts = dict(Recording.objects.values_list("status").annotate(n=Count("pk")))
        for status in Recording.Status.values:
            recordings.add_metric([status], counts.get(status, 0))
        yield recordings
        yield GaugeMetricFamily("confer_recorders_alive", "Recorder processes that marked themselves alive lately.",
                                value=recording_service.live_recorders().count())

        pending = Delivery.objects.filter(status=Delivery.Status.PENDING, endpoint__is_active=True)
        yield GaugeMetricFamily("confer_webhook_queue", "Webhook deliveries waiting to be sent to active endpoints.",
                                value=pending.count())
        oldest = pending.aggregate(oldest=Min("created"))["oldest"]
        yield GaugeMetricFamily("confer_webhook_queue_oldest_seconds", "Age of the oldest waiting delivery (0: none).",
                                value=(timezone.now() - oldest).total_seconds() if oldest else 0)
        yield GaugeMetricFamily("confer_webhook_deliveries_failed",
                                "Webhook deliveries given up on, still in the delivery log.",
                                value=Delivery.objects.filter(status=Delivery.Status.FAILED).count())
        endpoints = GaugeMetricFamily("confer_webhook_endpoints", "Webhook endpoints, by state.", labels=["state"])
        active = Endpoint.objects.filter(is_active=True)
        endpoints.add_metric(["active"], active.filter(failing_since__isnull=True).count())
        endpoints.add_metric(["failing"], active.filter(failing_since__isnull=False).count())
        endpoints.add_metric(["disabled"], Endpoint.objects.filter(is_active=False).count())
        yield endpoints
