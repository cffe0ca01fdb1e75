"""The log filter takes secrets out of messages and tracebacks, and leaves the rest alone."""

import logging

import pytest

from observability.logs import JsonFormatter, RedactSecrets

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyOjEifQ.c2lnbmF0dXJlLWJ5dGVz"


def redacted(message, *args, known=()):
    record = logging.LogRecord("test", logging.INFO, __file__, 1, message, args, None)
    RedactSecrets(known).filter(record)
    return record.getMessage()


@pytest.mark.parametrize("message, args, secret", [
    ("join with token %s", (JWT,), JWT),
    ("GET /api/v1/nothing/%s/", (JWT,), JWT),
    ('frame {"type": "join", "password": "%s"}', ("hunter2-room",), "hunter2-room"),
    ("login password=%s next=/", ("alice-pw-1",), "alice-pw-1"),
    ("ice %s", ('{"username": "1700:u1", "credential": "bXktdHVybi1jcmVk"}',), "bXktdHVybi1jcmVk"),
    ("endpoint secret %s", ("whsec_MfKQ9r8GKYqZ7eYg1u2nLHjXb4wz0mGQ",), "whsec_MfKQ9r8GKYqZ7eYg1u2nLHjXb4wz0mGQ"),
    ("key %s", ("cfk_3q0Yx8AbCdEfGhIj",), "cfk_3q0Yx8AbCdEfGhIj"),
    ("headers %s", ({"Authorization": "Bearer abcdefghijklmnop"},), "abcdefghijklmnop"),
    ("GET /accounts/oidc/acme/login/callback/?state=%s&code=%s", ("st4te-value", "auth-c0de-value"), "auth-c0de-value"),
    ("client_secret=%s", ("oidc-client-secret",), "oidc-client-secret"),
])
def test_a_secret_in_a_message_is_redacted(message, args, secret):
    text = redacted(message, *args)
    assert secret not in text
    assert "[redacted]" in text


def test_the_deployments_own_secrets_are_redacted_wherever_they_appear():
    assert redacted("settings %s", "key=x confer-secret-key-value y", known=["confer-secret-key-value"]) == \
        "settings key=x [redacted] y"


def test_ordinary_messages_are_left_alone():
    for message in ("signalling closed socket with code=4008 in room k7dq-m3xa-p9wn",
                    "webhook evt_abc to endpoint 3 failed: HTTP 503",
                    'Not Found: /api/v1/rooms/k7dq-m3xa-p9wn/'):
        assert redacted(message) == message


def test_a_traceback_is_redacted_too():
    try:
        raise ValueError(f"bad token {JWT}")
    except ValueError:
        import sys

        record = logging.LogRecord("test", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    RedactSecrets().filter(record)
    line = JsonFormatter().format(record)
    assert JWT not in line
    assert "ValueError: bad token [redacted]" in line
    assert "\n" not in line  # one line per event, traceback included
