"""Every HTTP request gets a request id (an incoming X-Request-ID is kept) and is timed for /metrics."""

import time

from asgiref.sync import iscoroutinefunction, markcoroutinefunction

from observability import context, metrics

KNOWN_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


def route_of(request):
    """Return the URL pattern that answered (bounded, unlike paths): e.g. "api/v1/rooms/<slug:slug>/"."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "(unmatched)"
    return match.route or match.view_name or "(unnamed)"


class RequestContextMiddleware:
    """Outermost middleware: binds the request id for the logs, answers with it, and times the request."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def begin(self, request):
        request.request_id = context.new_request_id(request.headers.get("X-Request-ID"))
        context.bind(request_id=request.request_id, room=None, peer_id=None)
        return time.perf_counter()

    def end(self, request, response, started):
        response["X-Request-ID"] = request.request_id
        method = request.method if request.method in KNOWN_METHODS else "OTHER"
        metrics.http_request(method, route_of(request), str(response.status_code), time.perf_counter() - started)
        return response

    def __call__(self, request):
        if self.is_async:
            return self.__acall__(request)
        started = self.begin(request)
        return self.end(request, self.get_response(request), started)

    async def __acall__(self, request):
        started = self.begin(request)
        return self.end(request, await self.get_response(request), started)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if "slug" in view_kwargs:
            context.bind(room=view_kwargs["slug"])
