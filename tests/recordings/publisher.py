"""A participant made of aiortc: it joins a room over the signalling protocol and answers offers like the room page,
sending a synthetic tone and a synthetic moving picture.

Only what the recorder tests need: it never offers, it answers every offer (a new DTLS fingerprint means a new
connection), and it adds relayed candidates the way RECIPES.md says.
"""

import array
import asyncio
import contextlib
import fractions
import json
import math
import re
import time

from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from av import AudioFrame, VideoFrame
from websockets.asyncio.client import connect

from tests.signalling_client import room_token

AUDIO_RATE = 48000
AUDIO_SAMPLES = 960  # 20 ms
VIDEO_RATE = 90000
FPS = 30
WIDTH, HEIGHT = 320, 240


class Tone(MediaStreamTrack):
    """A 440 Hz tone in 20 ms frames, in real time (a starved sender sends late, then catches up)."""

    kind = "audio"

    def __init__(self):
        super().__init__()
        self.start = None
        self.samples = 0
        self.sent_samples = 0
        period = [int(6000 * math.sin(2 * math.pi * 440 * i / AUDIO_RATE)) for i in range(AUDIO_RATE // 40)]
        self.period = array.array("h", period * 40)  # one second

    async def recv(self):
        if self.readyState != "live":
            raise MediaStreamError
        if self.start is None:
            self.start = time.monotonic()
        else:
            self.samples += AUDIO_SAMPLES
            await asyncio.sleep(max(0, self.start + self.samples / AUDIO_RATE - time.monotonic()))
        self.sent_samples = self.samples + AUDIO_SAMPLES
        offset = self.samples % AUDIO_RATE
        frame = AudioFrame(format="s16", layout="mono", samples=AUDIO_SAMPLES)
        frame.planes[0].update(self.period[offset:offset + AUDIO_SAMPLES].tobytes())
        frame.sample_rate = AUDIO_RATE
        frame.pts = self.samples
        frame.time_base = fractions.Fraction(1, AUDIO_RATE)
        return frame


# Backgrounds as (Y, U, V) in BT.601 limited range, so each person's picture can be told apart by its mean colour.
COLOURS = {
    "dark": (16, 128, 128),
    "red": (81, 90, 240),
    "green": (145, 54, 34),
    "blue": (41, 240, 110),
    "yellow": (210, 16, 146),
}
COLOURS_RGB = {"dark": (0, 0, 0), "red": (255, 0, 0), "green": (0, 255, 0), "blue": (0, 0, 255),
               "yellow": (255, 255, 0)}


class MovingBar(MediaStreamTrack):
    """A white bar sweeping across a plain background, 30 frames a second: every frame differs, as a camera's do.

    It keeps the wall-clock moments it sent its first and its last frame (`first_sent`, `last_sent`).
    """

    kind = "video"

    def __init__(self, width=WIDTH, height=HEIGHT, colour="dark"):
        super().__init__()
        self.width, self.height = width, height
        self.start = None
        self.count = 0
        luma, u, v = COLOURS[colour]
        self.luma = luma
        self.chroma = (bytes([u]) * (width * height // 4), bytes([v]) * (width * height // 4))
        self.first_sent = self.last_sent = None

    async def recv(self):
        if self.readyState != "live":
            raise MediaStreamError
        if self.start is None:
            self.start = time.monotonic()
        else:
            self.count += 1
            await asyncio.sleep(max(0, self.start + self.count / FPS - time.monotonic()))
        width, bar = self.width, self.width // 10
        frame = VideoFrame(width=width, height=self.height, format="yuv420p")
        left = (self.count * 4) % (width - bar)
        row = bytes([self.luma]) * left + bytes([235]) * bar + bytes([self.luma]) * (width - left - bar)
        frame.planes[0].update(row * self.height)
        frame.planes[1].update(self.chroma[0])
        frame.planes[2].update(self.chroma[1])
        # The media clock follows the wall clock, as a camera's does: a starved sender catches up, it never slows.
        frame.pts = int((time.monotonic() - self.start) * VIDEO_RATE)
        frame.time_base = fractions.Fraction(1, VIDEO_RATE)
        self.last_pts_seconds = frame.pts / VIDEO_RATE
        self.first_sent = self.first_sent or time.monotonic()
        self.last_sent = time.monotonic()
        return frame

    @property
    def media_seconds(self):
        return float(self.last_pts_seconds) if self.first_sent else 0.0


def encoded_clip(path, seconds=10, size="640x480", keyframe_every=2 * FPS):
    """Return the VP8 packets of a moving test picture, encoded once by Debian's ffmpeg.

    A sender of packets cannot answer a receiver's request for a keyframe (a PLI, after lost packets): frequent
    keyframes stand in for that.
    """
    import subprocess

    import av

    subprocess.run(["/usr/bin/ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=s={size}:r={FPS}:d={seconds}",
                    "-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "1M", "-g", str(keyframe_every),
                    str(path)], check=True, timeout=120)
    with av.open(str(path)) as container:
        return [bytes(packet) for packet in container.demux(video=0) if packet.size]


class PacketVideo(MediaStreamTrack):
    """Sends a clip's VP8 packets in a loop, 30 a second, without encoding: a sender that costs almost nothing, so
    that many fit in one process and a busy machine does not slow it down."""

    kind = "video"

    def __init__(self, clip):
        super().__init__()
        self.clip = clip
        self.start = None
        self.count = 0
        self.first_sent = self.last_sent = None

    async def recv(self):
        from av import Packet

        if self.readyState != "live":
            raise MediaStreamError
        if self.start is None:
            self.start = time.monotonic()
        else:
            self.count += 1
            await asyncio.sleep(max(0, self.start + self.count / FPS - time.monotonic()))
        packet = Packet(self.clip[self.count % len(self.clip)])
        packet.pts, packet.time_base = self.count * (VIDEO_RATE // FPS), fractions.Fraction(1, VIDEO_RATE)
        self.first_sent = self.first_sent or time.monotonic()
        self.last_sent = time.monotonic()
        return packet

    @property
    def media_seconds(self):
        return self.count / FPS if self.first_sent else 0.0


def fingerprints_of(sdp):
    return sorted(set(re.findall(r"^a=fingerprint:.*$", sdp, flags=re.M)))


class Publisher:
    """One person in the room, sending a tone and a moving picture to whoever offers to receive them."""

    def __init__(self, ws_base, room, identity, name, role="participant", colour="dark", size=(WIDTH, HEIGHT),
                 make_video=None):
        self.url = f"{ws_base}/ws/rooms/{room}/"
        self.colour = colour
        self.size = size
        # What each connection sends as video: a MovingBar by default (bench/recording.py sends packets encoded
        # beforehand, so that many senders fit on one core).
        self.make_video = make_video or (lambda: MovingBar(*self.size, colour=self.colour))
        self.videos = []  # the video track of each connection, in order
        self.tones = []
        self.room = room
        self.identity = identity
        self.name = name
        self.role = role
        self.connections = {}  # peer id -> (RTCPeerConnection, fingerprints)
        self.events = []  # what this person was told, in order: ("recording", bool) and ("offer-from-hidden", id)
        self.socket = None
        self.reader = None
        self.welcome = None

    @property
    def peer_id(self):
        return self.welcome["peer_id"]

    async def join(self, resume=None):
        self.socket = await connect(self.url, open_timeout=10, max_size=2**22)
        token = room_token(self.room, self.identity, self.name, role=self.role)
        await self.socket.send(json.dumps({"type": "join", "token": token, "versions": [1],
                                           "state": {"audio": True, "video": True}, "resume": resume}))
        self.welcome = json.loads(await self.socket.recv())
        assert self.welcome["type"] == "welcome", self.welcome
        self.events.append(("recording", self.welcome["room"]["recording"]))
        self.reader = asyncio.ensure_future(self.read())
        return self

    async def read(self):
        with contextlib.suppress(Exception):
            async for text in self.socket:
                message = json.loads(text)
                if message["type"] == "room-updated":
                    self.events.append(("recording", message["room"]["recording"]))
                elif message["type"] == "offer":
                    if message.get("from_hidden"):
                        self.events.append(("offer-from-hidden", message["from"]))
                    await self.answer(message)
                elif message["type"] == "candidate" and message["from"] in self.connections:
                    await self.add_candidate(message)

    async def answer(self, message):
        sender, description = message["from"], message["description"]
        fingerprints = fingerprints_of(description["sdp"])
        known = self.connections.get(sender)
        if known is None or known[1] != fingerprints:
            if known is not None:
                await known[0].close()
            pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
            self.connections[sender] = (pc, fingerprints)
            await pc.setRemoteDescription(RTCSessionDescription(**description))
            tone = Tone()
            self.tones.append(tone)
            pc.addTrack(tone)
            video = self.make_video()
            self.videos.append(video)
            pc.addTrack(video)
        else:
            pc = known[0]
            await pc.setRemoteDescription(RTCSessionDescription(**description))
        await pc.setLocalDescription(await pc.createAnswer())
        await self.socket.send(json.dumps({"type": "answer", "to": sender, "description": {
            "type": pc.localDescription.type, "sdp": pc.localDescription.sdp}}))

    async def add_candidate(self, message):
        from recordings.connection import candidate_from_wire

        candidate = candidate_from_wire(message.get("candidate"))
        if candidate is not None:
            await self.connections[message["from"]][0].addIceCandidate(candidate)

    @property
    def media_seconds(self):
        """How much sound and how much picture the first connection's tracks made, by their own clocks: as long as
        they were sending unless this process was too starved to keep up."""
        return self.tones[0].sent_samples / AUDIO_RATE, self.videos[0].media_seconds

    @property
    def recording_announced(self):
        """Whether the room last told this person that it is being recorded."""
        return [value for kind, value in self.events if kind == "recording"][-1]

    async def drop(self):
        """Lose the signalling socket (a network change), keeping the media connections."""
        self.reader.cancel()
        await self.socket.close()

    async def resume(self):
        """Come back within the grace window and take the same seat."""
        return await self.join(resume={"peer_id": self.peer_id, "secret": self.welcome["resume_secret"]})

    async def leave(self):
        """Say goodbye and hang up, as the room page's Leave button does."""
        with contextlib.suppress(Exception):
            await self.socket.send(json.dumps({"type": "leave"}))
        await self.hang_up()

    async def hang_up(self):
        if self.reader is not None:
            self.reader.cancel()
        with contextlib.suppress(Exception):
            await self.socket.close()
        for pc, _ in self.connections.values():
            await pc.close()
        self.connections = {}
