"""The composer on files made by Debian's ffmpeg, each a plain colour: layouts, names, sound, failing and retrying,
serving and deleting. The database and ffmpeg are real; no recorder is needed."""

import subprocess
from datetime import timedelta

import av
import pytest
from django.core.files.storage import default_storage
from django.utils import timezone
from rest_framework.test import APIClient

from meetings import actions
from recordings import composer
from recordings.models import Composition, Recording, RecordingFile
from tests.recordings.conftest import colour_distance, frame_at, mean_colour

pytestmark = pytest.mark.django_db(transaction=True)

RGB = {"red": (255, 0, 0), "blue": (0, 0, 255), "yellow": (255, 255, 0), "green": (0, 128, 0)}


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.RECORDING_COMPOSE = True


def make_webm(path, seconds, colour=None, size="640x480", tone=None):
    """A WebM file like the recorder's: VP8 of one colour and/or an Opus tone."""
    command = ["/usr/bin/ffmpeg", "-v", "error", "-y"]
    if colour:
        command += ["-f", "lavfi", "-i", f"color=c={colour}:s={size}:r=30:d={seconds}"]
    if tone:
        command += ["-f", "lavfi", "-i", f"sine=f={tone}:r=48000:d={seconds}"]
    if colour:
        command += ["-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "500k"]
    if tone:
        command += ["-c:a", "libopus"]
    subprocess.run([*command, str(path)], check=True, timeout=60)


@pytest.fixture
def room(alice):
    return actions.create_room(alice, "Design review")


@pytest.fixture
def meeting(room, alice, settings):
    """Alice (red) for 6 s; Bob (blue) from 2 s for 4 s, sharing his screen (yellow) from 3 s to 5 s; Carol
    (sound only) from 1 s for 2 s."""
    recording = Recording.objects.create(room=room, started_by=f"user:{alice.pk}", status="done",
                                         ended_at=timezone.now())
    zero = timezone.now() - timedelta(minutes=5)
    folder = settings.MEDIA_ROOT / "recordings" / room.slug / str(recording.pk)
    folder.mkdir(parents=True)
    people = [
        ("Alice", "audio-video", 0, 6, dict(colour="red", tone=440)),
        ("Bob", "audio-video", 2, 4, dict(colour="blue", tone=660)),
        ("Bob", "screen", 3, 2, dict(colour="yellow", size="1280x720")),
        ("Carol", "audio", 1, 2, dict(tone=880)),
    ]
    for number, (name, label, start, seconds, media) in enumerate(people, start=1):
        file_name = f"{number:02d}-{name.lower()}-{label}.webm"
        make_webm(folder / file_name, seconds, **media)
        RecordingFile.objects.create(
            recording=recording, file=f"recordings/{room.slug}/{recording.pk}/{file_name}", peer_id=f"p_{name}",
            participant_name=name, label=label, started_at=zero + timedelta(seconds=start), duration=seconds,
            size=(folder / file_name).stat().st_size,
        )
    return recording


def composed_path(recording):
    composition = Composition.objects.get(recording=recording)
    assert composition.status == "done", composition.error
    return default_storage.path(composition.file.name)


def bright_pixels(frame, left, top, right, bottom):
    """Count near-white pixels in a box (fractions of the frame): drawn names are white."""
    picture = frame.reformat(format="rgb24")
    plane = picture.planes[0]
    data, stride = bytes(plane), plane.line_size
    count = 0
    for y in range(int(top * picture.height), int(bottom * picture.height)):
        row = data[y * stride + 3 * int(left * picture.width):y * stride + 3 * int(right * picture.width)]
        count += sum(1 for i in range(0, len(row), 3) if min(row[i], row[i + 1], row[i + 2]) > 200)
    return count


def test_a_finished_recording_is_queued_and_composed_with_its_layouts_names_and_sound(meeting):
    composer.queue(meeting)
    assert Composition.objects.get(recording=meeting).status == "pending"

    assert composer.Composer().run_until_done() == 1

    composition = Composition.objects.get(recording=meeting)
    assert (composition.status, composition.progress, composition.error) == ("done", 100, "")
    path = composed_path(meeting)
    with av.open(path) as container:
        assert sorted(s.type for s in container.streams) == ["audio", "video"]
        assert abs(container.duration / 1_000_000 - 6) < 0.1
        assert (container.streams.video[0].width, container.streams.video[0].height) == (1280, 720)
    assert abs(composition.duration - 6) < 0.1 and composition.size > 0

    # 0.5 s: Alice alone fills the picture.
    alone = frame_at(path, 0.5)
    assert colour_distance(mean_colour(alone, 0.3, 0.3, 0.7, 0.7), RGB["red"]) < 40
    # 1.5 s: Alice and Carol's card (she sends no video), side by side.
    with_carol = frame_at(path, 1.5)
    assert colour_distance(mean_colour(with_carol, 0.1, 0.35, 0.4, 0.65), RGB["red"]) < 40
    assert colour_distance(mean_colour(with_carol, 0.6, 0.2, 0.9, 0.4), RGB["red"]) > 150
    # 4 s: Bob's screen has the large place at the left; the cameras are in a column at the right.
    sharing = frame_at(path, 4)
    assert colour_distance(mean_colour(sharing, 0.1, 0.3, 0.65, 0.7), RGB["yellow"]) < 40
    column = [mean_colour(sharing, 0.78, top, 0.97, top + 0.08) for top in (0.2, 0.45, 0.7)]
    assert any(colour_distance(colour, RGB["red"]) < 60 for colour in column), column
    assert any(colour_distance(colour, RGB["blue"]) < 60 for colour in column), column
    # 5.5 s: the share is over; Alice and Bob side by side.
    after = frame_at(path, 5.5)
    assert colour_distance(mean_colour(after, 0.1, 0.35, 0.4, 0.65), RGB["red"]) < 40
    assert colour_distance(mean_colour(after, 0.6, 0.35, 0.9, 0.65), RGB["blue"]) < 40

    # Names are drawn at the bottom left of each tile: white letters where the source has none.
    assert bright_pixels(alone, 0, 0.9, 0.15, 1) > 30
    assert bright_pixels(after, 0.5, 0.9, 0.65, 1) > 30
    assert bright_pixels(sharing, 0, 0.9, 0.3, 1) > 30  # "Bob (screen)"

    # Everyone's sound is in the mix at its own time: Bob's 660 Hz only from 2 s.
    assert tone_energy(path, 660, 0.3, 1.7) < 0.1 * tone_energy(path, 660, 2.3, 3.7)
    assert tone_energy(path, 440, 0.3, 1.7) > 0.1 * tone_energy(path, 440, 2.3, 3.7)
    assert tone_energy(path, 880, 1.2, 2.8) > 10 * tone_energy(path, 880, 4.0, 5.5)


def tone_energy(path, frequency, start, end):
    """Return how strong one frequency is in the first channel between two moments (a Goertzel filter)."""
    import math

    with av.open(path) as container:
        resampler = av.AudioResampler(format="s16", layout="mono", rate=48000)
        samples = []
        for frame in container.decode(audio=0):
            for mono in resampler.resample(frame):
                if mono.time is None or mono.time + mono.samples / 48000 < start or mono.time > end:
                    continue
                data = bytes(mono.planes[0])[:2 * mono.samples]
                samples.extend(int.from_bytes(data[i:i + 2], "little", signed=True) for i in range(0, len(data), 2))
    coefficient = 2 * math.cos(2 * math.pi * frequency / 48000)
    previous = before = 0.0
    for sample in samples:
        previous, before = sample + coefficient * previous - before, previous
    return (previous ** 2 + before ** 2 - coefficient * previous * before) / max(1, len(samples)) ** 2


def test_a_failed_composition_says_why_and_the_owner_composes_it_again(meeting, alice, settings):
    settings.COMPOSE_FFMPEG = "/nonexistent/ffmpeg"
    composer.queue(meeting)
    composer.Composer().run_until_done()
    composition = Composition.objects.get(recording=meeting)
    assert composition.status == "failed"
    assert "ffmpeg was not found" in composition.error

    client = APIClient()
    client.force_authenticate(alice)
    listed = client.get(f"/api/v1/rooms/{meeting.room.slug}/recordings/{meeting.pk}/").json()
    assert listed["composition"]["status"] == "failed"
    assert listed["composition"]["download_url"] is None
    again = client.post(f"/api/v1/rooms/{meeting.room.slug}/recordings/{meeting.pk}/composition/")
    assert again.status_code == 202, again.json()
    assert again.json()["composition"]["status"] == "pending"
    twice = client.post(f"/api/v1/rooms/{meeting.room.slug}/recordings/{meeting.pk}/composition/")
    assert (twice.status_code, twice.json()["code"]) == (409, "cannot-compose")

    settings.COMPOSE_FFMPEG = "/usr/bin/ffmpeg"
    composer.Composer().run_until_done()
    done = client.get(f"/api/v1/rooms/{meeting.room.slug}/recordings/{meeting.pk}/").json()["composition"]
    assert (done["status"], done["progress"], done["error"]) == ("done", 100, "")
    assert done["download_url"].endswith(f"/recordings/{meeting.pk}/composed/")


def test_the_composed_file_is_served_in_ranges_to_the_owner_only_and_deleted_with_the_recording(
    meeting, alice, carol
):
    composer.queue(meeting)
    composer.Composer().run_until_done()
    path = composed_path(meeting)
    whole = open(path, "rb").read()
    url = f"/api/v1/rooms/{meeting.room.slug}/recordings/{meeting.pk}/composed/"
    owner = APIClient()
    owner.force_authenticate(alice)

    full = owner.get(url)
    assert (full.status_code, full["Content-Type"], full["Accept-Ranges"]) == (200, "video/mp4", "bytes")
    assert b"".join(full.streaming_content) == whole
    part = owner.get(url, HTTP_RANGE="bytes=100-199")
    assert (part.status_code, part["Content-Range"]) == (206, f"bytes 100-199/{len(whole)}")
    assert b"".join(part.streaming_content) == whole[100:200]
    tail = owner.get(url, HTTP_RANGE="bytes=-50")
    assert b"".join(tail.streaming_content) == whole[-50:]
    beyond = owner.get(url, HTTP_RANGE=f"bytes={len(whole)}-")
    assert (beyond.status_code, beyond["Content-Range"]) == (416, f"bytes */{len(whole)}")

    stranger = APIClient()
    stranger.force_authenticate(carol)
    assert stranger.get(url).status_code == 403

    stored = [default_storage.path(f.file.name) for f in meeting.files.all()] + [path]
    assert owner.delete(f"/api/v1/rooms/{meeting.room.slug}/recordings/{meeting.pk}/").status_code == 204
    assert not Recording.objects.filter(pk=meeting.pk).exists()
    assert not any(__import__("os").path.exists(name) for name in stored)
    assert owner.get(url).status_code == 404


def test_a_recording_still_running_cannot_be_deleted_or_composed(room, alice):
    running = Recording.objects.create(room=room, started_by=f"user:{alice.pk}", status="recording")
    owner = APIClient()
    owner.force_authenticate(alice)
    deleted = owner.delete(f"/api/v1/rooms/{room.slug}/recordings/{running.pk}/")
    assert (deleted.status_code, deleted.json()["code"]) == (409, "still-recording")
    composed = owner.post(f"/api/v1/rooms/{room.slug}/recordings/{running.pk}/composition/")
    assert (composed.status_code, composed.json()["code"]) == (409, "cannot-compose")
    assert Recording.objects.filter(pk=running.pk).exists()
