"""Finding 14: a viewer may only receive. The server reads a description's media directions as the browser will,
so a section it would send on is refused, however it is dressed up."""

import pytest

from tests.signalling.conftest import seat

pytestmark = pytest.mark.django_db(transaction=True)

HEAD = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\n"
AUDIO_RECEIVING = "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=recvonly\r\n"

SNEAKY = {
    "a bundled section with port 0 that sends": HEAD + AUDIO_RECEIVING
    + "m=video 0 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=bundle-only\r\na=mid:1\r\na=sendrecv\r\n",
    "a session-level sendonly that a section without its own direction inherits": HEAD.replace(
        "t=0 0\r\n", "t=0 0\r\na=sendonly\r\n") + "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:1\r\n",
    "a direction hidden behind a character the browser does not split on": HEAD
    + "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:1\r\na=recvonly\x1ca=x\r\na=sendrecv\r\n",
    "a media kind in capitals": HEAD + "m=VIDEO 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=sendonly\r\n",
}


@pytest.mark.parametrize("sdp", SNEAKY.values(), ids=SNEAKY.keys())
async def test_a_viewers_sending_offer_is_refused_and_never_reaches_anyone(peers, alice, bob, alices_room, sdp):
    alice_peer = await seat(peers, alices_room, alice)
    viewer = await seat(peers, alices_room, bob, role="viewer")
    await alice_peer.receive_all()
    await viewer.send({"type": "offer", "to": alice_peer.peer_id, "description": {"type": "offer", "sdp": sdp}})
    error = await viewer.receive_type("error")
    assert (error["code"], error["in_reply_to"]) == ("not-allowed", "offer")
    assert await alice_peer.nothing_more()


async def test_a_viewers_receive_only_offer_still_goes_through(peers, alice, bob, alices_room):
    alice_peer = await seat(peers, alices_room, alice)
    viewer = await seat(peers, alices_room, bob, role="viewer")
    receiving = HEAD + AUDIO_RECEIVING + "m=video 0 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:1\r\na=sendrecv\r\n"
    await viewer.send({"type": "offer", "to": alice_peer.peer_id, "description": {"type": "offer", "sdp": receiving}})
    offer = await alice_peer.receive_type("offer")
    assert offer["from"] == viewer.peer_id
