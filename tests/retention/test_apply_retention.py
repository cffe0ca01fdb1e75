"""`manage.py apply_retention` deletes chat, ended meetings, recordings with their files, and settled webhook
events older than their settings; 0 keeps for ever; nothing live is touched."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone

from meetings import actions
from recordings.models import Recording, RecordingFile
from signalling.models import ChatMessage, Meeting, Participant
from webhooks.models import Delivery, Endpoint, Event

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def days_ago(days):
    return NOW - timedelta(days=days)


@pytest.fixture
def room(alice):
    return actions.create_room(alice, "Retained")


def meeting(room, started_days_ago, ended_days_ago=None):
    return Meeting.objects.create(room=room, started_at=days_ago(started_days_ago),
                                  ended_at=days_ago(ended_days_ago) if ended_days_ago is not None else None)


def chat(meeting, text, days):
    return ChatMessage.objects.create(meeting=meeting, sender_peer_id="p_1", sender_identity="user:1",
                                      sender_name="Alice", text=text, sent_at=days_ago(days))


def run(**options):
    out = StringIO()
    call_command("apply_retention", stdout=out, **options)
    return out.getvalue()


def test_with_nothing_set_nothing_is_deleted(room):
    old = meeting(room, 400, 399)
    chat(old, "ancient", 400)
    output = run()
    assert Meeting.objects.count() == 1 and ChatMessage.objects.count() == 1
    assert "Kept for ever (0 days): CHAT_RETENTION_DAYS, MEETING_RETENTION_DAYS, RECORDING_RETENTION_DAYS" in output


def test_chat_older_than_its_days_goes_and_newer_stays(room, settings):
    settings.CHAT_RETENTION_DAYS = 30
    live = meeting(room, 40)
    chat(live, "old", 31)
    chat(live, "recent", 29)
    assert "Deleted chat messages: 1" in run()
    assert list(ChatMessage.objects.values_list("text", flat=True)) == ["recent"]


def test_ended_meetings_go_with_their_people_and_chat_but_a_live_one_never(room, settings):
    settings.MEETING_RETENTION_DAYS = 7
    old = meeting(room, 10, 9)
    chat(old, "in an old meeting", 9)
    Participant.objects.create(room=room, meeting=old, peer_id="p_old", identity="user:1", display_name="Alice",
                               role="host", channel_name="c", resume_hash="h")
    recent = meeting(room, 3, 2)
    live = Meeting.objects.create(room=room, started_at=days_ago(30))  # a very long meeting, still going
    assert "Deleted ended meetings: 1" in run()
    assert set(Meeting.objects.values_list("pk", flat=True)) == {recent.pk, live.pk}
    assert not ChatMessage.objects.exists()
    assert not Participant.objects.exists()


def test_recordings_go_with_their_files_and_a_running_one_stays(room, settings):
    from django.core.files.storage import default_storage

    settings.RECORDING_RETENTION_DAYS = 90
    old = Recording.objects.create(room=room, started_by="user:1", status="done", ended_at=days_ago(91))
    old_file = RecordingFile(recording=old, peer_id="p_1", participant_name="Alice", label="audio-video")
    old_file.file.save("p_1.webm", ContentFile(b"webm bytes"), save=True)
    kept = Recording.objects.create(room=room, started_by="user:1", status="done", ended_at=days_ago(10))
    running = Recording.objects.create(room=room, started_by="user:1", status="recording")
    path = old_file.file.name
    assert default_storage.exists(path)

    assert "Deleted recordings: 1 (1 files)" in run()
    assert not default_storage.exists(path)
    assert set(Recording.objects.values_list("pk", flat=True)) == {kept.pk, running.pk}


def test_a_dry_run_counts_and_deletes_nothing(room, settings):
    settings.CHAT_RETENTION_DAYS = 1
    chat(meeting(room, 5), "old", 5)
    assert "Would delete chat messages: 1" in run(dry_run=True)
    assert ChatMessage.objects.count() == 1


def test_settled_webhook_events_go_after_their_days_but_pending_ones_stay(alice, settings):
    settings.WEBHOOK_RETENTION_DAYS = 30
    Endpoint.objects.create(name="CRM", url="https://crm.example.org/hooks")
    actions.create_room(alice, "One")
    actions.create_room(alice, "Two")
    Event.objects.update(created=days_ago(31))
    delivered, pending = Delivery.objects.order_by("pk")
    Delivery.objects.filter(pk=delivered.pk).update(status=Delivery.Status.DELIVERED)
    assert "Deleted webhook events: 1" in run()
    assert list(Delivery.objects.values_list("pk", flat=True)) == [pending.pk]
