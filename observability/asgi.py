"""An ASGI wrapper for WebSocket connections: a request id and the room slug for their logs, and the open-socket
gauge. Outside the signalling consumer, so the consumer need not know about either."""

from observability import context, metrics


def room_slug_from_path(path):
    """Return the slug of /ws/rooms/<slug>/, or None."""
    parts = [part for part in path.split("/") if part]
    if len(parts) >= 3 and parts[0] == "ws" and parts[1] == "rooms":
        return parts[2][:64]
    return None


def header(scope, name):
    for key, value in scope.get("headers", []):
        if key.decode("latin-1").lower() == name:
            return value.decode("latin-1")
    return None


class WebSocketContext:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "websocket":
            return await self.app(scope, receive, send)
        context.bind(request_id=context.new_request_id(header(scope, "x-request-id")),
                     room=room_slug_from_path(scope.get("path", "")), peer_id=None)
        accepted = False

        async def counting_send(message):
            nonlocal accepted
            if message["type"] == "websocket.accept" and not accepted:
                accepted = True
                metrics.socket_opened()
            return await send(message)

        try:
            return await self.app(scope, receive, counting_send)
        finally:
            if accepted:
                metrics.socket_closed()
