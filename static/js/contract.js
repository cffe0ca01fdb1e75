// Generated from signalling/contract.py by `python manage.py write_contract`: do not edit by hand.
// The signalling contract of docs/protocol.md: close codes, roles, room events, message rules.

import { gettext_noop } from "./i18n.js";

export const PROTOCOL_VERSIONS = Object.freeze([1]);

/** Close codes by number: name, reconnect advice, whether the seat is gone, and what to tell a person. */
export const CLOSE_CODES = Object.freeze({
  1000: Object.freeze({ name: "normal", reconnect: "no", seatGone: true, rejoin: true,
    title: gettext_noop("You left the meeting"),
    text: gettext_noop("You left the meeting.") }),
  1011: Object.freeze({ name: "internal-error", reconnect: "retry", seatGone: false, rejoin: true,
    title: gettext_noop("Connection lost"),
    text: gettext_noop("The meeting server had a problem.") }),
  4000: Object.freeze({ name: "protocol-error", reconnect: "no", seatGone: false, rejoin: true,
    title: gettext_noop("Something went wrong"),
    text: gettext_noop("The meeting server did not understand this page. Reload it to try again.") }),
  4001: Object.freeze({ name: "join-timeout", reconnect: "new-token", seatGone: false, rejoin: true,
    title: gettext_noop("Connection lost"),
    text: gettext_noop("Joining took too long.") }),
  4003: Object.freeze({ name: "forbidden", reconnect: "no", seatGone: false, rejoin: false,
    title: gettext_noop("You can't join this meeting"),
    text: gettext_noop("Your account may not enter this room. Ask its owner to add you as a member.") }),
  4004: Object.freeze({ name: "room-not-found", reconnect: "no", seatGone: true, rejoin: false,
    title: gettext_noop("This meeting doesn't exist"),
    text: gettext_noop("The room may have been deleted, or the link may be mistyped.") }),
  4005: Object.freeze({ name: "room-full", reconnect: "later", seatGone: false, rejoin: true,
    title: gettext_noop("This meeting is full"),
    text: gettext_noop("Try again when someone leaves.") }),
  4006: Object.freeze({ name: "room-locked", reconnect: "later", seatGone: false, rejoin: true,
    title: gettext_noop("This meeting is locked"),
    text: gettext_noop("Nobody new can join right now. Ask the host to unlock it, then try again.") }),
  4007: Object.freeze({ name: "version-unsupported", reconnect: "no", seatGone: false, rejoin: true,
    title: gettext_noop("This page is out of date"),
    text: gettext_noop("This page is too old for the meeting server. Reload it.") }),
  4008: Object.freeze({ name: "message-too-large", reconnect: "no", seatGone: false, rejoin: true,
    title: gettext_noop("Something went wrong"),
    text: gettext_noop("The meeting server refused a message that was too large.") }),
  4009: Object.freeze({ name: "flooding", reconnect: "no", seatGone: false, rejoin: true,
    title: gettext_noop("Disconnected"),
    text: gettext_noop("This page sent the meeting server too many messages.") }),
  4010: Object.freeze({ name: "denied", reconnect: "no", seatGone: true, rejoin: false,
    title: gettext_noop("You weren't let in"),
    text: gettext_noop("The host did not admit you to this meeting.") }),
  4011: Object.freeze({ name: "replaced", reconnect: "no", seatGone: true, rejoin: true,
    title: gettext_noop("You joined from somewhere else"),
    text: gettext_noop("You are in this meeting in another tab or on another device, so this one was disconnected.") }),
  4012: Object.freeze({ name: "removed", reconnect: "no", seatGone: true, rejoin: false,
    title: gettext_noop("You were removed from the meeting"),
    text: gettext_noop("A moderator removed you from this meeting.") }),
  4013: Object.freeze({ name: "meeting-ended", reconnect: "no", seatGone: true, rejoin: false,
    title: gettext_noop("The meeting has ended"),
    text: gettext_noop("A moderator ended the meeting for everyone.") }),
  4014: Object.freeze({ name: "password-required", reconnect: "password", seatGone: false, rejoin: true,
    title: gettext_noop("This meeting has a password"),
    text: gettext_noop("Enter the room's password to join.") }),
  4015: Object.freeze({ name: "bad-password", reconnect: "password", seatGone: false, rejoin: true,
    title: gettext_noop("That password is not right"),
    text: gettext_noop("Enter the room's password to join.") }),
  4016: Object.freeze({ name: "liveness-timeout", reconnect: "retry", seatGone: false, rejoin: true,
    title: gettext_noop("Connection lost"),
    text: gettext_noop("The meeting server stopped hearing from this page.") }),
  4100: Object.freeze({ name: "token-invalid", reconnect: "new-token", seatGone: false, rejoin: true,
    title: gettext_noop("Connection lost"),
    text: gettext_noop("Your meeting pass was not valid.") }),
  4101: Object.freeze({ name: "token-expired", reconnect: "new-token", seatGone: false, rejoin: true,
    title: gettext_noop("Connection lost"),
    text: gettext_noop("Your meeting pass expired.") }),
  4102: Object.freeze({ name: "token-not-yet-valid", reconnect: "new-token", seatGone: false, rejoin: true,
    title: gettext_noop("Connection lost"),
    text: gettext_noop("Your meeting pass is not valid yet; check your computer's clock.") }),
  4103: Object.freeze({ name: "token-bad-signature", reconnect: "no", seatGone: false, rejoin: false,
    title: gettext_noop("You can't join this meeting"),
    text: gettext_noop("Your meeting pass was not signed by this server.") }),
  4104: Object.freeze({ name: "token-bad-algorithm", reconnect: "no", seatGone: false, rejoin: false,
    title: gettext_noop("You can't join this meeting"),
    text: gettext_noop("Your meeting pass was signed the wrong way.") }),
  4105: Object.freeze({ name: "token-wrong-audience", reconnect: "no", seatGone: false, rejoin: false,
    title: gettext_noop("You can't join this meeting"),
    text: gettext_noop("Your meeting pass is for another service.") }),
  4106: Object.freeze({ name: "token-wrong-room", reconnect: "no", seatGone: false, rejoin: false,
    title: gettext_noop("You can't join this meeting"),
    text: gettext_noop("Your meeting pass is for another room.") }),
  4107: Object.freeze({ name: "token-missing-claim", reconnect: "no", seatGone: false, rejoin: false,
    title: gettext_noop("You can't join this meeting"),
    text: gettext_noop("Your meeting pass is incomplete.") }),
  4108: Object.freeze({ name: "token-wrong-issuer", reconnect: "no", seatGone: false, rejoin: false,
    title: gettext_noop("You can't join this meeting"),
    text: gettext_noop("Your meeting pass was issued by another server.") }),
  4500: Object.freeze({ name: "internal-error", reconnect: "retry", seatGone: false, rejoin: true,
    title: gettext_noop("Connection lost"),
    text: gettext_noop("The meeting server had a problem.") }),
});

/** Roles: their permissions, whether they skip the lock, lobby and password, whether they are hidden. */
export const ROLES = Object.freeze({
  host: Object.freeze({ permissions: Object.freeze(["publish", "subscribe", "chat", "moderate", "record"]), pastGates: true, hidden: false }),
  moderator: Object.freeze({ permissions: Object.freeze(["publish", "subscribe", "chat", "moderate"]), pastGates: true, hidden: false }),
  participant: Object.freeze({ permissions: Object.freeze(["publish", "subscribe", "chat"]), pastGates: false, hidden: false }),
  viewer: Object.freeze({ permissions: Object.freeze(["subscribe", "chat"]), pastGates: false, hidden: false }),
  recorder: Object.freeze({ permissions: Object.freeze(["subscribe", "record"]), pastGates: true, hidden: true })
});

export const ASSIGNABLE_ROLES = Object.freeze(["moderator", "participant"]);
export const SEQUENCED_EVENTS = Object.freeze(["peer-joined", "peer-left", "peer-updated", "room-updated", "chat", "lobby-updated"]);
export const MESSAGE_PERMISSIONS = Object.freeze({"admit": "moderate", "ask-unmute": "moderate", "chat": "chat", "deny": "moderate", "end-meeting": "moderate", "lock": "moderate", "mute": "moderate", "mute-everyone": "moderate", "reaction": "chat", "remove": "moderate", "set-role": "moderate", "start-recording": "moderate", "stop-recording": "moderate", "unlock": "moderate"});
export const LOBBY_MESSAGES = Object.freeze(["leave", "ping"]);
export const REACTIONS = Object.freeze(["👍", "❤️", "😂", "😮", "👏", "🎉"]);
export const REACTION_INTERVAL_MS = 400;
