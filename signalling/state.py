"""The room's shared state and how room events change it: pure, and mirrored by static/js/protocol.js.

A late joiner's snapshot must equal what an early joiner built by applying the events since it joined.
"""

import copy

PRESENCE_FIELDS = ("audio", "video", "screen", "hand")
SEQUENCED_EVENTS = ("peer-joined", "peer-left", "peer-updated", "room-updated", "chat", "lobby-updated")


def sort_peers(peers):
    return sorted(peers, key=lambda peer: (peer["joined_at"], peer["peer_id"]))


def apply_event(state, event, chat_history):
    """Return the state after one sequenced room event; events at or before the state's seq change nothing."""
    if event.get("seq") is None or event["seq"] <= state["seq"]:
        return state
    state = copy.deepcopy(state)
    state["seq"] = event["seq"]
    kind = event["type"]
    if kind == "peer-joined" or kind == "peer-updated":
        peers = [peer for peer in state["peers"] if peer["peer_id"] != event["peer"]["peer_id"]]
        state["peers"] = sort_peers(peers + [event["peer"]])
    elif kind == "peer-left":
        state["peers"] = [peer for peer in state["peers"] if peer["peer_id"] != event["peer_id"]]
    elif kind == "room-updated":
        state["room"] = {**state["room"], **event["room"]}
    elif kind == "chat":
        state["chat"] = (state["chat"] + [event["message"]])[-chat_history:] if chat_history else []
    elif kind == "lobby-updated":
        state["lobby_count"] = event["lobby_count"]
        if "lobby" in event:
            state["lobby"] = event["lobby"]
    return state
