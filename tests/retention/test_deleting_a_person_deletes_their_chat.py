"""Deleting an account deletes what its person wrote in chat; what others wrote stays."""

import pytest

from meetings import actions
from signalling.models import ChatMessage, Meeting, Participant

pytestmark = pytest.mark.django_db


def test_bobs_messages_go_with_his_account_and_alices_stay(alice, bob):
    room = actions.create_room(alice, "Chatty")
    meeting = Meeting.objects.create(room=room)
    say = dict(meeting=meeting, sender_peer_id="p_x")
    ChatMessage.objects.create(**say, sender_identity=f"user:{alice.pk}", sender_name="Alice", text="Hi Bob")
    ChatMessage.objects.create(**say, sender_identity=f"user:{bob.pk}", sender_name="Bob", text="My number is 555")
    ChatMessage.objects.create(**say, sender_identity=f"user:{alice.pk}", sender_name="Alice", text="Just to you",
                               recipient_peer_id="p_b", recipient_identity=f"user:{bob.pk}")

    bob.delete()

    assert list(ChatMessage.objects.values_list("text", "recipient_identity").order_by("pk")) == [
        ("Hi Bob", ""), ("Just to you", "deleted-user")]


def test_rosters_of_ended_meetings_forget_his_name(alice, bob):
    from django.utils import timezone

    room = actions.create_room(alice, "Past")
    ended = Meeting.objects.create(room=room, ended_at=timezone.now())
    Participant.objects.create(room=room, meeting=ended, peer_id="p_bob", identity=f"user:{bob.pk}",
                               display_name="Bob", role="participant", channel_name="c", resume_hash="h")
    bob.delete()
    assert list(Participant.objects.values_list("identity", "display_name")) == [("deleted-user", "Deleted user")]


def test_another_users_similar_identity_is_untouched(alice, bob):
    # user:1 must not match user:12
    room = actions.create_room(alice, "Ids")
    meeting = Meeting.objects.create(room=room)
    ChatMessage.objects.create(meeting=meeting, sender_peer_id="p", sender_identity=f"user:{bob.pk}0",
                               sender_name="Someone", text="stays")
    bob.delete()
    assert ChatMessage.objects.filter(text="stays").exists()
