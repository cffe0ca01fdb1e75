"""Write received tracks into one WebM (Matroska) file as they arrive.

Shaped like aiortc's MediaRecorder (addTrack, start, stop; aiortc's MediaBlackhole can stand in), but made for long
recordings of remote peers on a machine that may be busy (docs/recording.md, "On a busy machine"):

- Each frame keeps the time of its own media clock (the RTP timestamp aiortc gives as pts and time_base), counted
  from the file's time zero: the arrival of its first frame, whose wall-clock time is `started_wall`. A track that
  starts later is placed at the moment its first frame arrived. How fast frames are read, decoded or encoded never
  changes when they are shown.
- The picture's size is the largest each video sent in its first VIDEO_SIZE_SETTLE_SECONDS (through the media
  server the first frames are of the smallest simulcast layer); frames are held, not skipped, until then.
- Frames are taken off the tracks at once by one small task per track and encoded and written by the file's own
  thread. When that thread falls behind (a starved CPU), it skips to the newest video frame instead of queueing
  without end: the skipped time holds the last picture. Audio is never skipped for lack of CPU (it is cheap);
  missing audio (lost packets, a sender that paused) is filled with silence, so sound and picture stay in step.
- The file says how far it fell behind: `dropped_video_frames`, `dropped_audio_frames` and `max_lag`.
- Before its connection is closed, the file is given time to catch up (its media reaches the moment of the
  close, or nothing more comes: recordings.connection), so a recorder behind its media does not cut the end off. stop() then
  reads what aiortc still holds for the tracks (close the connection first: its decoders then hand over every
  frame they have) and writes it, before closing the file with its index and duration.
- VP8 is encoded in libvpx's real-time mode. Clusters are short and flushed as they close, so a killed process
  leaves a file that plays up to about a second before the kill.
- A write error (a full disk) is reported to `on_error` instead of ending a thread silently.
"""

import asyncio
import collections
import logging
import os
import threading
import time
from fractions import Fraction

import av
from aiortc.mediastreams import MediaStreamError

log = logging.getLogger(__name__)

VIDEO_TIME_BASE = Fraction(1, 1000)
AUDIO_RATE = 48000
AUDIO_TIME_BASE = Fraction(1, AUDIO_RATE)
AUDIO_FRAME_SAMPLES = 960  # 20 ms, what Opus frames carry
# Audio that arrives before the first video frame waits this long for it, so the video size comes from a real frame.
WAIT_FOR_VIDEO_SECONDS = 3.0
# The file's picture size is the largest a video sent in this long after its first frame: through the media server
# the first frames are of the smallest simulcast layer until the layer asked for comes (its keyframe), and a sender
# may start smaller while its bandwidth estimate grows. Frames held meanwhile are written, not skipped.
VIDEO_SIZE_SETTLE_SECONDS = 2.0
# Video waiting longer than this to be encoded is skipped, up to the newest frame: the file's thread is behind.
MAX_VIDEO_BACKLOG_SECONDS = 0.5
# Audio waiting longer than this is dropped (and its time filled with silence): only a thread that hardly runs at all.
MAX_AUDIO_BACKLOG_SECONDS = 30.0
# A gap in a track's audio longer than this is not filled (a clock jump, not a pause); the track is placed anew.
MAX_SILENCE_SECONDS = 600.0
# A frame whose media time runs further ahead of its arrival than this is placed anew at its arrival: the sender's
# clock jumped. (Behind its arrival is normal: it is how late the frame arrived.)
MAX_AHEAD_SECONDS = 5.0
# The writing fell behind the media by more than this: say so in the recording's status.
LAG_LIMIT_SECONDS = 2.0
# How long stop() reads the frames aiortc still holds before it closes the file anyway.
FINISH_SECONDS = 20.0
FINISH_IDLE_SECONDS = 0.5  # for tracks that never had a frame
# Before a connection is closed, a recorder that is behind its media waits (at most this long) until what was sent
# before the close has come in: closing drops whatever still waits in the socket and in aiortc's jitter buffers.
CATCH_UP_SECONDS = 15.0
CATCH_UP_TOLERANCE_SECONDS = 0.3
# A track that received nothing while its connection was looked at this many times (every 50 ms) has nothing more
# on its way. Counted in looks rather than seconds: a starved process looks less often, and reads less in between.
CATCH_UP_IDLE_LOOKS = 20
CONTAINER_OPTIONS = {
    "cluster_time_limit": "1000",  # ms: what a crash can lose
    "flush_packets": "1",
}
VP8_OPTIONS = {"deadline": "realtime", "cpu-used": "8", "lag-in-frames": "0"}
VIDEO_BIT_RATE = 1_500_000
# What the VP8 encoder is told the frame rate is. Its rate control spends bit_rate / rate on each frame; told the
# real times, it would spend a skipped second's worth of bits on the frame after a skip, which costs far more CPU
# to encode, so a recorder that fell behind would fall further behind.
FPS_NOMINAL = 30
ENCODER_TIME_BASE = Fraction(1, FPS_NOMINAL)
KEYFRAME_INTERVAL = 90  # frames: a player seeking in the file starts at most this far before where it lands
DEFAULT_SIZE = (640, 480)


class TrackState:
    def __init__(self, track, stream):
        self.track = track
        self.stream = stream
        self.kind = track.kind
        self.time_base = VIDEO_TIME_BASE if track.kind == "video" else AUDIO_TIME_BASE
        self.waiting = collections.deque()  # (frame, arrival) in pts order, for the file's thread
        self.first_media = None  # the first frame's media time (seconds, from its own pts and time_base)
        self.offset = 0.0  # where that frame sits in the file (seconds from time zero)
        self.last_pts = None  # in self.time_base
        self.next_audio_pts = None  # where the next audio frame should start, to notice gaps
        self.frames = 0  # received
        self.written = 0
        self.dropped = 0
        self.silence_seconds = 0.0
        self.real_times = {}  # video: the encoder's frame number -> the frame's real pts
        self.last_picture = None  # video: the last frame written, and its real pts
        self.last_written_pts = None
        self.first_arrival = None  # video: time.monotonic() of its first frame
        self.largest = None  # video: the largest (width, height) seen before the header was written
        self.task = None
        self.ended = False


class ParticipantFile:
    """One file holding some of one participant's tracks: at most one audio track and any number of video tracks."""

    def __init__(self, path, on_error=None):
        self.path = str(path)
        self.on_error = on_error
        self.container = av.open(self.path, mode="w", format="webm", options=dict(CONTAINER_OPTIONS))
        self.tracks = []
        self.started_at = None  # time.monotonic() of start()
        self.zero = None  # time.monotonic() of the file's time zero: its first frame's arrival
        self.started_wall = None  # time.time() of the same moment
        self.error = None
        self.closed = False
        self.header_written = False
        self.header_at = None
        self.max_lag = 0.0
        self.condition = threading.Condition()
        self.finishing = False
        self.thread = None
        self.thread_done = None

    def addTrack(self, track):  # noqa: N802  (aiortc's name)
        """Record this track too; call before start()."""
        if track.kind == "audio":
            stream = self.container.add_stream("libopus", rate=AUDIO_RATE)
            stream.codec_context.time_base = AUDIO_TIME_BASE
        else:
            stream = self.container.add_stream("libvpx", options=dict(VP8_OPTIONS))
            # The encoder counts frames at a nominal rate (see write_video); the file gets their real times.
            stream.codec_context.time_base = ENCODER_TIME_BASE
            stream.width, stream.height = DEFAULT_SIZE
            stream.pix_fmt = "yuv420p"
            stream.bit_rate = VIDEO_BIT_RATE
            stream.codec_context.gop_size = KEYFRAME_INTERVAL
            # One thread: libvpx's encoder threads wait for each other by spinning, which on a busy machine burns
            # the CPU time they are waiting for (measured: 0.9 of a core for two 640x480 streams, 0.1 with one).
            stream.codec_context.thread_count = 1
        self.tracks.append(TrackState(track, stream))

    @property
    def kinds(self):
        return [state.kind for state in self.tracks]

    async def start(self):
        self.started_at = time.monotonic()
        loop = asyncio.get_running_loop()
        self.thread_done = loop.create_future()
        self.thread = threading.Thread(target=self.write_all, args=(loop,), name="recording-file", daemon=True)
        self.thread.start()
        for state in self.tracks:
            state.task = asyncio.ensure_future(self.read_track(state))

    # On the event loop: take frames off the tracks as they arrive, and give them their place in time.
    async def read_track(self, state):
        while True:
            try:
                frame = await state.track.recv()
            except MediaStreamError:
                break
            if self.error is not None:
                continue  # the file failed; the recording is being stopped
            self.place(state, frame, time.monotonic())
            with self.condition:
                if state.kind == "video" and not self.header_written:
                    if state.first_arrival is None:
                        state.first_arrival = time.monotonic()
                    if state.largest is None or frame.width * frame.height > state.largest[0] * state.largest[1]:
                        state.largest = (frame.width, frame.height)
                state.waiting.append((frame, time.monotonic()))
                self.condition.notify()
        with self.condition:
            state.ended = True
            self.condition.notify()

    def place(self, state, frame, arrival):
        """Give the frame a pts in its stream's time base, counted from the file's time zero, by its media clock."""
        if self.zero is None:
            self.zero = arrival
            self.started_wall = time.time() - (time.monotonic() - arrival)
        media = float(frame.pts * frame.time_base) if frame.pts is not None else arrival - self.zero
        if state.first_media is None:
            state.first_media, state.offset = media, arrival - self.zero
        seconds = state.offset + media - state.first_media
        last = None if state.last_pts is None else float(state.last_pts * state.time_base)
        if seconds - (arrival - self.zero) > MAX_AHEAD_SECONDS or (last is not None and seconds < last - 1.0):
            # The sender's clock jumped: carry on from the frame's arrival.
            log.warning("%s: the %s clock jumped by %.1f s; placing it anew", self.path, state.kind,
                        seconds - (arrival - self.zero))
            state.first_media, state.offset = media, max(arrival - self.zero, last or 0.0)
            seconds = state.offset
        pts = round(seconds / state.time_base)
        if state.last_pts is not None and pts <= state.last_pts:
            pts = state.last_pts + 1
        frame.pts = pts
        frame.time_base = state.time_base
        state.last_pts = pts
        state.frames += 1

    # On the file's own thread: encode and write, oldest media first; skip video when behind.
    def write_all(self, loop):
        try:
            while True:
                with self.condition:
                    work = self.next_work()
                    while work is None:
                        if self.finishing and all(s.ended and not s.waiting for s in self.tracks):
                            break
                        self.condition.wait(0.25)
                        work = self.next_work()
                if work is None:
                    break
                state, frame, arrival = work
                if self.header_at is None:
                    self.header_at = time.monotonic()
                media = float(frame.pts * frame.time_base)  # before writing: the encoder renumbers video frames
                self.write(state, frame)
                if arrival >= self.header_at:  # not held back on purpose, waiting for the video's size
                    self.max_lag = max(self.max_lag, time.monotonic() - self.zero - media)
            self.close_container()
        except Exception as error:  # a full disk, a broken codec: stop this file, tell the owner
            self.fail(error)
            self.close_container()
        finally:
            loop.call_soon_threadsafe(lambda: self.thread_done.done() or self.thread_done.set_result(None))

    def next_work(self):
        """Return (state, frame, arrival) to write next, or None for nothing yet (called holding the condition)."""
        if self.closed:
            return None
        now = time.monotonic()
        if not self.header_written and not self.ready_for_header(now):
            return None  # held on purpose, for the picture's size: not a backlog
        # Frames held for the header (at most VIDEO_SIZE_SETTLE_SECONDS of them) are all written; a backlog is what
        # came after it and waits too long.
        since = self.header_at if self.header_at is not None else now

        def late(arrival, limit):
            return arrival >= since and now - arrival > limit

        for state in self.tracks:
            if (state.kind == "video" and len(state.waiting) > 1
                    and late(state.waiting[0][1], MAX_VIDEO_BACKLOG_SECONDS)):
                skipped = len(state.waiting) - 1
                state.dropped += skipped
                for _ in range(skipped):
                    state.waiting.popleft()
            elif state.kind == "audio":
                while len(state.waiting) > 1 and late(state.waiting[0][1], MAX_AUDIO_BACKLOG_SECONDS):
                    state.waiting.popleft()
                    state.dropped += 1
        candidates = [state for state in self.tracks if state.waiting]
        if not candidates:
            return None
        state = min(candidates, key=lambda s: float(s.waiting[0][0].pts * s.waiting[0][0].time_base))
        frame, arrival = state.waiting.popleft()
        return state, frame, arrival

    def ready_for_header(self, now):
        """Whether the header can be written, and the videos' sizes with it: every video track has sent frames for
        VIDEO_SIZE_SETTLE_SECONDS (its size is the largest of them), or WAIT_FOR_VIDEO_SECONDS passed for those that
        sent none, or the file is finishing. Smaller frames are scaled up to that size when encoded."""
        videos = [state for state in self.tracks if state.kind == "video"]
        seen = [state for state in videos if state.largest is not None]
        settled = all(now - state.first_arrival >= VIDEO_SIZE_SETTLE_SECONDS for state in seen)
        waited = self.started_at is not None and now - self.started_at >= WAIT_FOR_VIDEO_SECONDS
        if not (self.finishing or (settled and (len(seen) == len(videos) or waited))):
            return False
        for state in seen:
            state.stream.width, state.stream.height = state.largest
        return True

    def write(self, state, frame):
        self.header_written = True
        if state.kind == "audio":
            self.fill_silence(state, frame)
            state.next_audio_pts = frame.pts + frame.samples
            self.mux(state.stream.encode(frame))
        else:
            self.write_video(state, frame)
        state.written += 1

    def write_video(self, state, frame):
        """Encode a frame as the next at the nominal rate; write its packet at the frame's real time."""
        real_pts = frame.pts
        frame.pts, frame.time_base = state.written, ENCODER_TIME_BASE
        state.real_times[state.written] = real_pts
        state.last_picture, state.last_written_pts = frame, real_pts
        self.mux(self.at_real_times(state, state.stream.encode(frame)))

    def hold_last_pictures(self):
        """Show each video's last picture again at the file's end, when its frames stopped before the sound did:
        an overloaded recorder loses the video frames still waiting for a missing packet when the connection
        closes, and the picture then holds to the end instead of the video ending early."""
        end = self.duration
        for state in self.tracks:
            if state.kind != "video" or state.last_picture is None:
                continue
            end_pts = round(end / VIDEO_TIME_BASE)
            if end_pts - state.last_written_pts > 1 / FPS_NOMINAL / VIDEO_TIME_BASE:
                state.last_picture.pts = state.last_written_pts = end_pts  # write_video puts it at its real time
                self.write_video(state, state.last_picture)
                state.written += 1

    def at_real_times(self, state, packets):
        for packet in packets:
            real_pts = state.real_times.pop(packet.pts, None)
            if real_pts is None:
                continue
            packet.pts = packet.dts = real_pts
            packet.time_base = VIDEO_TIME_BASE
            packet.duration = 0
            yield packet

    def mux(self, packets):
        for packet in packets:
            self.container.mux(packet)

    def fill_silence(self, state, frame):
        """Write silence where this track's audio is missing before this frame."""
        if state.next_audio_pts is None:
            return
        gap = frame.pts - state.next_audio_pts
        if gap < AUDIO_FRAME_SAMPLES // 2 or gap > MAX_SILENCE_SECONDS * AUDIO_RATE:
            return
        pts = state.next_audio_pts
        while pts < frame.pts:
            samples = min(AUDIO_FRAME_SAMPLES, frame.pts - pts)
            silence = av.AudioFrame(format=frame.format.name, layout=frame.layout.name, samples=samples)
            for plane in silence.planes:
                plane.update(bytes(plane.buffer_size))
            silence.sample_rate = frame.sample_rate
            silence.pts, silence.time_base = pts, AUDIO_TIME_BASE
            self.mux(state.stream.encode(silence))
            pts += samples
        state.silence_seconds += gap / AUDIO_RATE

    def close_container(self):
        if self.closed:
            return
        self.closed = True
        try:
            if self.header_written and self.error is None:
                self.hold_last_pictures()
                for state in self.tracks:
                    if state.written:
                        flushed = state.stream.encode(None)
                        self.mux(self.at_real_times(state, flushed) if state.kind == "video" else flushed)
        except Exception as error:
            self.fail(error)
        try:
            self.container.close()
        except Exception as error:
            self.fail(error)

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
        """Seconds from the file's time zero to its last frame."""
        ends = [float(state.last_pts * state.time_base) for state in self.tracks if state.last_pts is not None]
        return max(ends, default=0.0)

    @property
    def dropped_video_frames(self):
        return sum(state.dropped for state in self.tracks if state.kind == "video")

    @property
    def dropped_audio_frames(self):
        return sum(state.dropped for state in self.tracks if state.kind == "audio")

    @property
    def fell_behind(self):
        """Whether the recorder could not keep up with this file: it skipped media, or wrote it far too late."""
        return bool(self.dropped_video_frames or self.dropped_audio_frames or self.max_lag > LAG_LIMIT_SECONDS)

    def reached(self, state, moment):
        """Whether this track's media has reached `moment` (a time.time()), by the file's wall-clock time zero."""
        return state.last_pts is None or (
            self.started_wall + float(state.last_pts * state.time_base) >= moment - CATCH_UP_TOLERANCE_SECONDS
        )

    async def stop(self, timeout=FINISH_SECONDS):
        """Write what the tracks still hold (up to `timeout` seconds of waiting), then close the file."""
        if self.thread is None:  # never started
            self.close_container()
            return
        # A track whose receiver ran ends once the receiver has handed over every frame (the connection is closed
        # first). One whose receiver never ran (a connection that never connected) never ends: it has no frames.
        began = time.monotonic()
        received = sum(state.frames for state in self.tracks)
        readers = {state.task for state in self.tracks if state.task is not None}
        _, pending = await asyncio.wait(readers, timeout=FINISH_IDLE_SECONDS) if readers else (None, set())
        running = {state.task for state in self.tracks if state.frames} & pending
        if running:
            _, still = await asyncio.wait(running, timeout=timeout)
            pending = (pending - running) | still
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        drained = sum(state.frames for state in self.tracks) - received
        with self.condition:
            self.finishing = True
            for state in self.tracks:
                state.ended = True
            self.condition.notify()
        await self.thread_done
        if self.fell_behind:
            log.warning(
                "%s: the recorder fell behind: %d video and %d audio frames skipped, %.1f s late at worst; %d frames "
                "were still on their way when the connection closed (%.1f s to take them)", self.path,
                self.dropped_video_frames, self.dropped_audio_frames, self.max_lag, drained, time.monotonic() - began)
