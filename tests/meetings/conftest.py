import pytest

from meetings import actions
from meetings.models import Room


@pytest.fixture
def alices_room(alice):
    """A room anyone signed in may enter with the link."""
    return actions.create_room(alice, "Design review")


@pytest.fixture
def alices_members_room(alice, bob):
    """A members-only room; bob is a member, carol is not."""
    room = actions.create_room(alice, "Board meeting", Room.Access.MEMBERS)
    actions.add_member(room, bob)
    return room

