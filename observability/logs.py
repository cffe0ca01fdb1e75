"""Log formatting: plain or one JSON object per line (LOG_FORMAT=json), and a filter that redacts secrets.

The filter is on the handler, so every record that reaches the console passes it, whoever logged it: a token,
a password or a secret that slips into a message (or an exception's text) is replaced by `[redacted]`.
"""

import json
import logging
import re
from datetime import datetime, timezone

from observability import context

REDACTED = "[redacted]"

PATTERNS = [
    # JSON Web Tokens: room tokens, OIDC id and access tokens.
    re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"),
    # Webhook secrets and Confer API keys.
    re.compile(r"whsec_[A-Za-z0-9+/=]{8,}"),
    re.compile(r"cfk_[A-Za-z0-9_-]{8,}"),
    # key=value and "key": "value" for names that carry secrets.
    re.compile(
        r"""(?ix)
        (?P<key>["']?(?:password\d?|passwd|secret|client_secret|credential|token|access_token|id_token|
               refresh_token|api[_-]?key|authorization|sessionid|csrftoken|resume_secret)["']?)
        (?P<sep>\s*[:=]\s*)
        (?P<value>"[^"]*"|'[^']*'|[^\s,&;}\]]+)
        """
    ),
    # An OAuth authorization code (or state) in a logged URL.
    re.compile(r"(?<=[?&])(?:code|state)=[^&\s\"']+"),
    # Authorization headers.
    re.compile(r"(?i)\b(?:Bearer|Api-Key|Basic)\s+[A-Za-z0-9._~+/=-]{8,}"),
]


def redact_pairs(match):
    value = match.group("value")
    quote = value[0] if value[:1] in "\"'" else ""
    return f"{match.group('key')}{match.group('sep')}{quote}{REDACTED}{quote}"


class RedactSecrets(logging.Filter):
    """Replace secrets in a record's message and exception text; `known` adds exact values (SECRET_KEY...)."""

    def __init__(self, known=()):
        super().__init__()
        self.known = [value for value in known if value and len(value) >= 6]

    def redact(self, text):
        for value in self.known:
            text = text.replace(value, REDACTED)
        for pattern in PATTERNS:
            text = pattern.sub(redact_pairs if "key" in pattern.groupindex else REDACTED, text)
        return text

    def filter(self, record):
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: log what there is rather than lose the line
            message = f"{record.msg!r} {record.args!r}"
        record.msg, record.args = self.redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def known_secrets():
    """The deployment's own secrets, redacted wherever they appear."""
    from django.conf import settings

    values = [settings.SECRET_KEY, settings.ROOM_TOKEN_SECRET, getattr(settings, "TURN_SECRET", ""),
              getattr(settings, "METRICS_TOKEN", "")]
    for provider in getattr(settings, "OIDC_PROVIDER_LIST", []):
        values.append(provider.get("secret", ""))
    if getattr(settings, "EMAIL_HOST_PASSWORD", ""):
        values.append(settings.EMAIL_HOST_PASSWORD)
    return values


class SettingsRedactSecrets(RedactSecrets):
    """RedactSecrets that also knows the deployment's secrets (read from settings on first use)."""

    def __init__(self):
        super().__init__()
        self.loaded = False

    def filter(self, record):
        if not self.loaded:
            try:
                self.known = [value for value in known_secrets() if value and len(value) >= 6]
                self.loaded = True
            except Exception:  # settings not ready yet: patterns only, try again next time
                pass
        return super().filter(record)


class ContextFilter(logging.Filter):
    """Put the request id, room and peer id of the current context on every record (and `context`, as text)."""

    def filter(self, record):
        for name, value in context.current().items():
            if getattr(record, name, None) is None:
                setattr(record, name, value)
        where = " ".join(f"{name}={getattr(record, name)}" for name in ("request_id", "room", "peer_id")
                         if getattr(record, name, None))
        record.context = f" [{where}]" if where else ""
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, room, peer_id (and exc_info)."""

    def format(self, record):
        entry = {
            "time": datetime.fromtimestamp(record.created, tz=timezone.utc).isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in ("request_id", "room", "peer_id"):
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exc_info"] = record.exc_text
        if record.stack_info:
            entry["stack_info"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False, default=str)
