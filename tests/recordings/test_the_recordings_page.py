"""The hosts' recordings page: who sees it, what it lists, the media it serves, and composing again and deleting."""

import re
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.utils import timezone

from meetings import actions
from recordings.models import Composition, Recording, RecordingFile

pytestmark = pytest.mark.django_db

WEBM = b"\x1a\x45\xdf\xa3" + bytes(range(256)) * 8  # its content does not matter to the page


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.RECORDING_COMPOSE = True


@pytest.fixture
def room(alice):
    return actions.create_room(alice, "Design review")


def store(name, content):
    return default_storage.save(name, ContentFile(content))


@pytest.fixture
def composed(room, alice):
    """A finished recording of Bob, with its composed file."""
    ended = timezone.now()
    recording = Recording.objects.create(room=room, started_by=f"user:{alice.pk}", status="done",
                                         started_at=ended - timedelta(seconds=75), ended_at=ended)
    folder = f"recordings/{room.slug}/{recording.pk}"
    RecordingFile.objects.create(recording=recording, file=store(f"{folder}/01-bob-audio-video.webm", WEBM),
                                 peer_id="p_1", participant_name="Bob", label="audio-video", duration=74.6,
                                 size=len(WEBM))
    RecordingFile.objects.create(recording=recording, file=store(f"{folder}/02-bob-screen.webm", WEBM),
                                 peer_id="p_1", participant_name="Bob", label="screen", duration=20, size=len(WEBM))
    Composition.objects.create(recording=recording, status="done", progress=100, duration=75, size=4000,
                               file=store(f"{folder}/composed.mp4", b"mp4 " * 1000))
    return recording


def signed_in(user, **options):
    client = Client(**options)
    client.force_login(user)
    return client


def test_the_owner_sees_each_recording_with_its_player_and_everyones_files(room, alice, composed):
    page = signed_in(alice).get(f"/r/{room.slug}/recordings/")

    assert page.status_code == 200
    html = page.content.decode()
    composed_url = f"/r/{room.slug}/recordings/{composed.pk}/composed.mp4"
    assert f'<video class="recording__player" controls preload="metadata" src="{composed_url}"' in html
    assert f'href="{composed_url}?download=1"' in html
    for recorded in composed.files.all():
        assert f'src="/r/{room.slug}/recordings/{composed.pk}/files/{recorded.pk}/"' in html
    assert "1:15" in html  # its length
    assert "With Bob" in html
    assert "shared screen" in html
    assert "Recordings are kept until you delete them." in html
    assert f"/r/{room.slug}/recordings/{composed.pk}/delete/" in html
    assert "data-watch" not in html  # nothing is running: the page does not poll


def test_it_says_how_long_recordings_are_kept_and_when_each_goes(room, alice, composed, settings):
    settings.RECORDING_RETENTION_DAYS = 30
    html = signed_in(alice).get(f"/r/{room.slug}/recordings/").content.decode()
    assert "Recordings are kept for 30 days after they end, then deleted." in html
    assert "Kept until" in html


@pytest.mark.parametrize("state, shown", [
    ({"status": "pending", "progress": 0}, "Waiting to be put together"),
    ({"status": "running", "progress": 42.4}, 'value="42"'),
    ({"status": "failed", "error": "ffmpeg failed: no space left"}, "ffmpeg failed: no space left"),
])
def test_a_composition_on_its_way_or_failed_shows_how_it_is_going(room, alice, composed, state, shown):
    Composition.objects.filter(recording=composed).update(file="", **state)
    html = signed_in(alice).get(f"/r/{room.slug}/recordings/").content.decode()
    assert shown in html
    assert "recording__player" not in html
    assert ("data-watch" in html) == (state["status"] != "failed")
    assert ("Put together again" in html) == (state["status"] == "failed")


def test_a_recorder_that_fell_behind_is_told(room, alice, composed):
    Recording.objects.filter(pk=composed.pk).update(fell_behind=True)
    html = signed_in(alice).get(f"/r/{room.slug}/recordings/").content.decode()
    assert "could not keep up" in html


def test_people_who_may_not_manage_the_room_get_the_403_page_and_no_media(room, carol, composed):
    for path in (f"/r/{room.slug}/recordings/", f"/r/{room.slug}/recordings/{composed.pk}/composed.mp4",
                 f"/r/{room.slug}/recordings/{composed.pk}/files/{composed.files.first().pk}/"):
        response = signed_in(carol).get(path)
        assert response.status_code == 403
        assert "Only the room's owner can change it" in response.content.decode()
        anonymous = Client().get(path)
        assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


def test_staff_may_see_any_rooms_recordings(room, carol, composed):
    carol.is_staff = True
    carol.save()
    assert signed_in(carol).get(f"/r/{room.slug}/recordings/").status_code == 200


def test_the_media_are_served_whole_or_in_ranges_with_their_type(room, alice, composed):
    client = signed_in(alice)
    recorded = composed.files.first()
    url = f"/r/{room.slug}/recordings/{composed.pk}/files/{recorded.pk}/"
    whole = client.get(url)
    assert (whole.status_code, whole["Content-Type"], whole["Accept-Ranges"]) == (200, "video/webm", "bytes")
    assert whole["Content-Disposition"].startswith("inline")
    assert b"".join(whole.streaming_content) == WEBM
    part = client.get(url, HTTP_RANGE="bytes=4-19")
    assert (part.status_code, part["Content-Range"], part["Content-Length"]) == (206, f"bytes 4-19/{len(WEBM)}", "16")
    assert b"".join(part.streaming_content) == WEBM[4:20]
    assert client.get(url + "?download=1")["Content-Disposition"].startswith("attachment")
    assert client.get(f"/r/{room.slug}/recordings/{composed.pk}/composed.mp4")["Content-Type"] == "video/mp4"


@pytest.mark.parametrize("path", [
    "/r/{slug}/recordings/{other}/composed.mp4",  # a recording of another room
    "/r/{slug}/recordings/{recording}/files/{other_file}/",  # a file of another recording
    "/r/{slug}/recordings/99999999999999999999999/composed.mp4",
    "/r/{slug}/recordings/{recording}/files/99999999999999999999999/",
    "/r/{slug}/recordings/{other}/delete/",
])
def test_unknown_recordings_and_files_are_404s(room, alice, composed, path):
    other_room = actions.create_room(alice, "Elsewhere")
    other = Recording.objects.create(room=other_room, started_by="user:1", status="done")
    other_file = RecordingFile.objects.create(recording=other, file=store("elsewhere.webm", WEBM), peer_id="p",
                                              participant_name="Dan", label="audio")
    url = path.format(slug=room.slug, other=other.pk, recording=composed.pk, other_file=other_file.pk)
    assert signed_in(alice).get(url).status_code == 404


def test_a_file_gone_from_the_disk_is_a_404(room, alice, composed):
    default_storage.delete(composed.composition.file.name)
    assert signed_in(alice).get(f"/r/{room.slug}/recordings/{composed.pk}/composed.mp4").status_code == 404


def csrf_token(html):
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def test_deleting_asks_first_then_removes_the_recording_and_its_files(room, alice, composed):
    client = signed_in(alice, enforce_csrf_checks=True)
    names = [f.file.name for f in composed.files.all()] + [composed.composition.file.name]
    url = f"/r/{room.slug}/recordings/{composed.pk}/delete/"

    confirm = client.get(url)
    assert confirm.status_code == 200 and "Yes, delete the recording" in confirm.content.decode()
    assert client.post(url).status_code == 403  # no CSRF token
    assert Recording.objects.filter(pk=composed.pk).exists()

    with pytest.MonkeyPatch.context() as patch:
        from django.db import transaction

        patch.setattr(transaction, "on_commit", lambda callback, *a, **k: callback())  # no commit in this test
        done = client.post(url, {"csrfmiddlewaretoken": csrf_token(confirm.content.decode())})
    assert done.status_code == 302 and done["Location"] == f"/r/{room.slug}/recordings/"
    assert not Recording.objects.filter(pk=composed.pk).exists()
    assert not any(default_storage.exists(name) for name in names)
    assert "No recordings yet" in client.get(done["Location"]).content.decode()


def test_a_recording_still_running_is_not_deleted(room, alice):
    running = Recording.objects.create(room=room, started_by="user:1", status="recording")
    response = signed_in(alice).post(f"/r/{room.slug}/recordings/{running.pk}/delete/", follow=True)
    assert "has not finished yet" in response.content.decode()
    assert Recording.objects.filter(pk=running.pk).exists()


def test_a_failed_composition_is_put_together_again_from_the_page(room, alice, composed):
    Composition.objects.filter(recording=composed).update(status="failed", error="ffmpeg failed", file="")
    client = signed_in(alice)
    assert client.get(f"/r/{room.slug}/recordings/{composed.pk}/compose/").status_code == 405
    response = client.post(f"/r/{room.slug}/recordings/{composed.pk}/compose/", follow=True)
    assert Composition.objects.get(recording=composed).status == "pending"
    assert "will be composed again" in response.content.decode()


def test_the_room_settings_and_my_rooms_link_to_the_recordings(room, alice):
    client = signed_in(alice)
    link = f'href="/r/{room.slug}/recordings/"'
    assert link in client.get(f"/r/{room.slug}/settings/").content.decode()
    assert link in client.get("/rooms/").content.decode()


def test_the_page_speaks_chinese(room, alice, composed):
    client = signed_in(alice)
    html = client.get(f"/r/{room.slug}/recordings/", HTTP_ACCEPT_LANGUAGE="zh-Hans").content.decode()
    assert "录制" in html
    assert "Recordings are kept until you delete them." not in html
