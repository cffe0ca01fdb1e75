"""A participant made of aiortc that meets through the server: it joins a room over Confer's socket, publishes a
synthetic tone and moving picture with `sfu-publish`, subscribes to everyone with `sfu-subscribe`, and counts the
frames it receives from each publisher. It starts over on `sfu-reset`, as the room page does.

Run as a script, it keeps N publishers in one room until its standard input closes (the browser tests, whose
Playwright loop cannot share a thread with aiortc, and the benchmarks):
    python -m tests.sfu.participant WS_BASE ROOM COUNT
It prints one JSON line per publisher once it is published: {"peer_id": ..., "name": ...}.
"""

import asyncio
import contextlib
import json
import sys
import time

from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError
from websockets.asyncio.client import connect

from tests.recordings.publisher import MovingBar, Tone
from tests.signalling_client import room_token


class SfuParticipant:
    """One person in a server-routed room."""

    def __init__(self, ws_base, room, identity, name, role="participant", publish=True, subscribe=True):
        self.url = f"{ws_base}/ws/rooms/{room}/"
        self.room = room
        self.identity = identity
        self.name = name
        self.role = role
        self.publishing = publish
        self.subscribing = subscribe
        self.socket = None
        self.reader = None
        self.welcome = None
        self.publisher_pc = None
        self.subscriber_pc = None
        self.feeds = {}
        self.mid_to_feed = {}
        self.frames = {}  # feed peer id -> {"audio": n, "video": n}
        self.last_frame = {}  # feed peer id -> monotonic time of the last video frame
        self.messages = []  # every server message, in order
        self.errors = []
        self.published = asyncio.Event()
        self.resets = 0
        self.closed = asyncio.Event()
        self.close_code = None
        self.video_track = None
        self.audio_track = None

    @property
    def peer_id(self):
        return self.welcome["peer_id"]

    async def join(self):
        self.socket = await connect(self.url, open_timeout=10, max_size=2**22)
        token = room_token(self.room, self.identity, self.name, role=self.role)
        await self.socket.send(json.dumps({"type": "join", "token": token, "versions": [1],
                                           "state": {"audio": self.publishing, "video": self.publishing}}))
        self.welcome = json.loads(await self.socket.recv())
        assert self.welcome["type"] == "welcome", self.welcome
        self.reader = asyncio.ensure_future(self.read())
        self.pinger = asyncio.ensure_future(self.ping())
        return self

    async def ping(self):
        """Ping every 10 s, as the room page does: a silent socket is closed (SIGNALLING_CLIENT_TIMEOUT)."""
        with contextlib.suppress(Exception):
            while True:
                await asyncio.sleep(10)
                await self.send({"type": "ping"})

    @property
    def route(self):
        return self.welcome["state"]["room"]["route"]

    async def start_media(self):
        """Publish (if this person does) and subscribe, through the server."""
        if self.publishing:
            await self.publish()
        elif self.subscribing:
            await self.send({"type": "sfu-subscribe", "subscription": "main", "streams": []})

    async def publish(self):
        self.published.clear()
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.publisher_pc = pc
        self.audio_track, self.video_track = Tone(), MovingBar()
        pc.addTrack(self.audio_track)
        pc.addTrack(self.video_track)
        await pc.setLocalDescription(await pc.createOffer())
        await self.send({"type": "sfu-publish", "description": {"type": "offer", "sdp": pc.localDescription.sdp}})

    async def send(self, message):
        await self.socket.send(json.dumps(message))

    async def read(self):
        try:
            async for text in self.socket:
                message = json.loads(text)
                self.messages.append(message)
                try:
                    await self.take(message)
                except Exception as error:  # keep reading: a test sees it in `errors`
                    self.errors.append(repr(error))
        except Exception:
            pass
        finally:
            self.close_code = getattr(self.socket, "close_code", None)
            self.closed.set()

    async def take(self, message):
        kind = message["type"]
        if kind == "sfu-answer":
            await self.publisher_pc.setRemoteDescription(RTCSessionDescription(**message["description"]))
            self.published.set()
        elif kind == "sfu-feeds":
            self.feeds = {feed["peer_id"]: feed["streams"] for feed in message["feeds"]}
            if self.subscribing:
                await self.resubscribe()
        elif kind == "sfu-offer":
            await self.answer(message)
        elif kind == "sfu-reset":
            self.resets += 1
            await self.reset()
        elif kind == "error":
            self.errors.append(message)

    async def resubscribe(self):
        """Subscribe to every stream of everyone who publishes now (by mid, as the recorder does)."""
        streams = [{"feed": peer_id, "mid": s["mid"]} for peer_id, streams in self.feeds.items() for s in streams]
        await self.send({"type": "sfu-subscribe", "subscription": "main", "streams": streams})

    async def answer(self, message):
        for stream in message["streams"]:
            self.mid_to_feed[stream["mid"]] = stream["feed"]
        if self.subscriber_pc is None:
            pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
            self.subscriber_pc = pc
            pc.on("track", lambda track, pc=pc: self.count(pc, track))
        pc = self.subscriber_pc
        await pc.setRemoteDescription(RTCSessionDescription(**message["description"]))
        await pc.setLocalDescription(await pc.createAnswer())
        await self.send({"type": "sfu-answer", "subscription": message["subscription"],
                         "description": {"type": "answer", "sdp": pc.localDescription.sdp}})

    def count(self, pc, track):
        transceiver = next((t for t in pc.getTransceivers() if t.receiver.track is track), None)
        mid = transceiver.mid if transceiver else None

        async def read():
            with contextlib.suppress(MediaStreamError):
                while True:
                    await track.recv()
                    feed = self.mid_to_feed.get(mid)
                    if feed is None:
                        continue
                    counts = self.frames.setdefault(feed, {"audio": 0, "video": 0})
                    counts[track.kind] += 1
                    if track.kind == "video":
                        self.last_frame[feed] = time.monotonic()

        asyncio.ensure_future(read())

    async def reset(self):
        """The media server was lost: start over on the one the meeting moved to."""
        for pc in (self.publisher_pc, self.subscriber_pc):
            if pc is not None:
                await pc.close()
        self.publisher_pc = self.subscriber_pc = None
        self.mid_to_feed = {}
        await self.start_media()

    def video_frames(self, feed):
        return self.frames.get(feed, {}).get("video", 0)

    async def wait_for(self, check, timeout=20, what="a condition"):
        deadline = time.monotonic() + timeout
        while not check():
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name}: no {what} in {timeout} s (errors: {self.errors[-3:]})")
            await asyncio.sleep(0.05)

    async def wait_for_video_from(self, feed, frames=10, timeout=45):
        start = self.video_frames(feed)
        await self.wait_for(lambda: self.video_frames(feed) >= start + frames, timeout, f"video from {feed}")

    async def leave(self):
        with contextlib.suppress(Exception):
            await self.send({"type": "leave"})
        await self.hang_up()

    async def hang_up(self):
        if self.reader is not None:
            self.reader.cancel()
            self.pinger.cancel()
        with contextlib.suppress(Exception):
            await self.socket.close()
        for pc in (self.publisher_pc, self.subscriber_pc):
            if pc is not None:
                await pc.close()


async def keep_publishers(ws_base, room, count, prefix="pub"):
    """Join `count` publishers that only publish (no subscription); run until standard input closes."""
    people = []
    for number in range(count):
        person = SfuParticipant(ws_base, room, f"ext:bench:{prefix}{number}", f"{prefix.title()} {number + 1}",
                                subscribe=False)
        await person.join()
        await person.start_media()
        people.append(person)
    for person in people:
        await asyncio.wait_for(person.published.wait(), 30)
        print(json.dumps({"peer_id": person.peer_id, "name": person.name}), flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)
    for person in people:
        await person.leave()


if __name__ == "__main__":
    import django
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    asyncio.run(keep_publishers(sys.argv[1], sys.argv[2], int(sys.argv[3]),
                                sys.argv[4] if len(sys.argv) > 4 else "pub"))
