"""What a log line is about: the request (or WebSocket connection), the room and the peer, in contextvars.

Set by the HTTP middleware and the WebSocket wrapper (request id, room slug); the signalling core binds the
peer id once a socket has joined. Contextvars follow the code into tasks and `sync_to_async` threads.
"""

import contextvars
import re
import uuid

request_id = contextvars.ContextVar("request_id", default=None)
room = contextvars.ContextVar("room", default=None)
peer_id = contextvars.ContextVar("peer_id", default=None)

# An incoming X-Request-ID is kept only if it looks like an id: it ends up in every log line of the request.
ACCEPTABLE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def new_request_id(incoming=None):
    """Return the incoming X-Request-ID when it looks like an id, else a fresh one."""
    if incoming and ACCEPTABLE_REQUEST_ID.match(incoming):
        return incoming
    return uuid.uuid4().hex


def bind(**values):
    """Set request_id, room and/or peer_id for the rest of this context (task or request)."""
    for name, value in values.items():
        {"request_id": request_id, "room": room, "peer_id": peer_id}[name].set(value)


def current():
    return {"request_id": request_id.get(), "room": room.get(), "peer_id": peer_id.get()}
