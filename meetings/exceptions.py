"""Every API error is JSON with a code: `{"code": "not-found", "detail": "..."}` (docs/api.md lists the codes).

Codes are kebab-case, like the signalling protocol's. Invalid input adds `errors`, the messages by field;
a throttled request adds `retry_after` in seconds (also sent as the Retry-After header).
"""

import logging
import math

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from meetings.actions import Refused
from signalling.publish import publish

logger = logging.getLogger("meetings.api")

# How a refused change (meetings.actions.Refused) reads over HTTP, by its code: the request was fine, the state of
# things does not allow it (409), or it names something that is not there (404). No recorder running is not a server
# error either: the deployment has nothing to do it with yet.
REFUSAL_STATUS = {
    "not-allowed": status.HTTP_403_FORBIDDEN,
    "unknown-peer": status.HTTP_404_NOT_FOUND,
    "room-not-found": status.HTTP_404_NOT_FOUND,
    "bad-message": status.HTTP_400_BAD_REQUEST,
}


class ApiError(exceptions.APIException):
    """An API refusal with its own code and status: `raise ApiError(403, "not-a-member", "...")`."""

    def __init__(self, status_code, code, detail):
        self.status_code = status_code
        super().__init__(detail=detail, code=code)


def error_code(code):
    return str(code).replace("_", "-")


def error_body(code, detail, **extra):
    return {"code": error_code(code), "detail": str(detail), **extra}


def first_message(errors):
    """Return the first message in a nested dict/list of error messages."""
    if isinstance(errors, dict):
        errors = list(errors.values())
    if isinstance(errors, list):
        return first_message(errors[0]) if errors else ""
    return str(errors)


def exception_handler(exc, context):
    """Turn any exception raised in an API view into a JSON error with a code."""
    if isinstance(exc, Refused):
        publish(exc.outbox)  # what was changed on the way all the same
        exc = ApiError(REFUSAL_STATUS.get(exc.code, status.HTTP_409_CONFLICT), exc.code, exc.message)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    response = drf_exception_handler(exc, context)
    if response is None:
        logger.exception("Unhandled error in %s", context.get("view").__class__.__name__, exc_info=exc)
        set_rollback()
        return Response(error_body("server-error", "Something went wrong on our side."), status=500)

    if isinstance(exc, exceptions.ValidationError):
        errors = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = error_body("invalid", first_message(errors) or "The request is not valid.", errors=errors)
    else:
        code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        if not isinstance(code, str):
            code = "error"
        detail = exc.detail if isinstance(exc, exceptions.APIException) else response.data.get("detail", "")
        response.data = error_body(code, detail)
        if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
            response.data["retry_after"] = math.ceil(exc.wait)
            response["Retry-After"] = str(math.ceil(exc.wait))
    return response


def not_found(request, *args, **kwargs):
    """Answer any URL under /api/ that names nothing, in JSON like every other API error."""
    return JsonResponse(error_body("not-found", "There is nothing at this address."), status=status.HTTP_404_NOT_FOUND)
