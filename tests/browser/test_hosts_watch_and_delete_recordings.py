"""Alice, who owns a room, watches its recording in Chromium, then deletes it; Carol may not see it.

The recording's files are made by Debian's ffmpeg (two people, one colour each), and composed by
`manage.py compose_recordings --once` of the deployment, as an operator would run it, while the page is open.
"""

import re
import subprocess

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.test_every_page_keeps_to_its_security_policy import RECORD_VIOLATIONS, violations

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PLAYER = "video.recording__player"


def record_a_meeting(deployment, slug):
    """Make a finished recording of Alice and Bob in the deployment, with real files, and compose it."""
    made = deployment.run_python(
        "import json\nfrom datetime import timedelta\nfrom django.utils import timezone\n"
        "from meetings.models import Room\nfrom recordings.models import Recording, RecordingFile\n"
        f"room = Room.objects.get(slug={slug!r})\n"
        "end = timezone.now()\n"
        "r = Recording.objects.create(room=room, started_by='user:1', status='done', started_at=end - "
        "timedelta(seconds=6), ended_at=end)\n"
        "names = []\n"
        "for n, (who, start) in enumerate([('Alice', 0), ('Bob', 2)], start=1):\n"
        "    name = f'recordings/{room.slug}/{r.pk}/{n:02d}-{who.lower()}-audio-video.webm'\n"
        "    RecordingFile.objects.create(recording=r, file=name, peer_id=f'p_{n}', participant_name=who, "
        "label='audio-video', started_at=end - timedelta(seconds=6 - start), duration=6 - start)\n"
        "    names.append(name)\n"
        "from recordings import composer\n"
        "composer.queue(r)  # what finishing a recording does\n"
        "print(json.dumps({'id': r.pk, 'names': names}))"
    )
    media = deployment.workdir / "var" / "media"
    for name, (colour, seconds, tone) in zip(made["names"], [("red", 6, 440), ("blue", 4, 660)]):
        path = media / name
        path.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["/usr/bin/ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=s=640x480:r=30:d={seconds}",
             "-f", "lavfi", "-i", f"sine=f={tone}:d={seconds}", "-vf", "colorchannelmixer=rr=1:gg=0.3:bb=0.3"
             if colour == "red" else "colorchannelmixer=rr=0.3:gg=0.3:bb=1", "-c:v", "libvpx", "-deadline",
             "realtime", "-cpu-used", "8", "-b:v", "600k", "-c:a", "libopus", str(path)],
            check=True, timeout=60,
        )
    return made["id"], [media / name for name in made["names"]]


def compose(deployment):
    output = deployment.manage("compose_recordings", "--once")
    assert "Composed 1 recording" in output, output


def test_alice_watches_her_rooms_recording_then_deletes_it(sign_in, make_room, redis_deployment, artifacts):
    slug = make_room("Weekly sync")
    recording_id, files = record_a_meeting(redis_deployment, slug)

    alice = sign_in("alice")
    alice.context.add_init_script(RECORD_VIOLATIONS)  # the page, its script and its players keep to the CSP
    alice.goto("/rooms/")
    alice.get_by_role("link", name="Recordings of Weekly sync").click()
    expect(alice).to_have_url(re.compile(f"/r/{slug}/recordings/$"))
    expect(alice.get_by_role("heading", name="Recordings")).to_be_visible()
    expect(alice.locator(".recording")).to_have_count(1)
    expect(alice.get_by_text("Each person's own files (2)")).to_be_visible()

    # The meeting is put together while she looks: the page follows it and shows the player once it is done.
    expect(alice.get_by_text("Waiting to be put together…")).to_be_visible()
    compose(redis_deployment)
    player = alice.locator(PLAYER)
    expect(player).to_be_visible(timeout=20_000)
    player.evaluate("video => { video.muted = true; return video.play(); }")
    alice.wait_for_function(
        f"() => {{ const v = document.querySelector('{PLAYER}'); return v.readyState >= 2 && v.currentTime > 0.5; }}"
    )
    first = player.evaluate("video => video.currentTime")
    alice.wait_for_function(f"() => document.querySelector('{PLAYER}').currentTime > {first} + 0.3")
    assert player.evaluate("video => [video.videoWidth, video.videoHeight]") == [1280, 720]
    assert abs(player.evaluate("video => video.duration") - 6) < 0.2
    player.evaluate("video => video.pause()")

    # A person's own file plays too.
    alice.get_by_text("Each person's own files (2)").click()
    own = alice.get_by_label("Bob's own file")
    own.evaluate("video => { video.muted = true; return video.play(); }")
    alice.wait_for_function("() => document.querySelector('video[aria-label=\"Bob\\'s own file\"]').currentTime > 0.3")
    own.evaluate("video => video.pause()")
    assert violations(alice) == []
    alice.screenshot(path=artifacts / "recordings-desktop-1280x800.png", full_page=True, animations="disabled")

    phone = sign_in("alice", viewport=PHONE)
    phone.goto(f"/r/{slug}/recordings/")
    expect(phone.locator(PLAYER)).to_be_visible()
    phone.get_by_text("Each person's own files (2)").click()
    phone.screenshot(path=artifacts / "recordings-phone-390x844.png", full_page=True, animations="disabled")
    width = phone.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page scrolls sideways on a phone: {width}px"

    alice.get_by_role("link", name="Delete…").click()
    expect(alice.get_by_role("heading", name="Delete the recording of")).to_be_visible()
    alice.get_by_role("button", name="Yes, delete the recording").click()
    expect(alice.get_by_text("The recording was deleted, with its files.")).to_be_visible()
    expect(alice.get_by_text("No recordings yet.")).to_be_visible()
    assert not any(path.exists() for path in files)
    assert redis_deployment.run_python(
        "import json\nfrom recordings.models import Recording\n"
        f"print(json.dumps(Recording.objects.filter(pk={recording_id}).exists()))"
    ) is False


def test_carol_who_does_not_own_the_room_gets_the_refusal_page(sign_in, make_room):
    slug = make_room("Board meeting")
    carol = sign_in("carol", viewport=DESKTOP)
    response = carol.goto(f"/r/{slug}/recordings/")
    assert response.status == 403
    expect(carol.get_by_role("heading", name="Only the room's owner can change it")).to_be_visible()
