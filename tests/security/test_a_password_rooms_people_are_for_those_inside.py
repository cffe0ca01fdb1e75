"""Finding 10: the participants API showed a password room's people to anyone signed in with the link, password
or not."""

import pytest
from rest_framework.test import APIClient

from meetings import actions
from signalling import events
from signalling.models import Participant

pytestmark = pytest.mark.django_db


@pytest.fixture
def password_room(alice):
    room = actions.create_room(alice, "Board")
    actions.update_room(room, password="hunter2")
    meeting = events.live_meeting(room, create=True)
    for user_id, name in ((2, "Bob"), (9, "Someone")):
        Participant.objects.create(room=room, meeting=meeting, peer_id=f"p_{name}", identity=f"user:{user_id}",
                                   display_name=name, role="participant", channel_name=f"c-{name}")
    return room


def people_seen_by(user, room):
    client = APIClient()
    client.force_login(user)
    response = client.get(f"/api/v1/rooms/{room.slug}/participants/")
    return response.status_code, response.json()


def test_carol_who_has_only_the_link_does_not_see_who_is_in_a_password_room(carol, password_room):
    status, body = people_seen_by(carol, password_room)
    assert (status, body["code"]) == (403, "password-required")


def test_bob_who_is_in_the_meeting_and_alice_who_owns_the_room_see_its_people(alice, bob, password_room):
    Participant.objects.filter(peer_id="p_Bob").update(identity=f"user:{bob.pk}")
    for person in (alice, bob):
        status, body = people_seen_by(person, password_room)
        assert (status, [p["name"] for p in body]) == (200, ["Bob", "Someone"])
