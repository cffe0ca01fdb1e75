"""Confer's Prometheus metrics: the metric objects, and one cheap function to call per event.

Callers never touch prometheus_client: `metrics.joined("host")`, `metrics.refused("token-expired")`,
`metrics.relayed("offer", 0.0004)`. Each is a dictionary lookup and a float add (an mmap write in multiprocess
mode), safe from any thread or the event loop.

In multiprocess mode (PROMETHEUS_MULTIPROC_DIR set before the process starts; docs/operations.md) each process
writes its values to files in that directory and /metrics adds them up, so several daphne workers and the
webhook worker report as one service. The gauges of the database (live meetings, the webhook queue...) are
read at scrape time by observability.collectors.
"""

from prometheus_client import Counter, Gauge, Histogram

# Signalling: fast, so buckets from 0.1 ms.
RELAY_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
WEBHOOK_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

JOINS = Counter("confer_signalling_joins", "Participants admitted to a meeting (seated or sent to the lobby), by role.",
                ["role"])
REFUSALS = Counter("confer_signalling_refusals",
                   "Sockets refused or closed by the server, by close-code name (docs/protocol.md).", ["reason"])
RELAYED = Counter("confer_signalling_relayed_messages", "Messages relayed to another peer, by kind.", ["kind"])
RELAY_SECONDS = Histogram("confer_signalling_relay_seconds",
                          "Time from receiving a message to handing it to the channel layer, by kind.", ["kind"],
                          buckets=RELAY_BUCKETS)
SHED = Counter("confer_signalling_shed_messages",
               "Relays not delivered because they waited longer than SIGNALLING_SHED_AFTER (the worker was overloaded).")
HELD_RELAYS = Counter("confer_signalling_held_relays",
                      "Relays held for a room event their sender had seen, by how they were let go.", ["released"])
DB_CHANGES = Counter("confer_signalling_db_changes", "Changes committed by SQLite's group-committing writer.")
DB_TRANSACTIONS = Counter("confer_signalling_db_transactions", "Transactions of SQLite's group-committing writer.")
LAYER_ERRORS = Counter("confer_channel_layer_errors", "Channel-layer operations that failed, by kind.", ["kind"])
LAYER_RECONNECTS = Counter("confer_channel_layer_reconnects", "Times a worker reconnected to the channel layer.")
WEBSOCKETS_OPEN = Gauge("confer_websockets_open", "WebSocket connections open now.", multiprocess_mode="livesum")
WEBSOCKETS_OPENED = Counter("confer_websockets_opened", "WebSocket connections accepted by the ASGI server.")

HTTP_REQUEST_SECONDS = Histogram("confer_http_request_seconds", "HTTP requests: time to the response, by route.",
                                 ["method", "route", "status"], buckets=REQUEST_BUCKETS)

WEBHOOK_ATTEMPTS = Counter("confer_webhook_attempts", "Webhook delivery attempts, by outcome.", ["outcome"])
WEBHOOK_ATTEMPT_SECONDS = Histogram("confer_webhook_attempt_seconds", "Webhook delivery attempts: time to the answer.",
                                    buckets=WEBHOOK_BUCKETS)
WEBHOOK_GIVEN_UP = Counter("confer_webhook_deliveries_given_up",
                           "Webhook deliveries given up after retrying for WEBHOOK_RETRY_FOR.")
HANDOFFS = Counter("confer_worker_handoffs",
                   "Room sockets handed to the worker their room belongs on (config.handoff), by outcome: handed, "
                   "adopted, unreachable (that worker is gone), failed (its queue was full, or the client left).",
                   ["outcome"])


def joined(role):
    """A participant was admitted (seated or sent to the lobby) with this role."""
    JOINS.labels(role).inc()


def shed():
    """A relay was dropped because the worker fell behind; its sender is told `overloaded`."""
    SHED.inc()


def refused(close_name):
    """A socket was refused or closed by the server with this close-code name, e.g. "token-expired"."""
    REFUSALS.labels(close_name).inc()


_relay_children = {}  # kind -> (counter, histogram): labels() takes a lock and builds a key on every call


def relayed(kind, seconds):
    """A message of this kind ("offer", "answer", "candidate", "chat"...) was relayed, taking `seconds`."""
    children = _relay_children.get(kind)
    if children is None:
        children = _relay_children[kind] = (RELAYED.labels(kind), RELAY_SECONDS.labels(kind))
    children[0].inc()
    children[1].observe(seconds)


def relays_held(count, released):
    """`count` relays waited for the room event their sender had seen; released "event" (it came) or "timeout"."""
    HELD_RELAYS.labels(released).inc(count)


def committed(changes):
    """SQLite's writer committed a transaction of this many changes."""
    DB_TRANSACTIONS.inc()
    DB_CHANGES.inc(changes)


def layer_error(kind):
    """A channel-layer operation failed: kind is e.g. "send", "group_send", "receive"."""
    LAYER_ERRORS.labels(kind).inc()


def layer_reconnected():
    LAYER_RECONNECTS.inc()


def socket_opened():
    WEBSOCKETS_OPEN.inc()
    WEBSOCKETS_OPENED.inc()


def socket_closed():
    WEBSOCKETS_OPEN.dec()


def http_request(method, route, status, seconds):
    HTTP_REQUEST_SECONDS.labels(method, route, status).observe(seconds)


def webhook_attempt(outcome, seconds):
    """A webhook delivery attempt ended: outcome is "success" or "failure"."""
    WEBHOOK_ATTEMPTS.labels(outcome).inc()
    WEBHOOK_ATTEMPT_SECONDS.observe(seconds)


def webhook_given_up():
    WEBHOOK_GIVEN_UP.inc()


def handoff(outcome):
    HANDOFFS.labels(outcome).inc()
