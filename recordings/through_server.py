"""Recording a meeting whose media goes through the server (docs/recording.md, "Through the server").

The recorder subscribes to each participant's feed at the media server, through its own Confer socket, one
subscription (and one aiortc connection) per participant named by the participant's peer id: nobody uploads an
extra copy for it. Each participant's tracks go to a file of their own, as with the mesh (recordings.connection).
"""

import logging

from aiortc import RTCPeerConnection, RTCSessionDescription

from recordings.connection import catch_up
from recordings.sink import ParticipantFile

log = logging.getLogger(__name__)


class FeedRecording:
    """One participant as the recorder receives it through the server: a subscription to its feed, and its file."""

    def __init__(self, recorder, peer):
        import asyncio

        self.recorder = recorder
        self.peer = peer
        self.pc = None
        self.sinks = []
        self.streams = None  # the feed's streams we subscribed to
        self.lock = asyncio.Lock()
        self.closed = False
        self.attempts = 0

    @property
    def peer_id(self):
        return self.peer["peer_id"]

    def run(self, make_coroutine):
        async def locked():
            async with self.lock:
                if self.closed:
                    return
                try:
                    await make_coroutine()
                except Exception:
                    log.exception("recording %s: subscription to %s failed", self.recorder.recording_id, self.peer_id)

        return self.recorder.spawn(locked())

    async def offer(self):
        """Nothing to offer through the server: the subscription follows the feeds (`follow`)."""

    async def follow(self, streams):
        """The participant publishes these streams now: subscribe to all of them (again, if they changed)."""
        # Camera and microphone: a shared screen is not recorded through the server (docs/sfu.md), and starting or
        # stopping one must not cut the participant's file in two.
        mids = sorted(stream["mid"] for stream in streams
                      if stream["type"] in ("audio", "video") and stream.get("description") != "screen")
        if mids == self.streams:
            return
        if self.streams:
            await self.finish()  # a new publication: a new file
        self.streams = mids
        await self.recorder.send({"type": "sfu-subscribe", "subscription": self.peer_id,
                                  "streams": [{"feed": self.peer_id, "mid": mid} for mid in mids]})

    async def on_offer(self, message):
        wanted = [s for s in message["streams"] if s.get("feed") == self.peer_id]
        if self.pc is not None and self.pc.signalingState == "stable" and wanted:
            try:  # a renegotiation of the same subscription
                await self.answer(message)
                return
            except Exception:
                await self.finish()
        elif self.pc is not None:
            await self.finish()
        if not wanted:
            return  # the feed went away: its file is finished
        self.pc = RTCPeerConnection(self.recorder.rtc_configuration())
        tracks = []
        self.pc.on("track", tracks.append)
        await self.answer(message)
        if tracks:
            kinds = sorted(track.kind for track in tracks)
            label = "audio-video" if kinds == ["audio", "video"] else kinds[0]
            handle = await self.recorder.files.open(self.peer, label)
            sink = ParticipantFile(handle.path, on_error=self.recorder.sink_failed)
            for track in tracks:
                sink.addTrack(track)
            self.sinks.append((sink, handle))
            await sink.start()

    async def answer(self, message):
        await self.pc.setRemoteDescription(RTCSessionDescription(**message["description"]))
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        await self.recorder.send({"type": "sfu-answer", "subscription": self.peer_id,
                                  "description": {"type": "answer", "sdp": self.pc.localDescription.sdp}})

    async def finish(self, catching_up=True):
        """Close the subscription's connection, then its files, as recordings.connection does: what was sent before
        now reaches the file first, and closing the connection makes aiortc's decoders hand over what they hold."""
        if catching_up:
            await catch_up(self)
        pc, self.pc = self.pc, None
        if pc is not None:
            await pc.close()
        sinks, self.sinks = self.sinks, []
        for sink, handle in sinks:
            await sink.stop()
            await self.recorder.files.close(handle, sink)

    async def reset(self):
        """The media server was replaced: finish the file (nothing more comes from the lost one); the feeds that
        come next start a new one."""
        await self.finish(catching_up=False)
        self.streams = None

    async def close(self):
        await self.finish()
        self.closed = True


async def take_server_message(recorder, message):
    """Act on an sfu-* message from the signalling server."""
    kind = message["type"]
    if kind == "sfu-feeds":
        for feed in message["feeds"]:
            recording = recorder.peers.get(feed["peer_id"])
            if isinstance(recording, FeedRecording):
                recording.run(lambda r=recording, s=feed["streams"]: r.follow(s))
    elif kind == "sfu-offer":
        recording = recorder.peers.get(message["subscription"])
        if isinstance(recording, FeedRecording):
            recording.run(lambda: recording.on_offer(message))
    elif kind == "sfu-reset":
        for recording in list(recorder.peers.values()):
            if isinstance(recording, FeedRecording):
                recording.run(recording.reset)
        await ask_for_feeds(recorder)


async def ask_for_feeds(recorder):
    """Enter the media server's room: it answers with who publishes what (sfu-feeds)."""
    await recorder.send({"type": "sfu-subscribe", "subscription": "feeds", "streams": []})
