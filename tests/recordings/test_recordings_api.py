"""The REST API for recordings: only the room's owner (or staff) starts, stops, lists and downloads."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from rest_framework.test import APIClient

from meetings import actions
from recordings.models import RecorderProcess, Recording, RecordingFile

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # the default storage follows the setting


@pytest.fixture
def room(alice):
    return actions.create_room(alice, "Design review")


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def finished_recording(room, alice):
    recording = Recording.objects.create(room=room, started_by=f"user:{alice.pk}", status="done")
    name = default_storage.save(f"recordings/{room.slug}/{recording.pk}/01-bob-audio-video.webm",
                                ContentFile(b"webm bytes"))
    recording_file = RecordingFile.objects.create(recording=recording, file=name, peer_id="p_1",
                                                  participant_name="Bob", label="audio-video", size=10)
    return recording, recording_file


def test_starting_with_no_recorder_is_a_409_that_says_how_to_run_one(room, alice):
    response = client_for(alice).post(f"/api/v1/rooms/{room.slug}/recording/")
    assert response.status_code == 409
    assert response.json()["code"] == "no-recorder"
    assert "manage.py recorder" in response.json()["detail"]


def test_the_owner_starts_and_stops_and_a_second_start_is_a_409(room, alice):
    RecorderProcess.objects.create(channel_name="recorder.x!y", hostname="here", pid=1)
    client = client_for(alice)
    started = client.post(f"/api/v1/rooms/{room.slug}/recording/")
    assert (started.status_code, started.json()["status"]) == (201, "starting")
    assert client.get(f"/api/v1/rooms/{room.slug}/recording/").json()["id"] == started.json()["id"]
    again = client.post(f"/api/v1/rooms/{room.slug}/recording/")
    assert (again.status_code, again.json()["code"]) == (409, "already-recording")
    stopped = client.delete(f"/api/v1/rooms/{room.slug}/recording/")
    assert (stopped.status_code, stopped.json()["status"]) == (202, "stopping")
    assert client.delete(f"/api/v1/rooms/{room.slug}/recording/").json()["code"] == "not-recording"


def test_the_owner_lists_recordings_and_downloads_a_file(room, alice, finished_recording):
    recording, recording_file = finished_recording
    client = client_for(alice)
    [listed] = client.get(f"/api/v1/rooms/{room.slug}/recordings/").json()
    assert listed["id"] == recording.pk
    [described] = listed["files"]
    assert described["name"] == "01-bob-audio-video.webm"
    response = client.get(described["download_url"])
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"webm bytes"
    assert "attachment" in response["Content-Disposition"]


def test_others_cannot_start_list_or_download(room, bob, finished_recording):
    recording, recording_file = finished_recording
    client = client_for(bob)
    base = f"/api/v1/rooms/{room.slug}"
    assert client.post(f"{base}/recording/").status_code == 403
    assert client.get(f"{base}/recordings/").status_code == 403
    assert client.get(f"{base}/recordings/{recording.pk}/files/{recording_file.pk}/").status_code == 403


def test_staff_downloads_through_the_admin_link(room, finished_recording, django_user_model):
    recording, _ = finished_recording
    staff = django_user_model.objects.create_user("root", "root@example.org", "pw", is_staff=True,
                                                  is_superuser=True)
    client = APIClient()
    client.force_login(staff)
    page = client.get("/admin/recordings/recording/")
    assert page.status_code == 200
    link = f"/api/v1/rooms/{room.slug}/recordings/{recording.pk}/files/"
    assert link in page.content.decode()
    assert client.get(link + f"{recording.files.get().pk}/").status_code == 200
