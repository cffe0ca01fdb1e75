"""Finding 7: a removed guest who opened the same invite in a fresh browser came back with a new identity, and a
removed user who opened the invite in a private window was welcomed too. A removal now holds against the
identity, the browser, the invite and the address, for the rest of the meeting."""

import json

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from meetings import invites
from tests.signalling.conftest import Peer, seat

pytestmark = pytest.mark.django_db(transaction=True)


class Browser:
    """A browser of its own (its own cookies, its own session), as a fresh profile or a private window is."""

    def __init__(self):
        self.client = Client()

    def open_invite(self, invite, name):
        self.client.post(invite.get_absolute_url(), {"name": name})

    def sign_in(self, user):
        self.client.force_login(user)

    def room_token(self, room):
        response = self.client.post(f"/api/v1/rooms/{room.slug}/tokens/", {}, content_type="application/json")
        assert response.status_code == 201, response.content
        return response.json()["token"]


async def in_browser(step, *args):
    return await sync_to_async(step)(*args)


async def join_from(peers, room, token, address="192.0.2.10", expect="welcome"):
    peer = Peer(room.slug)
    peer.communicator.scope["client"] = (address, 50000)
    await peer.connect()
    await peer.join(token, expect=expect)
    return peer


@pytest.fixture
async def invite(alice, alices_room):
    return await sync_to_async(invites.create_invite)(alices_room, alice)


async def remove(moderator, peer):
    await moderator.send({"type": "remove", "peer_id": peer.peer_id})
    assert (await peer.expect_refusal())[1] == 4012


async def test_a_removed_guest_who_comes_back_in_a_fresh_browser_waits_in_the_lobby_marked(
    peers, alice, alices_room, invite
):
    alice_peer = await seat(peers, alices_room, alice)
    first = Browser()
    await in_browser(first.open_invite, invite, "Mallory")
    mallory = await join_from(peers, alices_room, await in_browser(first.room_token, alices_room))
    await remove(alice_peer, mallory)

    fresh = Browser()  # a new profile: a new session, a new guest identity, from another network
    await in_browser(fresh.open_invite, invite, "Not Mallory")
    again = await join_from(peers, alices_room, await in_browser(fresh.room_token, alices_room),
                            address="198.51.100.77", expect="lobby")
    waiting = await alice_peer.receive_type("lobby-updated")
    assert [(entry["name"], entry.get("like_removed")) for entry in waiting["lobby"]] == [("Not Mallory", True)]
    assert again.welcome["type"] == "lobby"


async def test_the_same_browser_is_refused_whatever_identity_it_comes_back_with(
    peers, alice, bob, alices_room, invite
):
    alice_peer = await seat(peers, alices_room, alice)
    browser = Browser()
    await in_browser(browser.sign_in, bob)
    bob_peer = await join_from(peers, alices_room, await in_browser(browser.room_token, alices_room))
    await remove(alice_peer, bob_peer)

    await in_browser(browser.client.post, "/accounts/logout/")  # same browser, signed out, then a guest
    assert "_auth_user_id" not in (await in_browser(lambda: dict(browser.client.session)))
    await in_browser(browser.open_invite, invite, "Robert")
    again = Peer(alices_room.slug)
    await again.connect()
    await again.send({"type": "join", "token": await in_browser(browser.room_token, alices_room), "versions": [1]})
    error, code = await again.expect_refusal()
    assert (error["code"], code) == ("removed", 4012)


async def test_a_removed_user_who_opens_the_invite_in_a_private_window_waits_in_the_lobby(
    peers, alice, bob, alices_room, invite
):
    alice_peer = await seat(peers, alices_room, alice)
    signed_in = Browser()
    await in_browser(signed_in.sign_in, bob)
    bob_peer = await join_from(peers, alices_room, await in_browser(signed_in.room_token, alices_room),
                               address="203.0.113.5")
    await remove(alice_peer, bob_peer)

    private = Browser()  # no cookies at all, but the same network
    await in_browser(private.open_invite, invite, "Bobby")
    await join_from(peers, alices_room, await in_browser(private.room_token, alices_room), address="203.0.113.5",
                    expect="lobby")
    waiting = await alice_peer.receive_type("lobby-updated")
    assert waiting["lobby"][0]["like_removed"] is True


async def test_someone_else_from_elsewhere_through_another_way_is_not_held(peers, alice, carol, alices_room, invite):
    alice_peer = await seat(peers, alices_room, alice)
    first = Browser()
    await in_browser(first.open_invite, invite, "Mallory")
    mallory = await join_from(peers, alices_room, await in_browser(first.room_token, alices_room))
    await remove(alice_peer, mallory)

    carols = Browser()
    await in_browser(carols.sign_in, carol)
    welcome = (await join_from(peers, alices_room, await in_browser(carols.room_token, alices_room),
                               address="198.51.100.3")).welcome
    assert welcome["type"] == "welcome"
    assert json.dumps(welcome).count("like_removed") == 0
