"""Reactions: a few emoji sent to everyone in the room at once, never stored, one per peer at a time."""

import asyncio

import pytest

from signalling.contract import REACTION_INTERVAL_MS
from tests.signalling.conftest import seat

pytestmark = pytest.mark.django_db(transaction=True)


async def test_a_reaction_reaches_everyone_the_sender_included_without_a_seq(peers, alice, bob, carol, alices_room):
    alice_peer = await seat(peers, alices_room, alice)
    bob_peer = await seat(peers, alices_room, bob)
    carol_peer = await seat(peers, alices_room, carol)
    await bob_peer.send({"type": "reaction", "emoji": "👏"})
    for peer in (alice_peer, bob_peer, carol_peer):
        reaction = await peer.receive_type("reaction")
        assert reaction == {"type": "reaction", "from": bob_peer.peer_id, "emoji": "👏"}


async def test_a_late_joiner_hears_of_no_earlier_reaction(peers, alice, bob, alices_room):
    alice_peer = await seat(peers, alices_room, alice)
    await alice_peer.send({"type": "reaction", "emoji": "🎉"})
    await alice_peer.receive_type("reaction")
    bob_peer = await seat(peers, alices_room, bob)
    assert "reaction" not in str(bob_peer.welcome)
    assert [m for m in await bob_peer.receive_all() if m["type"] == "reaction"] == []


@pytest.mark.parametrize("emoji", ["🍕", "", None, 3, "👍👍"])
async def test_only_the_emoji_of_the_list_are_sent(peers, alice, alices_room, emoji):
    alice_peer = await seat(peers, alices_room, alice)
    await alice_peer.send({"type": "reaction", "emoji": emoji})
    error = await alice_peer.receive_type("error")
    assert error["code"] == "bad-message" and error["fatal"] is False and error["in_reply_to"] == "reaction"


async def test_one_reaction_at_a_time_per_peer(peers, alice, bob, alices_room):
    alice_peer = await seat(peers, alices_room, alice)
    bob_peer = await seat(peers, alices_room, bob)
    await bob_peer.send({"type": "reaction", "emoji": "👍"})
    await bob_peer.send({"type": "reaction", "emoji": "❤️"})
    error = await bob_peer.receive_type("error")
    assert error["code"] == "rate-limited" and error["in_reply_to"] == "reaction"
    received = [m["emoji"] for m in await alice_peer.receive_all() if m["type"] == "reaction"]
    assert received == ["👍"]
    await asyncio.sleep(REACTION_INTERVAL_MS / 1000)  # the interval is the behaviour under test
    await bob_peer.send({"type": "reaction", "emoji": "😮"})
    assert (await alice_peer.receive_type("reaction"))["emoji"] == "😮"


async def test_a_viewer_may_react_but_a_lobby_guest_may_not(peers, alice, bob, carol, alices_room):
    from asgiref.sync import sync_to_async

    from tests.signalling.conftest import token_for

    alice_peer = await seat(peers, alices_room, alice)
    bob_peer = await seat(peers, alices_room, bob, role="viewer")
    await bob_peer.send({"type": "reaction", "emoji": "😂"})
    assert (await alice_peer.receive_type("reaction"))["from"] == bob_peer.peer_id
    alices_room.requires_approval = True
    await sync_to_async(alices_room.save)()
    carol_peer = await peers(alices_room.slug)
    await carol_peer.join(token_for(carol, alices_room), expect="lobby")
    await carol_peer.send({"type": "reaction", "emoji": "👍"})
    assert (await carol_peer.receive_type("error"))["code"] == "not-admitted"
