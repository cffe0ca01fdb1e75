"""recordings.sink.ParticipantFile on its own: tracks that stop, pause or jump still make a file that keeps time.

The tracks are aiortc MediaStreamTracks that make frames in real time, as a connection hands them over; the file
is reopened with PyAV.
"""

import asyncio
import fractions
import time

import av
import pytest
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from recordings.sink import ParticipantFile

RATE = 48000


class Track(MediaStreamTrack):
    """Frames in real time for `seconds`, with media times from `clock(t)` (None: leave a hole there)."""

    def __init__(self, kind, seconds, clock=lambda t: t, size=lambda t: (320, 240)):
        super().__init__()
        self.size = size
        self.kind = kind
        self.seconds = seconds
        self.clock = clock
        self.step = 960 / RATE if kind == "audio" else 1 / 30
        self.count = 0
        self.start = None

    async def recv(self):
        while True:
            if self.start is None:
                self.start = time.monotonic()
            t = self.count * self.step
            if t >= self.seconds:
                await asyncio.sleep(3600)  # stops sending but stays open, as a frozen sender does
                raise MediaStreamError
            await asyncio.sleep(max(0, self.start + t - time.monotonic()))
            self.count += 1
            media = self.clock(t)
            if media is not None:
                return self.frame(media, *self.size(t))

    def frame(self, media, width, height):
        if self.kind == "audio":
            frame = av.AudioFrame(format="s16", layout="stereo", samples=960)
            frame.planes[0].update(bytes(frame.planes[0].buffer_size))
            frame.sample_rate = RATE
            frame.pts, frame.time_base = round(media * RATE), fractions.Fraction(1, RATE)
        else:
            frame = av.VideoFrame(width=width, height=height, format="yuv420p")
            for plane in frame.planes:
                plane.update(bytes([128]) * plane.buffer_size)
            frame.pts, frame.time_base = round(media * 90000), fractions.Fraction(1, 90000)
        return frame


async def record(path, *tracks, seconds):
    sink = ParticipantFile(path)
    for track in tracks:
        sink.addTrack(track)
    await sink.start()
    await asyncio.sleep(seconds)
    await sink.stop(timeout=0.5)
    return sink


def frame_times(path, kind):
    with av.open(str(path)) as container:
        stream = container.streams.audio[0] if kind == "audio" else container.streams.video[0]
        return sorted(float(p.pts * p.time_base) for p in container.demux(stream) if p.pts is not None)


@pytest.mark.slow
async def test_a_picture_that_stops_before_the_sound_holds_to_the_end(tmp_path):
    path = tmp_path / "frozen.webm"
    sink = await record(path, Track("audio", 3), Track("video", 1), seconds=3.2)
    video, audio = frame_times(path, "video"), frame_times(path, "audio")
    assert audio[-1] > 2.8
    assert video[-1] >= audio[-1] - 0.1, (video[-5:], audio[-1])  # held, not ended at 1 s
    assert 0.9 < video[-2] < 1.1  # and nothing made up in between
    assert abs(sink.duration - audio[-1]) < 0.05


@pytest.mark.slow
async def test_a_hole_in_the_sound_is_filled_with_silence_and_later_sound_keeps_its_time(tmp_path):
    path = tmp_path / "hole.webm"
    hole = lambda t: None if 1.0 <= t < 2.0 else t  # noqa: E731  (a second of lost packets)
    await record(path, Track("audio", 3, clock=hole), seconds=3.2)
    audio = frame_times(path, "audio")
    gaps = [b - a for a, b in zip(audio, audio[1:])]
    assert max(gaps) < 0.05, max(gaps)  # no hole left for a player to squeeze out
    assert 2.8 < audio[-1] < 3.1


@pytest.mark.slow
async def test_a_sender_clock_that_jumps_ahead_is_placed_anew_at_its_arrival(tmp_path):
    path = tmp_path / "jump.webm"
    jump = lambda t: t if t < 1.0 else t + 3600  # noqa: E731  (the sender's clock leaps an hour)
    sink = await record(path, Track("video", 2, clock=jump), seconds=2.2)
    video = frame_times(path, "video")
    assert video[-1] < 2.5, video[-3:]
    assert max(b - a for a, b in zip(video, video[1:])) < 0.2
    assert sink.duration < 2.5


@pytest.mark.slow
async def test_a_picture_that_grows_in_its_first_second_is_recorded_at_its_full_size_from_the_start(tmp_path):
    # Through the media server, the first frames come from the smallest simulcast layer until the top one arrives.
    path = tmp_path / "layers.webm"
    layers = lambda t: (160, 120) if t < 0.6 else (640, 480)  # noqa: E731
    sink = await record(path, Track("audio", 3), Track("video", 3, size=layers), seconds=3.2)
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.width, stream.codec_context.height) == (640, 480)
        first = next(container.decode(video=0))
        assert (first.width, first.height) == (640, 480)
    video = frame_times(path, "video")
    assert video[0] < 0.1, video[:3]  # the small frames held for the size are in the file, scaled up
    assert len(video) >= 80, len(video)
    assert sink.dropped_video_frames == 0
    assert not sink.fell_behind
