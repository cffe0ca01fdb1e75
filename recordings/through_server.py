"""Recording a meeting whose media goes through the server (docs/recording.md, "Through the server").

The recorder subscribes to each participant's feed at the media server, through its own Confer socket: one
subscription (and one aiortc connection) per participant for its camera and microphone, named by the participant's
peer id, and one for its shared screen while it shares one (named `<peer id>:screen`). Nobody uploads an extra copy
for it. Each subscription's tracks go to a file of their own, labelled as with the mesh (recordings.connection):
the screen's file is `screen`, and the camera's file is not cut when a screen starts or stops.
"""

import asyncio
import contextlib
import logging

from aiortc import RTCPeerConnection, RTCSessionDescription

from recordings.connection import catch_up
from recordings.sink import ParticipantFile

log = logging.getLogger(__name__)


# The simulcast layer the recorder asks for: the largest. Janus starts every subscription on the smallest (sfu.janus
# stream_request) until the subscriber asks, and forwards a lower layer while this one is not sent.
TOP_LAYER = 2
SCREEN = "screen"  # the description of a shared screen's stream at the media server (sfu.janus), and its file's label


class Subscription:
    """One subscription of the recorder at the media server: its aiortc connection and the file it writes."""

    def __init__(self, feed, name, label=None):
        self.feed = feed  # the FeedRecording it belongs to
        self.name = name
        self.label = label  # the file's label; None: from the kinds of its tracks
        self.pc = None
        self.sinks = []
        self.mids = None  # the feed's streams (mids) subscribed to, None when nothing is asked for

    @property
    def recorder(self):
        return self.feed.recorder

    @property
    def peer_id(self):
        return self.feed.peer_id

    async def follow(self, mids):
        """Carry these streams of the feed now: a change is a new publication, so a new file."""
        if mids == self.mids:
            return
        if self.mids:
            await self.finish()
        self.mids = mids
        await self.recorder.send({"type": "sfu-subscribe", "subscription": self.name,
                                  "streams": [{"feed": self.peer_id, "mid": mid} for mid in mids]})

    async def let_go(self):
        """Tell the server this subscription is no longer needed (it frees its handle at the media server)."""
        self.mids = None
        with contextlib.suppress(Exception):  # a closed socket: the server lets everything go anyway
            await self.recorder.send({"type": "sfu-unsubscribe", "subscription": self.name})

    async def on_offer(self, message):
        if self.mids is None:
            return  # an offer of a subscription let go (or of a lost media server) on its way before that
        wanted = [s for s in message["streams"] if s.get("feed") == self.peer_id]
        if self.pc is not None and self.pc.signalingState == "stable" and wanted:
            try:  # a renegotiation of the same subscription
                await self.answer(message)
                await self.ask_for_the_top_layer(wanted)
                return
            except Exception:
                await self.finish()
        elif self.pc is not None:
            await self.finish()
        if not wanted:
            return  # the feed (or this stream of it) went away: its file is finished
        self.pc = RTCPeerConnection(self.recorder.rtc_configuration())
        tracks = []
        self.pc.on("track", tracks.append)
        await self.answer(message)
        await self.ask_for_the_top_layer(wanted)
        if tracks:
            kinds = sorted(track.kind for track in tracks)
            label = self.label or ("audio-video" if kinds == ["audio", "video"] else kinds[0])
            handle = await self.recorder.files.open(self.feed.peer, label)
            sink = ParticipantFile(handle.path, on_error=self.recorder.sink_failed)
            for track in tracks:
                sink.addTrack(track)
            self.sinks.append((sink, handle))
            await sink.start()

    async def ask_for_the_top_layer(self, streams):
        """Ask for the largest simulcast layer of each camera video: a recording is watched full size, later. (The
        server holds the request until the connection is up; the file takes its size once that layer came: the
        sink's VIDEO_SIZE_SETTLE_SECONDS.) A screen has one layer only."""
        for stream in streams:
            if stream.get("type") == "video" and not stream.get("screen"):
                await self.recorder.send({"type": "sfu-quality", "subscription": self.name, "mid": stream["mid"],
                                          "substream": TOP_LAYER})

    async def answer(self, message):
        await self.pc.setRemoteDescription(RTCSessionDescription(**message["description"]))
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        await self.recorder.send({"type": "sfu-answer", "subscription": self.name,
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


class FeedRecording:
    """One participant as the recorder receives it through the server: a subscription to its camera and microphone,
    and one to its shared screen while there is one, each with a connection and a file of its own (as in a mesh,
    the screen goes to a file labelled `screen`, and starting or stopping it leaves the camera's file whole)."""

    def __init__(self, recorder, peer):
        self.recorder = recorder
        self.peer = peer
        self.camera = Subscription(self, self.peer_id)
        self.screen = Subscription(self, f"{self.peer_id}:{SCREEN}", label=SCREEN)
        self.lock = asyncio.Lock()
        self.closed = False
        self.attempts = 0

    @property
    def peer_id(self):
        return self.peer["peer_id"]

    @property
    def subscriptions(self):
        return (self.camera, self.screen)

    @property
    def sinks(self):
        return [entry for subscription in self.subscriptions for entry in subscription.sinks]

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
        """Nothing to offer through the server: the subscriptions follow the feeds (`follow`)."""

    async def follow(self, streams):
        """The participant publishes these streams now: subscribe to them (again, if they changed)."""
        media = [stream for stream in streams if stream["type"] in ("audio", "video")]
        await self.camera.follow(sorted(s["mid"] for s in media if s.get("description") != SCREEN))
        # A screen's subscription lasts as long as the screen: when it stops, its file is finished and the
        # subscription let go; sharing again makes a new one, and a new file.
        screen = sorted(s["mid"] for s in media if s.get("description") == SCREEN)
        if screen == (self.screen.mids or []):
            return
        if self.screen.mids:
            await self.screen.finish()
            await self.screen.let_go()
        if screen:
            await self.screen.follow(screen)

    async def reset(self):
        """The media server was replaced: finish the files (nothing more comes from the lost one); the feeds that
        come next start new ones. The lost server's subscriptions went with it."""
        for subscription in self.subscriptions:
            await subscription.finish(catching_up=False)
            subscription.mids = None

    async def close(self):
        for subscription in self.subscriptions:
            await subscription.finish()
            if subscription.mids is not None:
                await subscription.let_go()
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
        recording, subscription = subscription_named(recorder, message["subscription"])
        if recording is not None:
            recording.run(lambda: subscription.on_offer(message))
    elif kind == "sfu-reset":
        for recording in list(recorder.peers.values()):
            if isinstance(recording, FeedRecording):
                recording.run(recording.reset)
        await ask_for_feeds(recorder)


def subscription_named(recorder, name):
    """Return (the FeedRecording, its Subscription) that subscription `name` belongs to, or (None, None)."""
    for recording in recorder.peers.values():
        if isinstance(recording, FeedRecording):
            for subscription in recording.subscriptions:
                if subscription.name == name:
                    return recording, subscription
    return None, None


async def ask_for_feeds(recorder):
    """Enter the media server's room: it answers with who publishes what (sfu-feeds)."""
    await recorder.send({"type": "sfu-subscribe", "subscription": "feeds", "streams": []})
