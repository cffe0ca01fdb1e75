"""Compose one recording's per-participant files into one MP4 (H.264 video, AAC audio) with Debian's ffmpeg.

No database here: recordings.composer hands in the files as Sources and stores the result
(docs/recording.md, "The composed file").

- The timeline runs from the first file's time zero to the last file's end. Each file sits at its real start
  (RecordingFile.started_at, the wall-clock time of its first frame) and lasts as long as its media does.
- The timeline is cut into segments wherever someone arrives or leaves (a file starts or ends). Each segment has its
  own layout: a grid of everyone present, or, while a screen is shared, the screen in the large place and the
  cameras in a column beside it. Everyone has a tile with their name on it; someone who sends no video has a card.
- Each segment is one ffmpeg run (its inputs seeked to the segment, one decoder each, one overlay per tile), so
  memory stays the same however long the meeting; the segments are then joined without encoding again, and every
  file's sound is mixed in at its own start.
- Progress comes from ffmpeg's `-progress` output: the share of the timeline written so far.
"""

import logging
import math
import os
import re
import shutil
import signal
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

BACKGROUND = "0x15181e"  # the canvas, between and around tiles
TILE_BACKGROUND = "0x0b0d10"  # bars around a picture that does not fill its tile
CARD_BACKGROUND = "0x2a3140"  # the tile of someone who sends no video
GAP = 4  # pixels between tiles
FONT_CANDIDATES = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",  # fonts-dejavu-core
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
]
# Names in these scripts need a CJK font; fonts-wqy-microhei or fonts-noto-cjk provide one.
CJK = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")
CJK_FONT_CANDIDATES = [
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
]
VIDEO_SHARE = 0.96  # of the progress bar: the segments; the rest is joining them and mixing the sound
AUDIO_RATE = 48000


class ComposeError(Exception):
    """The composition could not be made; the message says why, for the people who look at it."""


class Cancelled(Exception):
    """The composition was stopped from outside (the recording was deleted, the process is shutting down)."""


@dataclass(frozen=True)
class Source:
    """One per-participant file, placed on the composition's timeline."""

    key: int  # stable order and identity (the RecordingFile's id)
    path: str
    name: str
    label: str  # audio-video, audio, video, screen
    start: float  # seconds from the timeline's zero
    duration: float
    has_video: bool
    has_audio: bool

    @property
    def end(self):
        return self.start + self.duration

    @property
    def is_screen(self):
        return self.label == "screen" and self.has_video

    @property
    def caption(self):
        return f"{self.name} (screen)" if self.is_screen else self.name


@dataclass
class Tile:
    source: Source
    x: int
    y: int
    width: int
    height: int


@dataclass
class Segment:
    start: float
    end: float
    tiles: list = field(default_factory=list)

    @property
    def duration(self):
        return self.end - self.start


@dataclass
class Options:
    width: int = 1280
    height: int = 720
    fps: int = 30
    ffmpeg: str = "/usr/bin/ffmpeg"
    nice: int = 10
    crf: int = 23
    preset: str = "veryfast"
    audio_bit_rate: str = "128k"
    threads: int = 0  # ffmpeg's own choice


def even(number):
    return max(2, int(number) // 2 * 2)


def snap(seconds, fps):
    """Put a moment on the output's frame grid."""
    return round(seconds * fps) / fps


# Planning: which tiles where, when. Pure functions, tested on their own.
def plan(sources, options):
    """Cut the timeline where people come and go; return the Segments with their tiles, in order."""
    sources = [s for s in sources if s.duration > 0 and (s.has_video or s.has_audio)]
    if not sources:
        return []
    fps = options.fps
    spans = {s.key: (snap(s.start, fps), snap(s.end, fps)) for s in sources}
    total = max(end for _, end in spans.values())
    cuts = sorted({0.0, total, *(t for span in spans.values() for t in span if 0 < t < total)})
    segments = []
    for start, end in zip(cuts, cuts[1:]):
        if end - start < 0.5 / fps:
            continue
        present = [s for s in sources if spans[s.key][0] <= start and spans[s.key][1] >= end]
        present.sort(key=lambda s: (s.start, s.key))
        segment = Segment(start, end, layout(present, options.width, options.height))
        previous = segments[-1] if segments else None
        if previous and [t.source.key for t in previous.tiles] == [t.source.key for t in segment.tiles] and \
                [(t.x, t.y, t.width, t.height) for t in previous.tiles] == \
                [(t.x, t.y, t.width, t.height) for t in segment.tiles]:
            previous.end = end
        else:
            segments.append(segment)
    return segments


def layout(present, width, height):
    """Place everyone present: a grid, or a shared screen large with the others in a column at its right."""
    if not present:
        return []
    screens = [s for s in present if s.is_screen]
    if not screens:
        return grid(present, 0, 0, width, height)
    shown = max(screens, key=lambda s: (s.start, s.key))  # the latest share takes the large place
    others = [s for s in present if s is not shown]
    if not others:
        return [inset(Tile(shown, 0, 0, width, height))]
    column = even(width // 4)
    tiles = [inset(Tile(shown, 0, 0, width - column, height))]
    columns = 1 if len(others) <= 4 else 2
    rows = math.ceil(len(others) / columns)
    tile_width = even(column / columns)
    tile_height = even(min(height / rows, tile_width * 3 / 4))
    top = even((height - rows * tile_height) / 2)
    for index, source in enumerate(others):
        row, col = divmod(index, columns)
        tiles.append(inset(Tile(source, width - column + col * tile_width, top + row * tile_height,
                                tile_width, tile_height)))
    return tiles


def grid(present, left, top, width, height):
    count = len(present)
    columns = math.ceil(math.sqrt(count))
    rows = math.ceil(count / columns)
    tile_width, tile_height = even(width / columns), even(height / rows)
    tiles = []
    for index, source in enumerate(present):
        row, col = divmod(index, columns)
        in_row = min(columns, count - row * columns)
        offset = (width - in_row * tile_width) // 2  # a last row that is not full is centred
        tiles.append(inset(Tile(source, left + offset + col * tile_width, top + row * tile_height,
                                tile_width, tile_height)))
    return tiles


def inset(tile):
    half = GAP // 2
    return Tile(tile.source, tile.x + half, tile.y + half, even(tile.width - GAP), even(tile.height - GAP))


# Running ffmpeg.
def font_for(text):
    """Return a font file that has this name's letters (CJK needs its own), or None to draw no names."""
    candidates = (CJK_FONT_CANDIDATES if CJK.search(text) else []) + FONT_CANDIDATES
    return next((path for path in candidates if os.path.exists(path)), None)


def filter_path(path):
    """Quote a path for a filtergraph option value."""
    text = str(path)
    if any(char in text for char in "'\\:,;[]\n"):
        raise ComposeError(f"The path {text!r} cannot be used in an ffmpeg filter.")
    return f"'{text}'"


def caption_filter(tile, workdir, card):
    """drawtext for the tile's name, read from a file so no name can break the filtergraph."""
    text = " ".join(tile.source.caption.split())[:80] or "?"
    font = font_for(text)
    if font is None:
        return ""
    text_file = Path(workdir) / f"name-{tile.source.key}.txt"
    text_file.write_text(text, encoding="utf-8")
    size = max(12, min(32, tile.height // (6 if card else 14)))
    margin = max(4, size // 2)
    place = "x=(w-tw)/2:y=(h-th)/2" if card else f"x={margin}:y=h-th-{margin}"
    return (f",drawtext=fontfile={filter_path(font)}:textfile={filter_path(text_file)}:expansion=none"
            f":fontsize={size}:fontcolor=white:box=1:boxcolor=black@0.55:boxborderw={max(3, size // 4)}:{place}")


def segment_command(segment, options, workdir, output):
    """The ffmpeg command that draws one segment of the timeline into `output` (video only)."""
    command = [options.ffmpeg, "-hide_banner", "-nostdin", "-y", "-loglevel", "error", "-nostats",
               "-progress", "pipe:1"]
    duration = segment.duration
    graph = [f"color=c={BACKGROUND}:s={options.width}x{options.height}:r={options.fps}:d={duration:.6f}[base0]"]
    inputs = 0
    for index, tile in enumerate(segment.tiles):
        source, label = tile.source, f"t{index}"
        if source.has_video:
            seek = max(0.0, segment.start - source.start)
            command += ["-ss", f"{seek:.6f}", "-t", f"{duration + 1:.6f}", "-an", "-i", source.path]
            graph.append(
                f"[{inputs}:v:0]scale={tile.width}:{tile.height}:force_original_aspect_ratio=decrease"
                f":force_divisible_by=2,setsar=1,pad={tile.width}:{tile.height}:-1:-1:color={TILE_BACKGROUND}"
                f"{caption_filter(tile, workdir, card=False)}[{label}]"
            )
            inputs += 1
        else:
            graph.append(
                f"color=c={CARD_BACKGROUND}:s={tile.width}x{tile.height}:r={options.fps}:d={duration:.6f}"
                f"{caption_filter(tile, workdir, card=True)}[{label}]"
            )
        graph.append(f"[base{index}][{label}]overlay=x={tile.x}:y={tile.y}:eof_action=pass:repeatlast=0"
                     f"[base{index + 1}]")
    graph.append(f"[base{len(segment.tiles)}]format=yuv420p[video]")
    command += ["-filter_complex", ";".join(graph), "-map", "[video]", "-t", f"{duration:.6f}",
                "-r", str(options.fps), "-an", *video_encoder(options), "-f", "matroska", str(output)]
    return command


def video_encoder(options):
    return ["-c:v", "libx264", "-preset", options.preset, "-crf", str(options.crf), "-pix_fmt", "yuv420p",
            "-profile:v", "high", "-bf", "0", "-g", str(options.fps * 2), "-threads", str(options.threads)]


def final_command(segment_list, sources, total, options, output):
    """Join the segments without encoding again and mix every file's sound in at its start."""
    command = [options.ffmpeg, "-hide_banner", "-nostdin", "-y", "-loglevel", "error", "-nostats",
               "-progress", "pipe:1", "-f", "concat", "-safe", "0", "-i", str(segment_list)]
    voices = [s for s in sources if s.has_audio]
    graph = []
    for index, source in enumerate(voices, start=1):
        command += ["-vn", "-i", source.path]
        delay = max(0, round(source.start * 1000))
        graph.append(f"[{index}:a:0]aresample={AUDIO_RATE}:async=1:first_pts=0,"
                     f"aformat=sample_fmts=fltp:sample_rates={AUDIO_RATE}:channel_layouts=stereo,"
                     f"adelay={delay}|{delay}[a{index}]")
    if voices:
        mix = "".join(f"[a{index}]" for index in range(1, len(voices) + 1))
        graph.append(f"{mix}amix=inputs={len(voices)}:duration=longest:dropout_transition=0:normalize=0,"
                     f"apad,atrim=0:{total:.6f}[audio]")
    else:
        graph.append(f"anullsrc=r={AUDIO_RATE}:cl=stereo,atrim=0:{total:.6f}[audio]")
    command += ["-filter_complex", ";".join(graph), "-map", "0:v:0", "-map", "[audio]", "-c:v", "copy",
                "-c:a", "aac", "-b:a", options.audio_bit_rate, "-t", f"{total:.6f}",
                "-movflags", "+faststart", "-f", "mp4", str(output)]
    return command


class Run:
    """One composition in progress: its ffmpeg processes can be stopped from another thread."""

    def __init__(self, options, on_progress=None):
        self.options = options
        self.on_progress = on_progress or (lambda fraction: None)
        self.process = None
        self.cancelled = threading.Event()
        self.lock = threading.Lock()

    def cancel(self):
        """Stop the composition: its ffmpeg is killed and compose() raises Cancelled."""
        self.cancelled.set()
        with self.lock:
            if self.process is not None and self.process.poll() is None:
                self.process.send_signal(signal.SIGKILL)

    def compose(self, sources, output, workdir):
        """Write the composition of these sources to `output`; return its duration in seconds."""
        if not os.path.exists(self.options.ffmpeg):
            raise ComposeError(f"ffmpeg was not found at {self.options.ffmpeg} (apt-get install ffmpeg).")
        segments = plan(sources, self.options)
        if not segments:
            raise ComposeError("Nothing was recorded: no file holds any sound or picture.")
        total = segments[-1].end
        workdir = Path(workdir)
        listing = []
        for number, segment in enumerate(segments):
            part = workdir / f"segment-{number:04d}.mkv"
            done_before = segment.start / total
            self.run(segment_command(segment, self.options, workdir, part), segment.duration,
                     lambda share, done_before=done_before: self.on_progress(
                         VIDEO_SHARE * (done_before + share * segment.duration / total)))
            listing.append(f"file '{part.name}'\n")
        segment_list = workdir / "segments.txt"
        segment_list.write_text("".join(listing))
        self.run(final_command(segment_list, sources, total, self.options, output), total,
                 lambda share: self.on_progress(VIDEO_SHARE + (1 - VIDEO_SHARE) * share))
        self.on_progress(1.0)
        return total

    def run(self, command, seconds, on_share):
        """Run one ffmpeg, passing on how far it got (0 to 1) from its -progress output."""
        if self.cancelled.is_set():
            raise Cancelled()
        if self.options.nice and shutil.which("nice"):
            command = ["nice", "-n", str(self.options.nice), *command]
        log.debug("composing: %s", subprocess.list2cmdline(command))
        with self.lock:
            self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                            stdin=subprocess.DEVNULL, text=True, errors="replace")
        errors = []
        reader = threading.Thread(target=lambda: errors.extend(self.process.stderr), daemon=True)
        reader.start()
        for line in self.process.stdout:
            key, _, value = line.strip().partition("=")
            if key == "out_time_us" and value.lstrip("-").isdigit() and seconds > 0:
                on_share(min(1.0, max(0.0, int(value) / 1_000_000 / seconds)))
        code = self.process.wait()
        reader.join(5)
        if self.cancelled.is_set():
            raise Cancelled()
        if code != 0:
            message = "".join(errors).strip()[-2000:] or f"exit status {code}"
            raise ComposeError(f"ffmpeg failed: {message}")
