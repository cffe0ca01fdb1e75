"""Findings 3 and 15: a lone surrogate ("\\ud800") passed validation, could not be stored, and failed the whole
chat batch across rooms. Such text is refused at parse time with `bad-message`, and a batch never fails for one
message."""

import json

import pytest
from channels.db import database_sync_to_async

from meetings import actions
from signalling import chat
from tests.signalling.conftest import seat

pytestmark = pytest.mark.django_db(transaction=True)


async def test_a_lone_surrogate_in_chat_is_a_bad_message_and_the_socket_lives_on(peers, alice, bob, alices_room):
    alice_peer = await seat(peers, alices_room, alice)
    bob_peer = await seat(peers, alices_room, bob)
    await alice_peer.receive_all()
    await bob_peer.send_text('{"type": "chat", "text": "broken \\ud800 text"}')
    error = await bob_peer.receive_type("error")
    assert (error["code"], error["fatal"], error["in_reply_to"]) == ("bad-message", False, "chat")
    assert "surrogate" in error["message"]
    await bob_peer.send({"type": "chat", "text": "fine text"})
    assert (await alice_peer.receive_type("chat"))["message"]["text"] == "fine text"


async def test_a_lone_surrogate_in_a_relay_or_a_name_field_is_refused_too(peers, alice, bob, alices_room):
    alice_peer = await seat(peers, alices_room, alice)
    bob_peer = await seat(peers, alices_room, bob)
    await alice_peer.receive_all()
    offer = {"type": "offer", "to": alice_peer.peer_id, "description": {"type": "offer", "sdp": "v=0\r\n"}}
    text = json.dumps(offer).replace("v=0", "v=0\\udfff")
    await bob_peer.send_text(text)
    assert (await bob_peer.receive_type("error"))["code"] == "bad-message"
    assert await alice_peer.nothing_more()


async def test_one_message_the_database_refuses_does_not_fail_the_others_of_its_batch(
    peers, alice, bob, carol, alices_room, monkeypatch
):
    other_room = await database_sync_to_async(actions.create_room)(carol, "Elsewhere")
    alice_peer = await seat(peers, alices_room, alice)
    bob_peer = await seat(peers, alices_room, bob)
    carol_peer = await seat(peers, other_room, carol)
    await alice_peer.receive_all()
    real_insert = chat.insert_chat_messages

    def insert_refusing_one(cursor, messages):
        if any(message.text == "the one the database refuses" for message in messages):
            raise ValueError("value refused by the database")
        return real_insert(cursor, messages)

    monkeypatch.setattr(chat, "insert_chat_messages", insert_refusing_one)
    batch = [(bob_peer.peer_id, alices_room.slug, "the one the database refuses", None),
             (alice_peer.peer_id, alices_room.slug, "hello Bob", None),
             (carol_peer.peer_id, other_room.slug, "hello from elsewhere", None)]
    refused, to_bob, elsewhere = await database_sync_to_async(chat.store_chat_messages)(batch)
    assert isinstance(refused, chat.UserError) and refused.code == "internal-error"
    assert to_bob[1]["text"] == "hello Bob" and elsewhere[1]["text"] == "hello from elsewhere"
    assert [event["seq"] for event in to_bob[0].events] == [alice_peer.welcome["state"]["seq"] + 2]  # no seq wasted
