"""An event is written in the transaction of the change that caused it: both commit, or neither."""

import json

import pytest
from django.db import transaction

from meetings import actions
from webhooks.models import Delivery, Endpoint, Event

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def everything():
    return Endpoint.objects.create(name="Everything", url="https://hooks.example.org/all")


@pytest.fixture
def rooms_only():
    return Endpoint.objects.create(name="Rooms", url="https://hooks.example.org/rooms",
                                   event_types=["room.created", "room.deleted"])


def test_creating_a_room_queues_one_delivery_per_endpoint_that_wants_it(alice, everything, rooms_only):
    Endpoint.objects.create(name="Recordings", url="https://hooks.example.org/rec", event_types=["recording.failed"])
    room = actions.create_room(alice, "Design review")

    event = Event.objects.get()
    body = json.loads(event.payload)
    assert body["type"] == "room.created"
    assert body["id"] == event.event_id
    assert body["room"] == room.slug
    assert body["data"] == {"name": "Design review", "owner": "alice", "access": "link"}
    assert sorted(Delivery.objects.values_list("endpoint__name", flat=True)) == ["Everything", "Rooms"]


def test_a_change_that_rolls_back_leaves_no_event(alice, everything):
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            actions.create_room(alice, "Never was")
            raise RuntimeError("the caller's transaction fails after the room was made")
    assert not Event.objects.exists()
    assert not Delivery.objects.exists()


def test_no_endpoint_no_rows(alice):
    actions.create_room(alice, "Quiet")
    assert not Event.objects.exists()


def test_a_disabled_endpoint_gets_nothing_new(alice, everything):
    everything.is_active = False
    everything.save()
    actions.create_room(alice, "Unheard")
    assert not Delivery.objects.exists()


def test_deleting_a_room_is_an_event_naming_the_room_that_is_gone(alice, rooms_only):
    room = actions.create_room(alice, "Short-lived")
    actions.delete_room(room)
    types = [json.loads(payload)["type"] for payload in Event.objects.order_by("pk").values_list("payload", flat=True)]
    assert types == ["room.created", "room.deleted"]
    assert Event.objects.filter(type="room.deleted", room_slug=room.slug).exists()
