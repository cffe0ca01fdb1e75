"""One participant as the recorder receives it: its RTCPeerConnection, negotiated with receive-only offers, and
the files its tracks go to (docs/recording.md, "What the recorder does in the room")."""

import asyncio
import logging
import re
import time

from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.sdp import candidate_from_sdp

from recordings.sink import CATCH_UP_IDLE_LOOKS, CATCH_UP_SECONDS, ParticipantFile

log = logging.getLogger(__name__)

ANSWER_TIMEOUT = 15  # an offer unanswered this long is made again on a fresh connection
MAX_ATTEMPTS = 4  # fresh connections to one peer in a row that never connected, before waiting for news of it


def fingerprints_of(sdp):
    return sorted(set(re.findall(r"^a=fingerprint:.*$", sdp or "", flags=re.M)))


def candidate_from_wire(wire):
    """Return aiortc's RTCIceCandidate for a relayed `candidate`, or None for an end of candidates."""
    if not wire or not wire.get("candidate"):
        return None
    text = wire["candidate"]
    candidate = candidate_from_sdp(text[len("candidate:"):] if text.startswith("candidate:") else text)
    candidate.sdpMid = wire.get("sdp_mid")
    candidate.sdpMLineIndex = wire.get("sdp_mline_index")
    return candidate


class PeerRecording:
    """One participant, as the recorder receives it: its current connection and the files it is writing."""

    def __init__(self, recorder, peer):
        self.recorder = recorder
        self.peer = peer
        self.pc = None
        self.sinks = []  # (sink, file handle) of the current connection
        self.new_tracks = []
        self.remote_fingerprints = []
        self.awaiting_answer = False
        self.attempts = 0
        self.lock = asyncio.Lock()
        self.closed = False
        self.answer_timer = None

    @property
    def peer_id(self):
        return self.peer["peer_id"]

    def run(self, make_coroutine):
        """Run a step of this peer's negotiation after the ones before it."""

        async def locked():
            async with self.lock:
                if self.closed:
                    return
                try:
                    await make_coroutine()
                except Exception:
                    log.exception("recording %s: negotiation with %s failed", self.recorder.recording_id,
                                  self.peer_id)
                    self.recorder.later(2, lambda: self.run(self.reconnect))

        return self.recorder.spawn(locked())

    def new_connection(self):
        pc = RTCPeerConnection(self.recorder.rtc_configuration())
        self.new_tracks = []
        pc.on("track", lambda track, pc=pc: self.new_tracks.append(track) if pc is self.pc else None)

        @pc.on("connectionstatechange")
        def on_state():
            if pc is not self.pc:
                return
            if pc.connectionState == "connected":
                self.attempts = 0
            elif pc.connectionState == "failed":
                self.run(self.reconnect)

        return pc

    async def replace_connection(self):
        await self.end_connection()
        self.pc = self.new_connection()
        self.remote_fingerprints = []
        self.awaiting_answer = False

    async def offer(self):
        """Send a receive-only offer on a fresh connection."""
        self.attempts += 1
        if self.attempts > MAX_ATTEMPTS:
            log.warning("recording %s: giving up on %s until it changes", self.recorder.recording_id, self.peer_id)
            return
        await self.replace_connection()
        for kind in ("audio", "video"):
            self.pc.addTransceiver(kind, direction="recvonly")
        await self.pc.setLocalDescription(await self.pc.createOffer())
        self.awaiting_answer = True
        await self.recorder.send_to(self.peer_id, "offer", description=self.describe(self.pc.localDescription))
        pc = self.pc
        self.cancel_answer_timer()
        self.answer_timer = self.recorder.later(
            ANSWER_TIMEOUT, lambda: self.run(self.offer) if self.pc is pc and self.awaiting_answer else None
        )

    async def reconnect(self):
        await self.offer()

    async def on_answer(self, description):
        if self.pc is None or not self.awaiting_answer or self.pc.signalingState != "have-local-offer":
            return  # the answer to an offer we gave up on
        self.awaiting_answer = False
        self.cancel_answer_timer()
        await self.pc.setRemoteDescription(RTCSessionDescription(**description))
        self.remote_fingerprints = fingerprints_of(description["sdp"])
        await self.record_new_tracks()

    async def on_offer(self, description):
        """Answer the peer's offer: a renegotiation (a screen shared), a collision with ours, or a new connection."""
        fingerprints = fingerprints_of(description["sdp"])
        same_connection = (
            self.pc is not None
            and self.pc.signalingState == "stable"
            and fingerprints == self.remote_fingerprints
            and self.pc.connectionState not in ("failed", "closed")
        )
        if not same_connection:
            # Ours was pending (a collision: aiortc cannot roll back, so we yield), or the peer's page came back
            # with a new DTLS identity: start over on a connection built from its offer.
            await self.replace_connection()
        self.awaiting_answer = False
        self.cancel_answer_timer()
        await self.pc.setRemoteDescription(RTCSessionDescription(**description))
        self.remote_fingerprints = fingerprints
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        await self.recorder.send_to(self.peer_id, "answer", description=self.describe(self.pc.localDescription))
        await self.record_new_tracks()

    async def on_candidate(self, wire):
        candidate = candidate_from_wire(wire)
        if candidate is not None and self.pc is not None and self.pc.remoteDescription is not None:
            await self.pc.addIceCandidate(candidate)

    async def record_new_tracks(self):
        """Write the tracks that this negotiation brought into a new file of their own."""
        tracks, self.new_tracks = self.new_tracks, []
        if not tracks:
            return
        kinds = [track.kind for track in tracks]
        recorded_video = any(sink.tracks and "video" in sink.kinds for sink, _ in self.sinks)
        if "audio" in kinds and "video" in kinds:
            label = "audio-video"
        elif kinds == ["video"] and recorded_video:
            label = "screen"
        else:
            label = kinds[0]
        handle = await self.recorder.files.open(self.peer, label)
        sink = ParticipantFile(handle.path, on_error=self.recorder.sink_failed)
        for track in tracks:
            sink.addTrack(track)
        self.sinks.append((sink, handle))
        await sink.start()

    async def end_connection(self):
        """Close the connection, then its files: closing it first makes aiortc's decoders hand over every frame
        they still hold, so a recorder that was behind writes the meeting to its end."""
        await catch_up(self)
        pc, self.pc = self.pc, None
        if pc is not None:
            await pc.close()
        sinks, self.sinks = self.sinks, []
        for sink, handle in sinks:
            await sink.stop()
            await self.recorder.files.close(handle, sink)

    def cancel_answer_timer(self):
        if self.answer_timer is not None:
            self.answer_timer.cancel()
            self.answer_timer = None

    async def close(self):
        self.cancel_answer_timer()
        await self.end_connection()
        self.closed = True

    @staticmethod
    def describe(description):
        return {"type": description.type, "sdp": description.sdp}


async def catch_up(recording):
    """Let what was sent before now reach a participant's files before its connection closes (a recorder behind its
    media would otherwise lose the end: closing drops what still waits in the socket and in aiortc's buffers).

    `recording` has `pc`, `sinks`, `recorder` and `peer_id`: a PeerRecording, or through the server one of a FeedRecording's subscriptions.
    """
    moment = time.time()
    deadline = time.monotonic() + CATCH_UP_SECONDS
    tracks = [(sink, state) for sink, _ in recording.sinks for state in sink.tracks]
    seen = {id(state): (state.frames, 0) for _, state in tracks}  # frames, looks without a new one
    while recording.pc is not None and time.monotonic() < deadline:
        behind = False
        for sink, state in tracks:
            frames, still = seen[id(state)]
            still = still + 1 if state.frames == frames else 0
            seen[id(state)] = (state.frames, still)
            if not sink.reached(state, moment) and still < CATCH_UP_IDLE_LOOKS:
                behind = True
        if not behind:
            return
        await asyncio.sleep(0.05)
    if tracks and time.monotonic() >= deadline:
        log.warning("recording %s: %s was still behind when its connection closed", recording.recorder.recording_id,
                    recording.peer_id)
