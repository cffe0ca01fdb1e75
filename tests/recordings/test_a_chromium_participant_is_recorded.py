"""A person in the room page of real Chromium (fake camera and microphone) is recorded by a real recorder process.

The page answers the recorder's receive-only offer with its camera and microphone, draws no tile for it, and says
that the meeting is being recorded.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import artifacts, browser, join, make_room, people, sign_in  # noqa: F401  (fixtures)
from tests.recordings.conftest import Api, assert_recorded, file_path

pytestmark = [pytest.mark.browser, pytest.mark.slow]

RECORD_SECONDS = 5


@pytest.fixture(scope="module")
def redis_deployment(deployment):
    """The browser fixtures' deployment is this module's, with its media root and recorder settings."""
    return deployment


@pytest.fixture(scope="module")
def api(deployment, worker, people):  # noqa: F811
    key = deployment.manage("create_api_key", "Recording tests", "--user", "alice").strip().splitlines()[-1]
    return Api(worker.base_url, key, deployment)


def record(api, slug, page, seconds):
    status, recording = api.start(slug)
    assert status == 201, recording
    recording = api.wait_for(slug, recording["id"], {"recording"})
    page.wait_for_timeout(seconds * 1000)
    return recording


def test_alice_in_chromium_is_recorded_to_a_webm_file_with_opus_and_vp8(
    sign_in, make_room, api, recorder, media_root  # noqa: F811
):
    slug = make_room("Recorded call")
    alice = sign_in("alice")
    join(alice, slug)
    expect(alice.get_by_text("Only you are here")).to_be_visible()

    recording = record(api, slug, alice, RECORD_SECONDS)
    api.stop(slug)
    recording = api.wait_for(slug, recording["id"], {"done", "failed"})

    assert recording["status"] == "done", recording
    [described] = recording["files"]
    assert described["participant_name"] == "Alice"
    # Chromium's first frames come while its bandwidth estimate ramps up; allow a little more at the start.
    assert_recorded(file_path(media_root, slug, recording, described), RECORD_SECONDS, tolerance=2)


def test_the_room_page_says_the_meeting_is_being_recorded_and_draws_no_tile_for_the_recorder(
    sign_in, make_room, api, recorder  # noqa: F811
):
    slug = make_room("Told in the page")
    alice = sign_in("alice")
    join(alice, slug)
    expect(alice.get_by_text("Only you are here")).to_be_visible()

    recording = record(api, slug, alice, 2)
    expect(alice.get_by_role("status", name=re.compile("being recorded", re.I))).to_be_visible()
    # The hidden recorder has no tile and is not counted: Alice is still alone on her screen.
    expect(alice.locator("[data-tile-for]:has(video[data-peer-id])")).to_have_count(0)
    expect(alice.get_by_text("Only you are here")).to_be_visible()
    api.stop(slug)
    api.wait_for(slug, recording["id"], {"done"})
    expect(alice.get_by_role("status", name=re.compile("being recorded", re.I))).to_be_hidden()
