"""The signalling protocol's pure core: decode frames, validate messages, build replies.

No Django or Channels here; docs/protocol.md is the contract this module implements, and signalling/contract.py
holds its tables (close codes, roles, which messages need which permission).
"""

import json
from dataclasses import dataclass

from signalling.contract import CLOSE_CODE_BY_NAME, LOBBY_MESSAGES, MESSAGE_PERMISSIONS, PROTOCOL_VERSIONS, REACTIONS

SUPPORTED_VERSIONS = PROTOCOL_VERSIONS


class ProtocolError(Exception):
    """The peer broke the protocol or was refused: answer with a fatal error and close with `close_code`.

    `details` go into the error message as they are (`retry_after` for too-many-attempts).
    """

    def __init__(self, code, message, **details):
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details

    @property
    def close_code(self):
        return CLOSE_CODE_BY_NAME[self.code]


class UserError(Exception):
    """The message cannot be carried out, but the connection lives on."""

    def __init__(self, code, message, in_reply_to=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.in_reply_to = in_reply_to


@dataclass(frozen=True)
class Message:
    type: str
    fields: dict

    def __getitem__(self, name):
        return self.fields[name]


# Field checks: each returns the cleaned value or raises ValueError with what is wrong.
def _unicode_text(value):
    """Refuse a lone surrogate ("\\ud800" in the JSON): it decodes, but no database or peer can take it."""
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("must be valid Unicode text (it holds a lone surrogate)") from None
    return value


def _string(max_length):
    def check(value):
        if not isinstance(value, str):
            raise ValueError("must be a string")
        if len(value) > max_length:
            raise ValueError(f"must be at most {max_length} characters")
        return _unicode_text(value)

    return check


def _nullable(check):
    def nullable_check(value):
        return None if value is None else check(value)

    return nullable_check


def _non_negative_int(value):
    if isinstance(value, bool) or not isinstance(value, int) or value < 0 or value > 65535:
        raise ValueError("must be a non-negative integer")
    return value


def _versions(value):
    if not isinstance(value, list) or not value or len(value) > 16:
        raise ValueError("must be a non-empty list of integers")
    if any(isinstance(item, bool) or not isinstance(item, int) for item in value):
        raise ValueError("must be a non-empty list of integers")
    return value


def _object(shape):
    """Check a nested object against {name: (check, required)}."""

    def check(value):
        if not isinstance(value, dict):
            raise ValueError("must be an object")
        return _check_fields(value, shape)

    return check


def _description(expected_type):
    shape = {"type": (_string(16), True), "sdp": (_string(60000), True)}

    def check(value):
        description = _object(shape)(value)
        if description["type"] != expected_type:
            raise ValueError(f"type must be {expected_type!r}")
        return description

    return check


_peer_id = _string(32)
_candidate = _nullable(
    _object(
        {
            "candidate": (_string(1024), True),
            "sdp_mid": (_nullable(_string(64)), False),
            "sdp_mline_index": (_nullable(_non_negative_int), False),
        }
    )
)

def _boolean(value):
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def _one_of(*choices):
    def check(value):
        if value not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}")
        return value

    return check


def _chat_text(value):
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be a non-empty string")
    return _unicode_text(value)


def _substream(value):
    if isinstance(value, bool) or value not in (0, 1, 2):
        raise ValueError("must be 0, 1 or 2")
    return value


def _list_of(check, max_items):
    def list_check(value):
        if not isinstance(value, list) or len(value) > max_items:
            raise ValueError(f"must be a list of at most {max_items} items")
        return [check(item) for item in value]

    return list_check


# Through the server (docs/protocol.md, "Media through the server"): a subscription is named by the client
# ("main" for the page); a stream it asks for is a publisher's peer id and that publisher's stream mid.
_subscription = _string(32)
_mid = _string(8)
_subscribed_fields = _object({"feed": (_peer_id, True), "mid": (_nullable(_mid), False),
                              "kind": (_nullable(_one_of("audio", "video", "screen")), False)})


def _subscribed_stream(value):
    """A publisher's stream by its mid, or all of a publisher's streams of a kind: exactly one of the two."""
    stream = _subscribed_fields(value)
    if (stream["mid"] is None) == (stream["kind"] is None):
        raise ValueError("needs either 'mid' or 'kind'")
    return stream

# Which browser-to-browser connection a relayed message is for: absent for the media one, "data" for the data-only
# connection a meeting through the server opens for files.
_link = _nullable(_one_of("data"))
_resume = _nullable(_object({"peer_id": (_peer_id, True), "secret": (_string(64), True),
                              "keep_media": (_boolean, False)}))
_media_kind = _one_of("audio", "video", "screen")

# What each client message may hold: {type: {field: (check, required)}}, and whether it needs a joined socket.
CLIENT_MESSAGES = {
    "join": (
        {
            "token": (_string(8192), True),
            "versions": (_versions, True),
            "password": (_nullable(_string(128)), False),
            "resume": (_resume, False),
            "state": (_nullable(_object({name: (_boolean, False) for name in ("audio", "video", "screen", "hand")})), False),
        },
        False,
    ),
    "offer": ({"to": (_peer_id, True), "description": (_description("offer"), True), "link": (_link, False)}, True),
    "answer": ({"to": (_peer_id, True), "description": (_description("answer"), True), "link": (_link, False)}, True),
    "candidate": ({"to": (_peer_id, True), "candidate": (_candidate, True), "link": (_link, False)}, True),
    "restart-ice": ({"to": (_peer_id, True), "link": (_link, False)}, True),
    "leave": ({}, True),
    "ping": ({}, False),
    "ice-servers": ({}, True),
    "resync": ({}, True),
    "state": ({name: (_boolean, False) for name in ("audio", "video", "screen", "hand")}, True),
    "chat": ({"text": (_chat_text, True), "to": (_nullable(_peer_id), False)}, True),
    "reaction": ({"emoji": (_one_of(*REACTIONS), True)}, True),
    # Moderation: needs the `moderate` permission.
    "remove": ({"peer_id": (_peer_id, True)}, True),
    "mute": ({"peer_id": (_peer_id, True), "kind": (_media_kind, True)}, True),
    "ask-unmute": ({"peer_id": (_peer_id, True), "kind": (_media_kind, True)}, True),
    "lock": ({}, True),
    "unlock": ({}, True),
    "end-meeting": ({}, True),
    "set-role": ({"peer_id": (_peer_id, True), "role": (_one_of("moderator", "participant"), True)}, True),
    "admit": ({"peer_id": (_peer_id, True)}, True),
    "deny": ({"peer_id": (_peer_id, True)}, True),
    "start-recording": ({}, True),
    "stop-recording": ({}, True),
    "mute-everyone": ({}, True),
    # Media through the server: only in meetings whose room state says "route": "sfu".
    "sfu-publish": ({"description": (_description("offer"), True), "screen": (_nullable(_mid), False)}, True),
    "sfu-unpublish": ({}, True),
    "sfu-subscribe": ({"subscription": (_subscription, True), "streams": (_list_of(_subscribed_stream, 300), True)},
                      True),
    "sfu-unsubscribe": ({"subscription": (_subscription, True)}, True),
    "sfu-answer": ({"subscription": (_subscription, True), "description": (_description("answer"), True)}, True),
    "sfu-candidate": ({"target": (_subscription, True), "candidate": (_candidate, True)}, True),
    "sfu-quality": ({"subscription": (_subscription, True), "mid": (_mid, True), "substream": (_substream, True)},
                    True),
}
RELAYED_TYPES = frozenset({"offer", "answer", "candidate", "restart-ice"})
MODERATION_TYPES = frozenset(name for name, permission in MESSAGE_PERMISSIONS.items() if permission == "moderate")
LOBBY_TYPES = frozenset(LOBBY_MESSAGES)


def _check_fields(data, shape):
    cleaned = {}
    for name, (check, required) in shape.items():
        if name not in data:
            if required:
                raise ValueError(f"{name!r} is required")
            cleaned[name] = None
            continue
        try:
            cleaned[name] = check(data[name])
        except ValueError as error:
            raise ValueError(f"{name!r} {error}") from None
    return cleaned


def _reject_duplicate_keys(pairs):
    obj = {}
    for key, value in pairs:
        if key in obj:
            raise ValueError(f"duplicate key {key!r}")
        obj[key] = value
    return obj


# One decoder for every frame: json.loads with a hook builds a new one per call.
_DECODER = json.JSONDecoder(object_pairs_hook=_reject_duplicate_keys)


def decode_frame(text, max_bytes):
    """Return the JSON object in a text frame, or raise ProtocolError."""
    if not isinstance(text, str):
        raise ProtocolError("protocol-error", "Frames must be UTF-8 text holding a JSON object.")
    # len(text) <= bytes <= 4 * len(text): encode only when the cheap bounds cannot decide.
    if len(text) > max_bytes or (len(text) * 4 > max_bytes and len(text.encode("utf-8", "surrogatepass")) > max_bytes):
        raise ProtocolError("message-too-large", f"Frames must be at most {max_bytes} bytes.")
    try:
        data = _DECODER.decode(text)
    except (ValueError, RecursionError) as error:
        raise ProtocolError("protocol-error", f"The frame is not valid JSON: {error}") from None
    if not isinstance(data, dict):
        raise ProtocolError("protocol-error", "A frame must hold a JSON object.")
    if not isinstance(data.get("type"), str):
        raise ProtocolError("protocol-error", "A message needs a string 'type'.")
    return data


def parse_client_message(data, joined):
    """Return the validated Message for a decoded frame, or raise UserError / ProtocolError."""
    message_type = data["type"]
    if message_type not in CLIENT_MESSAGES:
        if not joined:
            raise ProtocolError("protocol-error", "The first message must be 'join'.")
        raise UserError("unknown-type", f"Unknown message type {message_type[:40]!r}.", in_reply_to=message_type[:40])
    shape, needs_join = CLIENT_MESSAGES[message_type]
    if needs_join and not joined:
        raise ProtocolError("protocol-error", "The first message must be 'join'.")
    if message_type == "join" and joined:
        raise UserError("already-joined", "This socket has joined already.", in_reply_to="join")
    try:
        fields = _check_fields(data, shape)
    except ValueError as error:
        if message_type == "join":
            raise ProtocolError("protocol-error", f"Bad join: {error}.") from None
        raise UserError("bad-message", f"Bad {message_type}: {error}.", in_reply_to=message_type) from None
    return Message(message_type, fields)


def choose_version(offered):
    """Return the highest protocol version both sides speak, or raise ProtocolError."""
    common = set(offered) & set(SUPPORTED_VERSIONS)
    if not common:
        supported = ", ".join(map(str, SUPPORTED_VERSIONS))
        raise ProtocolError("version-unsupported", f"This server speaks protocol versions {supported}.")
    return max(common)


DIRECTIONS = ("sendrecv", "sendonly", "recvonly", "inactive")


def sdp_sends_media(sdp):
    """Return whether a session description sends audio or video (what the `publish` permission allows), read the
    way a browser reads it, and where it is unclear, as sending.

    - Lines end at LF alone (a CR before it is dropped), as WebRTC's parser splits them: no other character may
      start a line the browser would not see.
    - A section with port 0 is rejected, unless it is `a=bundle-only` (JSEP's bundled section, which is live).
    - A section's direction is its own `a=` direction, else the session's, else sendrecv (RFC 8866). A section
      with several counts as sending if any of them sends.
    """
    session_directions = []
    sections = []  # [kind, port open, directions, bundle-only]
    for raw in sdp.split("\n"):
        line = raw[:-1] if raw.endswith("\r") else raw
        if line.startswith("m="):
            parts = line[2:].split(" ")
            kind = parts[0].lower() if parts else ""
            try:
                port_open = int(parts[1].split("/")[0]) != 0
            except (IndexError, ValueError):
                port_open = True  # a browser would refuse the whole description; we only must not say "receives"
            sections.append([kind, port_open, [], False])
        elif line.startswith("a="):
            attribute = line[2:]
            target = sections[-1][2] if sections else session_directions
            if attribute in DIRECTIONS:
                target.append(attribute)
            elif attribute == "bundle-only" and sections:
                sections[-1][3] = True
    for kind, port_open, directions, bundle_only in sections:
        if kind not in ("audio", "video") or not (port_open or bundle_only):
            continue
        if any(direction in ("sendrecv", "sendonly") for direction in directions or session_directions or ["sendrecv"]):
            return True
    return False


def published_sections(sdp):
    """Return the (kind, mid) of each media section of a session description, in order (mid None when missing)."""
    sections = []
    for raw in sdp.split("\n"):
        line = raw[:-1] if raw.endswith("\r") else raw
        if line.startswith("m="):
            sections.append([line[2:].split(" ")[0].lower(), None])
        elif line.startswith("a=mid:") and sections:
            sections[-1][1] = line[6:].strip()
    return [tuple(section) for section in sections]


def check_published_shape(sdp, screen_mid):
    """Raise ValueError unless an offer to publish through the server is one camera, one microphone and at most one
    screen: at most one audio section and two video sections, a second video only as the named screen, and the
    screen a video section of the offer."""
    sections = published_sections(sdp)
    audio = [mid for kind, mid in sections if kind == "audio"]
    video = [mid for kind, mid in sections if kind == "video"]
    if len(audio) > 1 or len(video) > 2 or len(sections) > len(audio) + len(video):
        raise ValueError("an offer publishes at most one audio and two video sections, and nothing else")
    if screen_mid is not None and screen_mid not in video:
        raise ValueError("'screen' must name a video section of the offer")
    if len(video) == 2 and screen_mid is None:
        raise ValueError("a second video section is only for a shared screen, named in 'screen'")


def relayed(message, sender_peer_id):
    """Return what the addressee of a relayed message receives: the payload, `from` set by the server."""
    payload = {"type": message.type, "from": sender_peer_id}
    for name, value in message.fields.items():
        if name != "to" and not (name == "link" and value is None):
            payload[name] = value
    return payload


def error_message(code, message, fatal=False, in_reply_to=None, **details):
    payload = {"type": "error", "code": code, "message": message, "fatal": fatal, **details}
    if in_reply_to is not None:
        payload["in_reply_to"] = in_reply_to
    return payload


def encode(payload):
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
