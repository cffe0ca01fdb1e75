"""The meeting's media route is part of the room state: decided by the server as seats change, told to everyone in
room-updated before the newcomer who tipped it over, and the same for a late joiner."""

import pytest
from channels.db import database_sync_to_async

from meetings import actions
from tests.signalling.conftest import seat

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def with_janus(settings):
    """A deployment with a media server configured (nothing here talks to it: the route is the server's decision)."""
    settings.JANUS_URLS = ["ws://127.0.0.1:1"]
    settings.SFU_AUTO_THRESHOLD = 2
    return settings


async def test_an_automatic_room_moves_through_the_server_past_the_threshold_and_says_so_first(
        peers, alice, bob, carol, alices_room, with_janus):
    first = await seat(peers, alices_room, alice)
    assert first.welcome["room"]["route"] == "mesh" and first.welcome["room"]["media_route"] == "auto"
    await seat(peers, alices_room, bob)
    assert (await first.receive_type("peer-joined"))["peer"]["name"] == "Bob"
    third = await seat(peers, alices_room, carol)

    moved, joined = await first.receive(), await first.receive()
    assert (moved["type"], moved["room"]["route"]) == ("room-updated", "sfu")
    assert (joined["type"], joined["peer"]["name"]) == ("peer-joined", "Carol")
    assert moved["seq"] + 1 == joined["seq"]
    # The late joiner's snapshot agrees with what the first built from the events.
    assert third.welcome["state"]["room"]["route"] == "sfu"


async def test_once_through_the_server_it_stays_there_as_people_leave(peers, alice, bob, carol, alices_room, with_janus):
    first = await seat(peers, alices_room, alice)
    second = await seat(peers, alices_room, bob)
    third = await seat(peers, alices_room, carol)
    await third.send({"type": "leave"})
    await second.send({"type": "leave"})
    events = await first.receive_all()
    routes = [event["room"]["route"] for event in events if event["type"] == "room-updated"]
    assert routes == ["sfu"], events


async def test_a_room_set_through_the_server_starts_there_and_back_to_browser_to_browser_moves_down(
        peers, alice, bob, alices_room, with_janus):
    await database_sync_to_async(actions.update_room)(alices_room, media_route="sfu")
    first = await seat(peers, alices_room, alice)
    assert first.welcome["room"]["route"] == "sfu"
    outbox = await database_sync_to_async(actions.update_room)(alices_room, media_route="mesh")
    from signalling.publish import apublish

    await apublish(outbox)
    moved = await first.receive_type("room-updated")
    assert (moved["room"]["media_route"], moved["room"]["route"]) == ("mesh", "mesh")


async def test_without_a_media_server_every_meeting_stays_browser_to_browser(peers, alice, bob, alices_room, settings):
    settings.JANUS_URLS = []
    await database_sync_to_async(actions.update_room)(alices_room, media_route="sfu")
    first = await seat(peers, alices_room, alice)
    assert first.welcome["room"]["route"] == "mesh"
    await first.send({"type": "sfu-subscribe", "subscription": "main", "streams": []})
    error = await first.receive_type("error")
    assert (error["code"], error["in_reply_to"]) == ("not-sfu", "sfu-subscribe")


async def test_a_viewer_may_not_publish_through_the_server(peers, alice, bob, alices_room, with_janus):
    await database_sync_to_async(actions.update_room)(alices_room, media_route="sfu")
    await seat(peers, alices_room, alice)
    viewer = await seat(peers, alices_room, bob, role="viewer")
    await viewer.send({"type": "sfu-publish", "description": {"type": "offer", "sdp": "v=0\r\n"}})
    error = await viewer.receive_type("error")
    assert (error["code"], error["in_reply_to"]) == ("not-allowed", "sfu-publish")
