"""Every room event carries the next seq; a late joiner's state equals what an early joiner built from events."""

import pytest
from channels.db import database_sync_to_async

from meetings import actions
from signalling.publish import apublish
from signalling.state import apply_event
from tests.signalling.conftest import seat

pytestmark = pytest.mark.django_db(transaction=True)


async def build_from_events(peer, state, chat_history):
    """Apply what reached `peer` to `state`, checking that the seqs arrive one after another."""
    for message in await peer.receive_all():
        if message.get("seq") is not None:
            assert message["seq"] == state["seq"] + 1, (message, state["seq"])
            state = apply_event(state, message, chat_history)
    return state


def shared(state):
    """The part of the state every participant sees alike (the lobby list is for moderators only)."""
    return {key: value for key, value in state.items() if key != "lobby"}


async def test_dave_joining_late_receives_the_state_alice_built_from_events(
    peers, alice, bob, carol, django_user_model, alices_room, settings
):
    settings.CHAT_HISTORY = 3
    dave = await database_sync_to_async(django_user_model.objects.create_user)("dave", "d@example.org", "pw",
                                                                               display_name="Dave")
    alice_peer = await seat(peers, alices_room, alice, state={"audio": True, "video": True})
    alice_state = alice_peer.welcome["state"]

    bob_peer = await seat(peers, alices_room, bob, state={"audio": True})
    await bob_peer.send({"type": "state", "video": True, "hand": True})
    for text in ("one", "two", "three", "four"):
        await bob_peer.send({"type": "chat", "text": text})
    carol_peer = await seat(peers, alices_room, carol)
    await carol_peer.send({"type": "chat", "text": "psst", "to": bob_peer.peer_id})  # private: no seq
    await carol_peer.send({"type": "leave"})
    await alice_peer.send({"type": "lock"})
    await bob_peer.send({"type": "state", "audio": False})
    alice_state = await build_from_events(alice_peer, alice_state, settings.CHAT_HISTORY)

    await apublish(await database_sync_to_async(actions.set_locked)(alices_room, False))
    alice_state = await build_from_events(alice_peer, alice_state, settings.CHAT_HISTORY)
    dave_peer = await seat(peers, alices_room, dave)
    alice_state = await build_from_events(alice_peer, alice_state, settings.CHAT_HISTORY)

    late = dave_peer.welcome["state"]
    assert shared(late) == shared(alice_state)
    assert [peer["name"] for peer in late["peers"]] == ["Alice", "Bob", "Dave"]
    bob_seen = late["peers"][1]
    assert (bob_seen["audio"], bob_seen["video"], bob_seen["hand"]) == (False, True, True)
    assert [message["text"] for message in late["chat"]] == ["two", "three", "four"]
    assert late["room"]["is_locked"] is False
    assert "lobby" not in late and "lobby" in alice_peer.welcome["state"]


async def test_a_client_that_asks_for_a_resync_gets_the_whole_state_at_the_current_seq(
    peers, alice, bob, alices_room
):
    alice_peer = await seat(peers, alices_room, alice)
    bob_peer = await seat(peers, alices_room, bob)
    await bob_peer.send({"type": "chat", "text": "hello"})
    await alice_peer.receive_all()
    await alice_peer.send({"type": "resync"})
    answer = await alice_peer.receive_type("state")
    assert answer["state"]["seq"] == bob_peer.welcome["state"]["seq"] + 1
    assert [m["text"] for m in answer["state"]["chat"]] == ["hello"]
    assert [p["name"] for p in answer["state"]["peers"]] == ["Alice", "Bob"]


async def test_events_at_or_before_the_state_change_nothing():
    state = {"seq": 5, "room": {}, "peers": [], "lobby_count": 0, "chat": []}
    stale = {"type": "peer-left", "seq": 5, "peer_id": "p_x", "reason": "left"}
    assert apply_event(state, stale, 10) is state
