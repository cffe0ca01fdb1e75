"""Screens through the server keep the rules at the server, whatever a client sends: a viewer cannot publish one,
and an offer cannot pass a second camera off as anything but the named screen. (A moderator's mute of a screen,
enforced at Janus, is tested with real pages: tests/sfu/test_a_screen_is_shared_through_the_server.py.)"""

import pytest

from tests.sfu.conftest import make_room
from tests.sfu.participant import SfuParticipant

pytestmark = pytest.mark.slow


def offer(*sections):
    """A session description with these (kind, mid) sections: the server refuses it before Janus would read it."""
    lines = ["v=0", "o=- 1 2 IN IP4 127.0.0.1", "s=-", "t=0 0"]
    for kind, mid in sections:
        lines += [f"m={kind} 9 UDP/TLS/RTP/SAVPF 96", "c=IN IP4 0.0.0.0", f"a=mid:{mid}", "a=sendonly"]
    return "\r\n".join(lines) + "\r\n"


def refused(person, code):
    return any(isinstance(e, dict) and e.get("code") == code and e.get("in_reply_to") == "sfu-publish"
               for e in person.errors)


async def test_a_viewer_cannot_publish_a_screen_through_the_server(sfu_deployment, sfu_worker):
    slug = make_room(sfu_deployment, "Webinar")
    viewer = SfuParticipant(sfu_worker.ws_url, slug, "ext:test:dora", "Dora", role="viewer")
    try:
        await viewer.join()
        await viewer.send({"type": "sfu-publish", "screen": "0",
                           "description": {"type": "offer", "sdp": offer(("video", "0"))}})
        await viewer.wait_for(lambda: refused(viewer, "not-allowed"), what="the refusal of a viewer's screen")
    finally:
        await viewer.leave()


async def test_a_second_video_that_is_not_named_as_the_screen_is_refused(sfu_deployment, sfu_worker):
    slug = make_room(sfu_deployment, "Two cameras")
    erin = SfuParticipant(sfu_worker.ws_url, slug, "ext:test:erin", "Erin")
    try:
        await erin.join()
        await erin.send({"type": "sfu-publish",
                         "description": {"type": "offer", "sdp": offer(("audio", "0"), ("video", "1"), ("video", "2"))}})
        await erin.wait_for(lambda: refused(erin, "bad-message"), what="the refusal of an unnamed second video")
    finally:
        await erin.leave()

