"""Sign a delivery by the Standard Webhooks scheme (https://www.standardwebhooks.com/): the headers it carries."""

from standardwebhooks.webhooks import Webhook


def signed_headers(secret, event_id, payload, now):
    """Return the webhook-id, webhook-timestamp and webhook-signature headers for this payload, signed now.

    The id stays the event's on every attempt (receivers deduplicate on it); the timestamp is the attempt's, so a
    retry a day later is not refused as too old by a receiver's five-minute tolerance.
    """
    signature = Webhook(secret).sign(msg_id=event_id, timestamp=now, data=payload)
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
    }
