"""The recordings' admin: whether the recorder kept up, how the composition is going, and composing again."""

import pytest
from django.urls import reverse

from meetings import actions
from recordings.models import Composition, Recording, RecordingFile

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:recordings_recording_changelist")


@pytest.fixture
def recordings(alice, settings):
    settings.RECORDING_COMPOSE = True
    room = actions.create_room(alice, "Design review")
    made = {}
    for name, status, fell_behind, composition in [
        ("composing", "done", False, {"status": "running", "progress": 37.2}),
        ("failed", "done", True, {"status": "failed", "error": "ffmpeg failed: disk full"}),
        ("none", "failed", False, None),
    ]:
        recording = Recording.objects.create(room=room, started_by="user:1", status=status, fell_behind=fell_behind)
        RecordingFile.objects.create(recording=recording, file=f"recordings/x/{recording.pk}/01.webm", peer_id="p",
                                     participant_name="Bob", label="audio-video", dropped_video_frames=12)
        if composition:
            Composition.objects.create(recording=recording, **composition)
        made[name] = recording
    return made


def test_the_list_shows_who_fell_behind_and_how_each_composition_goes(admin_client, recordings):
    html = admin_client.get(CHANGELIST).content.decode()
    assert "composing 37%" in html
    assert "column-fell_behind" in html
    page = admin_client.get(reverse("admin:recordings_recording_change", args=[recordings["failed"].pk]))
    detail = page.content.decode()
    assert "ffmpeg failed: disk full" in detail
    assert "dropped_video_frames" in detail and ">12<" in detail


def test_compose_again_queues_failed_and_missing_compositions_and_leaves_running_ones(admin_client, recordings):
    response = admin_client.post(CHANGELIST, {
        "action": "compose_again", "_selected_action": [r.pk for r in recordings.values()],
    }, follow=True)
    assert response.status_code == 200
    statuses = {name: Composition.objects.get(recording=r).status for name, r in recordings.items()}
    assert statuses == {"composing": "running", "failed": "pending", "none": "pending"}
    assert "already being composed" in response.content.decode()
