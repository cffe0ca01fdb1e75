"""The signalling server hands each participant TURN credentials in `welcome`, and fresh ones when asked."""

import pytest
from channels.db import database_sync_to_async

from meetings import actions
from signalling.ice import turn_credential, turn_user_part
from tests.ice.conftest import TURN_TEST_SECRET
from tests.signalling.conftest import Peer, token_for

pytestmark = pytest.mark.django_db(transaction=True)

TURN_URLS = ["turn:turn.example.org:3478?transport=udp", "turn:turn.example.org:3478?transport=tcp"]


async def test_alice_is_welcomed_with_her_turn_credentials_and_can_ask_for_fresh_ones(alice, turn_settings):
    turn_settings(turn_urls=TURN_URLS, policy="relay")
    room = await database_sync_to_async(actions.create_room)(alice, "Design review")
    peer = await Peer(room.slug).connect()
    try:
        welcome = await peer.join(token_for(alice, room))
        [turn] = welcome["ice_servers"]
        assert turn["urls"] == TURN_URLS
        assert turn["username"].endswith(":" + turn_user_part(f"user:{alice.pk}"))
        assert turn["credential"] == turn_credential(TURN_TEST_SECRET, turn["username"])
        assert welcome["ice_transport_policy"] == "relay"
        assert welcome["ice_servers_expire_at"].endswith("Z")

        await peer.send({"type": "ice-servers"})
        fresh = await peer.receive_type("ice-servers")
        assert fresh["ice_servers"][0]["urls"] == TURN_URLS
        assert fresh["ice_servers_expire_at"] >= welcome["ice_servers_expire_at"]
        assert TURN_TEST_SECRET not in str(welcome) + str(fresh)
    finally:
        await peer.close()

