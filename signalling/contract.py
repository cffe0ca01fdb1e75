"""The signalling contract in one table: close codes, roles and their permissions, room events, message rules.

docs/protocol.md explains it to people. The server reads it from here; the browsers read static/js/contract.js,
which `python manage.py write_contract` writes from this module (tests/signalling/test_contract.py fails when the
two differ, or when docs/protocol.md's close-code table does). Pure: no Django, no Channels.
"""

from dataclasses import dataclass

PROTOCOL_VERSIONS = (1,)


@dataclass(frozen=True)
class CloseCode:
    """A way a socket ends: its number, and what the client should make of it.

    reconnect: "no" (stay away), "later" (a person may let you in later), "new-token" (connect again at once with a
    fresh token), "retry" (back off, then join again with `resume`), "password" (join again with a password).
    seat_gone: the seat is gone for good, so a saved resume ticket is useless.
    title, text: what the end screen tells a person, in English (clients translate).
    rejoin: whether the end screen may offer to join again by hand: False where that cannot work or must not be
    pressed on (removed, turned away, the room gone, a pass this server will never accept).
    """

    name: str
    code: int
    reconnect: str
    seat_gone: bool
    title: str
    text: str
    rejoin: bool = True
    by_stack: bool = False  # sent by the WebSocket layer (or a proxy), never by Confer's code


CLOSE_CODES = (
    CloseCode("normal", 1000, "no", True, "You left the meeting", "You left the meeting."),
    # The WebSocket layer's own refusals of a frame, before Confer sees it.
    CloseCode("invalid-text", 1007, "no", False, "Something went wrong",
              "The meeting server refused a message that was not valid text.", by_stack=True),
    CloseCode("frame-too-large", 1009, "no", False, "Something went wrong",
              "The meeting server refused a message that was too large.", by_stack=True),
    # What a proxy in between may send when the server failed; the server itself closes with 4500.
    CloseCode("internal-error", 1011, "retry", False, "Connection lost", "The meeting server had a problem.",
              by_stack=True),
    CloseCode("protocol-error", 4000, "no", False, "Something went wrong",
              "The meeting server did not understand this page. Reload it to try again."),
    CloseCode("join-timeout", 4001, "new-token", False, "Connection lost", "Joining took too long."),
    CloseCode("forbidden", 4003, "no", False, "You can't join this meeting",
              "Your account may not enter this room. Ask its owner to add you as a member.", rejoin=False),
    CloseCode("room-not-found", 4004, "no", True, "This meeting doesn't exist",
              "The room may have been deleted, or the link may be mistyped.", rejoin=False),
    CloseCode("room-full", 4005, "later", False, "This meeting is full", "Try again when someone leaves."),
    CloseCode("room-locked", 4006, "later", False, "This meeting is locked",
              "Nobody new can join right now. Ask the host to unlock it, then try again."),
    CloseCode("version-unsupported", 4007, "no", False, "This page is out of date",
              "This page is too old for the meeting server. Reload it."),
    CloseCode("message-too-large", 4008, "no", False, "Something went wrong",
              "The meeting server refused a message that was too large."),
    CloseCode("flooding", 4009, "no", False, "Disconnected",
              "This page sent the meeting server too many messages."),
    CloseCode("denied", 4010, "no", True, "You weren't let in", "The host did not admit you to this meeting.",
              rejoin=False),
    CloseCode("replaced", 4011, "no", True, "You joined from somewhere else",
              "You are in this meeting in another tab or on another device, so this one was disconnected."),
    CloseCode("removed", 4012, "no", True, "You were removed from the meeting",
              "A moderator removed you from this meeting.", rejoin=False),
    CloseCode("meeting-ended", 4013, "no", True, "The meeting has ended",
              "A moderator ended the meeting for everyone.", rejoin=False),
    CloseCode("password-required", 4014, "password", False, "This meeting has a password",
              "Enter the room's password to join."),
    CloseCode("bad-password", 4015, "password", False, "That password is not right",
              "Enter the room's password to join."),
    CloseCode("liveness-timeout", 4016, "retry", False, "Connection lost",
              "The meeting server stopped hearing from this page."),
    CloseCode("too-many-attempts", 4017, "later", False, "Too many wrong passwords",
              "Wait a little before you try the room's password again."),
    CloseCode("token-invalid", 4100, "new-token", False, "Connection lost", "Your meeting pass was not valid."),
    CloseCode("token-expired", 4101, "new-token", False, "Connection lost", "Your meeting pass expired."),
    CloseCode("token-not-yet-valid", 4102, "new-token", False, "Connection lost",
              "Your meeting pass is not valid yet; check your computer's clock."),
    CloseCode("token-bad-signature", 4103, "no", False, "You can't join this meeting",
              "Your meeting pass was not signed by this server.", rejoin=False),
    CloseCode("token-bad-algorithm", 4104, "no", False, "You can't join this meeting",
              "Your meeting pass was signed the wrong way.", rejoin=False),
    CloseCode("token-wrong-audience", 4105, "no", False, "You can't join this meeting",
              "Your meeting pass is for another service.", rejoin=False),
    CloseCode("token-wrong-room", 4106, "no", False, "You can't join this meeting",
              "Your meeting pass is for another room.", rejoin=False),
    CloseCode("token-missing-claim", 4107, "no", False, "You can't join this meeting",
              "Your meeting pass is incomplete.", rejoin=False),
    CloseCode("token-wrong-issuer", 4108, "no", False, "You can't join this meeting",
              "Your meeting pass was issued by another server.", rejoin=False),
    # Not 1011: the WebSocket stack lets an application close only with 1000 or 3000-4999.
    CloseCode("internal-error", 4500, "retry", False, "Connection lost", "The meeting server had a problem."),
)

# The number Confer's code closes with, by name (internal-error: 4500, the one it can send).
CLOSE_CODE_BY_NAME = {close.name: close.code for close in CLOSE_CODES if not close.by_stack}
CLOSE_BY_CODE = {close.code: close for close in CLOSE_CODES}


@dataclass(frozen=True)
class Role:
    """What a role may do, and how the room treats it.

    past_gates: skips the lock, the lobby and the password. hidden: not in rosters, not counted, not announced.
    """

    name: str
    permissions: tuple
    past_gates: bool = False
    hidden: bool = False


ROLES = (
    Role("host", ("publish", "subscribe", "chat", "moderate", "record"), past_gates=True),
    Role("moderator", ("publish", "subscribe", "chat", "moderate"), past_gates=True),
    Role("participant", ("publish", "subscribe", "chat")),
    Role("viewer", ("subscribe", "chat")),
    Role("recorder", ("subscribe", "record"), past_gates=True, hidden=True),
)
ROLE_PERMISSIONS = {role.name: role.permissions for role in ROLES}
ROLES_PAST_GATES = frozenset(role.name for role in ROLES if role.past_gates)
HIDDEN_ROLES = frozenset(role.name for role in ROLES if role.hidden)
MODERATOR_ROLES = frozenset(role.name for role in ROLES if "moderate" in role.permissions)
# The roles a moderator may give with `set-role`, and the only ones such a change may take away.
ASSIGNABLE_ROLES = ("moderator", "participant")

# The room events that carry a `seq` and change the room state (docs/protocol.md, "Room state and events").
SEQUENCED_EVENTS = ("peer-joined", "peer-left", "peer-updated", "room-updated", "chat", "lobby-updated")

# The permission each client message needs beyond being seated; the others need none.
MESSAGE_PERMISSIONS = {
    **dict.fromkeys(("remove", "mute", "ask-unmute", "lock", "unlock", "end-meeting", "set-role", "admit", "deny",
                     "start-recording", "stop-recording", "mute-everyone"), "moderate"),
    "chat": "chat",
    "reaction": "chat",
    # Media through the server: a viewer may subscribe, never publish.
    "sfu-publish": "publish",
    **dict.fromkeys(("sfu-subscribe", "sfu-unsubscribe", "sfu-answer", "sfu-quality"), "subscribe"),
}

# The reactions a peer may send (`reaction`), and how often: one per peer every REACTION_INTERVAL_MS at most.
REACTIONS = ("👍", "❤️", "😂", "😮", "👏", "🎉")
REACTION_INTERVAL_MS = 400
# What someone waiting in the lobby may send.
LOBBY_MESSAGES = ("leave", "ping")


def as_javascript():
    """Return static/js/contract.js: this module for the browsers, English texts marked for translation."""
    import json

    def text(value):
        return f"gettext_noop({json.dumps(value, ensure_ascii=False)})"

    close_lines = []
    for close in CLOSE_CODES:
        close_lines.append(
            f"  {close.code}: Object.freeze({{ name: {json.dumps(close.name)}, reconnect: {json.dumps(close.reconnect)}, "
            f"seatGone: {json.dumps(close.seat_gone)}, rejoin: {json.dumps(close.rejoin)},\n"
            f"    title: {text(close.title)},\n    text: {text(close.text)} }}),"
        )
    roles = ",\n".join(
        f"  {role.name}: Object.freeze({{ permissions: Object.freeze({json.dumps(list(role.permissions))}), "
        f"pastGates: {json.dumps(role.past_gates)}, hidden: {json.dumps(role.hidden)} }})"
        for role in ROLES
    )
    return "\n".join([
        "// Generated from signalling/contract.py by `python manage.py write_contract`: do not edit by hand.",
        "// The signalling contract of docs/protocol.md: close codes, roles, room events, message rules.",
        "",
        'import { gettext_noop } from "./i18n.js";',
        "",
        f"export const PROTOCOL_VERSIONS = Object.freeze({json.dumps(list(PROTOCOL_VERSIONS))});",
        "",
        "/** Close codes by number: name, reconnect advice, whether the seat is gone, and what to tell a person. */",
        "export const CLOSE_CODES = Object.freeze({",
        *close_lines,
        "});",
        "",
        "/** Roles: their permissions, whether they skip the lock, lobby and password, whether they are hidden. */",
        "export const ROLES = Object.freeze({",
        roles,
        "});",
        "",
        f"export const ASSIGNABLE_ROLES = Object.freeze({json.dumps(list(ASSIGNABLE_ROLES))});",
        f"export const SEQUENCED_EVENTS = Object.freeze({json.dumps(list(SEQUENCED_EVENTS))});",
        f"export const MESSAGE_PERMISSIONS = Object.freeze({json.dumps(MESSAGE_PERMISSIONS, sort_keys=True)});",
        f"export const LOBBY_MESSAGES = Object.freeze({json.dumps(list(LOBBY_MESSAGES))});",
        f"export const REACTIONS = Object.freeze({json.dumps(list(REACTIONS), ensure_ascii=False)});",
        f"export const REACTION_INTERVAL_MS = {REACTION_INTERVAL_MS};",
        "",
    ])
