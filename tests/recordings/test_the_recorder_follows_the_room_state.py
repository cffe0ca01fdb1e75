"""The recorder is a protocol client: it applies events in seq order and asks for the state on a gap."""

import asyncio
import json

import pytest

from recordings.connection import candidate_from_wire
from recordings.recorder import RoomRecorder


class FakeSocket:
    def __init__(self):
        self.sent = []

    async def send(self, text):
        self.sent.append(json.loads(text))


def peer(peer_id, name, connected=True):
    return {"peer_id": peer_id, "name": name, "role": "participant", "connected": connected}


class FakePeerRecording:
    """Stands in for a participant's connection: no media, just what the room state says."""

    def __init__(self, peer):
        self.peer = peer
        self.lock = asyncio.Lock()

    async def close(self):
        pass


@pytest.fixture
def recorder(monkeypatch):
    recorder = RoomRecorder(1, "room", url="ws://127.0.0.1:1", make_token=lambda: "t", files=None, limits=None)
    recorder.socket = FakeSocket()
    recorder.offered = []

    def add_peer(peer):
        recorder.offered.append(peer["peer_id"])
        recorder.peers[peer["peer_id"]] = FakePeerRecording(peer)

    monkeypatch.setattr(recorder, "add_peer", add_peer)
    return recorder


async def test_events_apply_in_order_and_a_gap_asks_for_the_whole_state(recorder):
    await recorder.take_state({"seq": 5, "peers": [peer("p_a", "Alice")]})
    await recorder.take_event({"type": "peer-joined", "seq": 6, "peer": peer("p_b", "Bob")})
    await recorder.take_event({"type": "peer-joined", "seq": 6, "peer": peer("p_b", "Bob")})  # a repeat: ignored
    assert recorder.offered == ["p_a", "p_b"]
    await recorder.take_event({"type": "chat", "seq": 9, "message": {}})
    assert recorder.socket.sent == [{"type": "resync"}]
    await recorder.take_event({"type": "peer-joined", "seq": 7, "peer": peer("p_c", "Carol")})
    assert recorder.offered == ["p_a", "p_b"]  # waiting for the state, events are not applied
    await recorder.take_state({"seq": 9, "peers": [peer("p_a", "Alice"), peer("p_c", "Carol")]})
    assert recorder.seq == 9 and not recorder.resyncing
    assert recorder.offered == ["p_a", "p_b", "p_c"]
    assert set(recorder.peers) == {"p_a", "p_c"}  # Bob left in the events it missed


def test_browser_candidates_lose_their_prefix_and_keep_their_media_line():
    candidate = candidate_from_wire({
        "candidate": "candidate:842163049 1 udp 1677729535 127.0.0.1 52311 typ host generation 0",
        "sdp_mid": "0", "sdp_mline_index": 0,
    })
    assert (candidate.ip, candidate.port, candidate.type) == ("127.0.0.1", 52311, "host")
    assert (candidate.sdpMid, candidate.sdpMLineIndex) == ("0", 0)
    assert candidate_from_wire(None) is None
    assert candidate_from_wire({"candidate": "", "sdp_mid": "0", "sdp_mline_index": 0}) is None
