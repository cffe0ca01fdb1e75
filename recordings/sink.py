"""Write received tracks into one WebM (Matroska) file as they arrive.

Shaped like aiortc's MediaRecorder (addTrack, start, stop; aiortc's MediaBlackhole can stand in), but made for long
recordings of remote peers:

- timestamps start near zero and the tracks of one file stay in step (each track's first frame is placed at the
  moment it arrived, later frames follow their own RTP clock);
- VP8 is encoded in libvpx's real-time mode, off the event loop, so a few participants fit on a small machine;
- clusters are short and flushed as they close, so a killed process leaves a file that plays up to about a second
  before the kill;
- a write error (a full disk) is reported to `on_error` instead of ending a task silently.
"""

import asyncio
import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction

import av
from aiortc.mediastreams import MediaStreamError

log = logging.getLogger(__name__)

VIDEO_TIME_BASE = Fraction(1, 1000)
AUDIO_RATE = 48000
AUDIO_TIME_BASE = Fraction(1, AUDIO_RATE)
# Audio that arrives before the first video frame waits this long for it, so the video size comes from a real frame.
WAIT_FOR_VIDEO_SECONDS = 3.0
CONTAINER_OPTIONS = {
    "cluster_time_limit": "1000",  # ms: what a crash can lose
    "flush_packets": "1",
}
VP8_OPTIONS = {"deadline": "realtime", "cpu-used": "8", "lag-in-frames": "0"}
VIDEO_BIT_RATE = 1_500_000
DEFAULT_SIZE = (640, 480)


class TrackState:
    def __init__(self, track, stream):
        self.track = track
        self.stream = stream
        self.first_pts = None
        self.offset = 0
        self.last_pts = None
        self.frames = 0
        self.task = None


class ParticipantFile:
    """One file holding some of one participant's tracks: at most one audio track and any number of video tracks."""

    def __init__(self, path, on_error=None):
        self.path = str(path)
        self.on_error = on_error
        self.container = av.open(self.path, mode="w", format="webm", options=dict(CONTAINER_OPTIONS))
        self.tracks = []
        self.started_at = None
        self.error = None
        self.closed = False
        self.header_written = False
        self.pending_audio = []  # (state, frame) waiting for the video size
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="recording-file")

    def addTrack(self, track):  # noqa: N802  (aiortc's name)
        """Record this track too; call before start()."""
        if track.kind == "audio":
            stream = self.container.add_stream("libopus", rate=AUDIO_RATE)
            stream.codec_context.time_base = AUDIO_TIME_BASE
        else:
            stream = self.container.add_stream("libvpx", options=dict(VP8_OPTIONS))
            stream.codec_context.time_base = VIDEO_TIME_BASE
            stream.width, stream.height = DEFAULT_SIZE
            stream.pix_fmt = "yuv420p"
            stream.bit_rate = VIDEO_BIT_RATE
        self.tracks.append(TrackState(track, stream))

    @property
    def kinds(self):
        return [state.track.kind for state in self.tracks]

    async def start(self):
        self.started_at = time.monotonic()
        for state in self.tracks:
            state.task = asyncio.ensure_future(self.run_track(state))
        if "audio" in self.kinds and "video" in self.kinds:
            asyncio.get_running_loop().call_later(WAIT_FOR_VIDEO_SECONDS, self.stop_waiting_for_video)

    async def run_track(self, state):
        loop = asyncio.get_running_loop()
        while not self.closed:
            try:
                frame = await state.track.recv()
            except MediaStreamError:
                return
            if self.closed:
                return
            self.place(state, frame)
            try:
                await loop.run_in_executor(self.executor, self.write, state, frame)
            except Exception as error:  # a full disk, a broken codec: stop this file, tell the owner
                self.fail(error)
                return

    def place(self, state, frame):
        """Give the frame a pts in its stream's time base, counted from the file's start."""
        time_base = VIDEO_TIME_BASE if state.track.kind == "video" else AUDIO_TIME_BASE
        if state.first_pts is None:
            state.first_pts = frame.pts
            state.offset = int((time.monotonic() - self.started_at) / time_base)
        pts = state.offset + int((frame.pts - state.first_pts) * frame.time_base / time_base)
        if state.last_pts is not None and pts <= state.last_pts:
            pts = state.last_pts + (frame.samples if state.track.kind == "audio" else 1)
        frame.pts = pts
        frame.time_base = time_base
        state.last_pts = pts
        state.frames += 1

    def write(self, state, frame):
        """Encode and mux one frame (on the file's own thread)."""
        if self.closed:
            return
        if not self.header_written:
            if state.track.kind == "audio" and self.waiting_for_video():
                self.pending_audio.append((state, frame))
                return
            if state.track.kind == "video":
                state.stream.width, state.stream.height = frame.width, frame.height
            if self.waiting_for_video():
                return
            self.header_written = True
            for waiting_state, waiting_frame in self.pending_audio:
                self.mux(waiting_state, waiting_frame)
            self.pending_audio = []
        self.mux(state, frame)

    def waiting_for_video(self):
        return (
            not self.header_written
            and self.started_at is not None
            and time.monotonic() - self.started_at < WAIT_FOR_VIDEO_SECONDS
            and any(state.track.kind == "video" and state.frames == 0 for state in self.tracks)
        )

    def stop_waiting_for_video(self):
        if not self.header_written and not self.closed and self.pending_audio:
            self.executor.submit(self.flush_pending_audio)

    def flush_pending_audio(self):
        if self.header_written or self.closed or not self.pending_audio:
            return
        self.header_written = True
        pending, self.pending_audio = self.pending_audio, []
        try:
            for state, frame in pending:
                self.mux(state, frame)
        except Exception as error:
            self.fail(error)

    def mux(self, state, frame):
        for packet in state.stream.encode(frame):
            self.container.mux(packet)

    def fail(self, error):
        if self.error is None:
            self.error = error
            log.warning("recording to %s failed: %s", self.path, error)
            if self.on_error is not None:
                self.on_error(self, error)

    @property
    def size(self):
        try:
            return os.path.getsize(self.path)
        except OSError:
            return 0

    @property
    def duration(self):
        """Seconds from the file's start to its last frame."""
        ends = []
        for state in self.tracks:
            if state.last_pts is not None:
                time_base = VIDEO_TIME_BASE if state.track.kind == "video" else AUDIO_TIME_BASE
                ends.append(float(state.last_pts * time_base))
        return max(ends, default=0.0)

    async def stop(self):
        """Stop reading, flush the encoders and close the file so it has its index and duration."""
        if self.closed:
            return
        self.closed = True
        for state in self.tracks:
            if state.task is not None:
                state.task.cancel()
        await asyncio.gather(*(s.task for s in self.tracks if s.task is not None), return_exceptions=True)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self.executor, self.close_container)
        self.executor.shutdown(wait=False)

    def close_container(self):
        try:
            if self.pending_audio and not self.header_written:
                self.header_written = True
                for state, frame in self.pending_audio:
                    self.mux(state, frame)
                self.pending_audio = []
            if self.header_written and self.error is None:
                for state in self.tracks:
                    if state.frames:
                        for packet in state.stream.encode(None):
                            self.container.mux(packet)
        except Exception as error:
            self.fail(error)
        try:
            self.container.close()
        except Exception as error:
            self.fail(error)
