"""Presence and chat: what each participant says reaches the right people, with the sender the server knows."""

import pytest
from channels.db import database_sync_to_async

from meetings import actions
from signalling.models import ChatMessage
from tests.signalling.conftest import seat, token_for

pytestmark = pytest.mark.django_db(transaction=True)


async def test_bob_raising_his_hand_and_muting_reaches_everyone_including_himself(peers, alice, bob, alices_room):
    alice_peer = await seat(peers, alices_room, alice)
    bob_peer = await seat(peers, alices_room, bob, state={"audio": True, "video": True})
    assert bob_peer.welcome["you"]["audio"] is True
    await alice_peer.receive_type("peer-joined")
    await bob_peer.send({"type": "state", "hand": True, "audio": False})
    for peer in (alice_peer, bob_peer):
        updated = await peer.receive_type("peer-updated")
        assert updated["peer"]["peer_id"] == bob_peer.peer_id
        assert (updated["peer"]["hand"], updated["peer"]["audio"], updated["peer"]["video"]) == (True, False, True)


async def test_a_viewer_cannot_say_its_camera_is_on(peers, alice, bob, alices_room):
    viewer = await seat(peers, alices_room, bob, role="viewer", state={"video": True})
    assert viewer.welcome["you"]["video"] is False
    await viewer.send({"type": "state", "video": True})
    error = await viewer.receive_type("error")
    assert (error["code"], error["fatal"]) == ("not-allowed", False)
    await viewer.send({"type": "state", "hand": True})
    assert (await viewer.receive_type("peer-updated"))["peer"]["hand"] is True


async def test_a_room_message_reaches_everyone_from_the_sender_the_server_knows(peers, alice, bob, alices_room):
    alice_peer = await seat(peers, alices_room, alice)
    bob_peer = await seat(peers, alices_room, bob)
    await bob_peer.send({"type": "chat", "text": "  Hello, Alice  ", "from": alice_peer.peer_id})
    for peer in (alice_peer, bob_peer):
        chat = await peer.receive_type("chat")
        assert chat["message"]["from"] == bob_peer.peer_id
        assert chat["message"]["name"] == "Bob"
        assert chat["message"]["text"] == "Hello, Alice"
        assert chat["seq"] > 0
    assert await ChatMessage.objects.filter(text="Hello, Alice", sender_identity=f"user:{bob.pk}").aexists()


async def test_a_private_message_reaches_only_its_addressee_and_an_echo_to_the_sender(
    peers, alice, bob, carol, alices_room
):
    alice_peer = await seat(peers, alices_room, alice)
    bob_peer = await seat(peers, alices_room, bob)
    carol_peer = await seat(peers, alices_room, carol)
    await alice_peer.receive_all()
    await bob_peer.receive_all()
    await carol_peer.send({"type": "chat", "text": "Your microphone is on", "to": bob_peer.peer_id})
    received = await bob_peer.receive_type("chat")
    assert received["message"]["to"] == bob_peer.peer_id
    assert received["message"]["from"] == carol_peer.peer_id
    assert "seq" not in received
    echo = await carol_peer.receive_type("chat")
    assert echo["message"]["id"] == received["message"]["id"]
    assert [m for m in await alice_peer.receive_all() if m["type"] == "chat"] == []

    # Bob reloads: the private message is in his history, not in Alice's.
    again = await peers(alices_room.slug)
    welcome = await again.join(token_for(bob, alices_room))
    assert [m["text"] for m in welcome["private_chat"]] == ["Your microphone is on"]
    assert welcome["state"]["chat"] == []


async def test_newcomers_get_the_last_messages_of_the_meeting(peers, alice, bob, alices_room, settings):
    settings.CHAT_HISTORY = 2
    alice_peer = await seat(peers, alices_room, alice)
    for text in ("first", "second", "third"):
        await alice_peer.send({"type": "chat", "text": text})
        await alice_peer.receive_type("chat")
    bob_peer = await seat(peers, alices_room, bob)
    assert [m["text"] for m in bob_peer.welcome["state"]["chat"]] == ["second", "third"]


async def test_chat_that_is_too_long_or_empty_is_refused_and_the_socket_lives_on(peers, alice, alices_room, settings):
    settings.CHAT_MAX_LENGTH = 10
    alice_peer = await seat(peers, alices_room, alice)
    await alice_peer.send({"type": "chat", "text": "x" * 11})
    assert (await alice_peer.receive_type("error"))["code"] == "too-long"
    await alice_peer.send({"type": "chat", "text": "   "})
    assert (await alice_peer.receive_type("error"))["code"] == "bad-message"
    await alice_peer.send({"type": "chat", "text": "ok"})
    assert (await alice_peer.receive_type("chat"))["message"]["text"] == "ok"


async def test_a_private_message_to_a_peer_of_another_room_is_refused(peers, alice, carol, alices_room):
    carols_room = await database_sync_to_async(actions.create_room)(carol, "Carol's")
    alice_peer = await seat(peers, alices_room, alice)
    carol_peer = await seat(peers, carols_room, carol)
    await carol_peer.send({"type": "chat", "text": "hi", "to": alice_peer.peer_id})
    assert (await carol_peer.receive_type("error"))["code"] == "unknown-peer"
    assert await alice_peer.nothing_more()


async def test_raised_hands_are_a_queue_in_the_order_they_went_up(peers, alice, bob, carol, alices_room):
    alice_peer = await seat(peers, alices_room, alice)
    bob_peer = await seat(peers, alices_room, bob)
    carol_peer = await seat(peers, alices_room, carol, state={"hand": True})
    carol_joined = await alice_peer.receive_type("peer-joined")
    while carol_joined["peer"]["peer_id"] != carol_peer.peer_id:
        carol_joined = await alice_peer.receive_type("peer-joined")
    assert carol_joined["peer"]["hand_raised_at"] is not None
    await bob_peer.send({"type": "state", "hand": True})
    bob_up = (await alice_peer.receive_type("peer-updated"))["peer"]
    assert bob_up["hand_raised_at"] > carol_joined["peer"]["hand_raised_at"]
    await bob_peer.send({"type": "state", "hand": True, "audio": True})  # already up: keeps its place
    assert (await alice_peer.receive_type("peer-updated"))["peer"]["hand_raised_at"] == bob_up["hand_raised_at"]
    await carol_peer.send({"type": "state", "hand": False})
    carol_down = (await alice_peer.receive_type("peer-updated"))["peer"]
    assert carol_down["hand"] is False and carol_down["hand_raised_at"] is None
    await carol_peer.send({"type": "state", "hand": True})
    carol_again = (await alice_peer.receive_type("peer-updated"))["peer"]
    assert carol_again["hand_raised_at"] > bob_up["hand_raised_at"]  # to the back of the queue
    late = await seat(peers, alices_room, alice)  # a newcomer's snapshot carries the same times
    by_name = {peer["name"]: peer["hand_raised_at"] for peer in late.welcome["state"]["peers"]}
    assert by_name["Bob"] == bob_up["hand_raised_at"] and by_name["Carol"] == carol_again["hand_raised_at"]
