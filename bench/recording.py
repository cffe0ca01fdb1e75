"""Benchmarks of recording: how many 640x480 streams one core records in real time, and how long composing takes.

    python bench/recording.py                      # both (about 10 minutes)
    python bench/recording.py --quick              # a smoke run: small numbers
    python bench/recording.py --part record --streams 2,4,6,8 --seconds 30
    python bench/recording.py --part compose --minutes 10 --people 4

**Recording.** A deployment on loopback (redis-server, one daphne worker) and a real `manage.py recorder` pinned
to one core with `taskset`; this process and daphne are pinned to the other. N aiortc participants each send
640x480 VP8 at 30 frames a second (about 1 Mbit/s, packets encoded once beforehand, so senders cost little) and a
48 kHz tone, for `--seconds`. A count keeps up when every file lasts as long as it was sent (within 5 %), no video
frame was skipped and the writing was never more than a second behind; the recorder's share of its core is
measured from /proc.

**Composing.** Four people's 640x480 WebM files made by Debian's ffmpeg (a moving test picture and a tone each,
one minute looped to the length asked for), who join and leave at different times, with a screen shared for two
minutes: composed by recordings.compose as the composer does, timed, with ffmpeg's CPU time.

Figures go to bench/results/recording.json with the machine and its load; docs/performance.md explains them.
"""

import argparse
import asyncio
import datetime
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.run import cpu_seconds, machine  # noqa: E402

FFMPEG = "/usr/bin/ffmpeg"
FPS = 30


# Recording.
def pin(pid, cores):
    """Pin every thread of a process to these cores."""
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            os.sched_setaffinity(int(task.name), cores)
        except OSError:
            pass


async def record_streams(count, seconds, deployment, worker, recorder, api, clip):
    from tests.recordings.conftest import file_path, in_thread, probe
    from tests.recordings.publisher import PacketVideo, Publisher

    slug = await in_thread(api.new_room, f"Bench {count}")
    people = [await Publisher(worker.ws_url, slug, f"user:{n + 10}", f"P{n}", make_video=lambda: PacketVideo(clip))
              .join() for n in range(count)]
    try:
        _, recording = await in_thread(api.start, slug)
        await in_thread(api.wait_for, slug, recording["id"], {"recording"}, 60)
        deadline = time.monotonic() + 60
        while not all(p.videos and p.videos[0].first_sent for p in people):
            if time.monotonic() > deadline:
                raise TimeoutError("the recorder never connected to everyone")
            await asyncio.sleep(0.05)
        await asyncio.sleep(2)  # past connecting: measure the steady state
        cpu_before, began = cpu_seconds(recorder.process.pid), time.monotonic()
        await asyncio.sleep(seconds)
        cpu = (cpu_seconds(recorder.process.pid) - cpu_before) / (time.monotonic() - began)
        for person in people:
            await person.leave()
        await in_thread(api.stop, slug)
        recording = await in_thread(api.wait_for, slug, recording["id"], {"done", "failed"}, 180)
    finally:
        for person in people:
            await person.leave()
    files = []
    for person in people:
        sent = person.videos[0].last_sent - person.videos[0].first_sent
        [described] = [f for f in recording["files"] if f["participant_name"] == person.name]
        streams = probe(file_path(deployment.media_root, slug, recording, described))
        video_frames, first, last = streams["video"][1], streams["video"][2], streams["video"][3]
        files.append({"sent_seconds": round(sent, 2), "video_seconds": round(last - first, 2),
                      "audio_seconds": round(streams["audio"][3] - streams["audio"][2], 2),
                      "video_frames": video_frames, "frames_sent": int(sent * FPS) + 1,
                      "dropped_video_frames": described["dropped_video_frames"], "max_lag": described["max_lag"]})
    kept_up = all(abs(f["video_seconds"] - f["sent_seconds"]) <= 0.05 * f["sent_seconds"]
                  and f["dropped_video_frames"] == 0 and f["max_lag"] <= 1.0 for f in files)
    return {"streams": count, "recorder_core_share": round(cpu, 3), "kept_up": kept_up,
            "fell_behind": recording["fell_behind"], "status": recording["status"],
            "frames_recorded_share": round(sum(f["video_frames"] for f in files)
                                           / sum(f["frames_sent"] for f in files), 3),
            "worst_lag_seconds": max(f["max_lag"] for f in files),
            "dropped_video_frames": sum(f["dropped_video_frames"] for f in files), "files": files}


def bench_recording(counts, seconds):
    import aioice.ice

    from tests.recorder_process import RecorderProcess
    from tests.recordings.conftest import RECORDER_ENV, Api
    from tests.recordings.publisher import encoded_clip
    from tests.servers import Deployment, RedisServer

    cores = sorted(os.sched_getaffinity(0))
    recorder_core, other_cores = {cores[-1]}, set(cores[:-1]) or {cores[-1]}
    aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]
    results = []
    with tempfile.TemporaryDirectory(prefix="confer-bench-recording-") as workdir:
        clip = encoded_clip(Path(workdir) / "clip.webm")
        pin(os.getpid(), other_cores)
        redis = RedisServer(Path(workdir) / "redis").start()
        media = Path(workdir) / "media"
        deployment = Deployment(Path(workdir) / "deployment", redis_url=redis.url, extra_env={
            **RECORDER_ENV, "MEDIA_ROOT": str(media), "LOG_LEVEL": "WARNING",
            "RECORDER_MAX_RECORDINGS": "1", "SIGNALLING_RATE": "100000", "SIGNALLING_BURST": "100000",
        }).setup()
        deployment.media_root = media
        try:
            worker = deployment.start_worker()
            pin(worker.process.pid, other_cores)
            pin(redis.process.pid, other_cores)
            recorder = RecorderProcess(deployment, worker, prefix=["taskset", "-c", str(*recorder_core)]).start()
            deployment.create_user("bench", "bench-password-1", "Bench")
            key = deployment.manage("create_api_key", "Bench", "--user", "bench").strip().splitlines()[-1]
            api = Api(worker.base_url, key, deployment)
            try:
                for count in counts:
                    print(f"== recording {count} streams of 640x480 for {seconds} s", flush=True)
                    figures = asyncio.run(record_streams(count, seconds, deployment, worker, recorder, api, clip))
                    figures["load_average_after"] = os.getloadavg()
                    print(json.dumps({k: v for k, v in figures.items() if k != "files"}), flush=True)
                    results.append(figures)
            finally:
                recorder.stop()
        finally:
            deployment.stop()
            redis.stop()
            keep = os.environ.get("BENCH_LOGS")  # a directory to keep the recorder's and daphne's logs in
            if keep:
                Path(keep).mkdir(parents=True, exist_ok=True)
                for log in Path(workdir, "deployment").glob("*.log"):
                    (Path(keep) / log.name).write_bytes(log.read_bytes())
    kept = [r["streams"] for r in results if r["kept_up"]]
    return {"seconds": seconds, "recorder_core": sorted(recorder_core), "runs": results,
            "most_streams_kept_up": max(kept, default=0)}


# Composing.
def synthetic_person(workdir, name, hue, tone, seconds, size="640x480", audio=True):
    """A WebM like a recorder's file: (up to) one minute of a moving test picture (tinted) and a tone, looped."""
    minute = Path(workdir) / f"{name}-minute.webm"
    path = Path(workdir) / f"{name}.webm"
    clip = min(60, seconds)
    inputs = ["-f", "lavfi", "-i", f"testsrc2=s={size}:r={FPS}:d={clip}"]
    codecs = ["-vf", f"hue=h={hue}", "-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "1M",
              "-g", str(3 * FPS)]
    if audio:
        inputs += ["-f", "lavfi", "-i", f"sine=f={tone}:r=48000:d={clip}"]
        codecs += ["-c:a", "libopus"]
    subprocess.run([FFMPEG, "-v", "error", "-y", *inputs, *codecs, str(minute)], check=True)
    subprocess.run([FFMPEG, "-v", "error", "-y", "-stream_loop", "-1", "-i", str(minute), "-t", str(seconds),
                    "-c", "copy", str(path)], check=True)
    return str(path)


def bench_composing(minutes, people):
    from recordings.compose import Options, Run, Source, plan

    total = round(minutes * 60)
    # Who is there when: everyone but the first joins a little later, one leaves early, one shares a screen.
    joins = [round(total * share) for share in (0, 0.05, 0.1, 0.2, 0.25, 0.3)][:people]
    with tempfile.TemporaryDirectory(prefix="confer-bench-compose-") as workdir:
        made = time.monotonic()
        sources = []
        for n, start in enumerate(joins):
            end = round(total * 0.9) if n == 2 else total
            path = synthetic_person(workdir, f"p{n}", hue=n * 360 // people, tone=300 + 110 * n,
                                    seconds=end - start)
            sources.append(Source(n + 1, path, f"Person {n + 1}", "audio-video", start, end - start, True, True))
        screen_start, screen_seconds = round(total * 0.3), round(total * 0.2)
        screen = synthetic_person(workdir, "screen", hue=0, tone=0, seconds=screen_seconds, size="1280x720",
                                  audio=False)
        sources.append(Source(99, screen, "Person 2", "screen", screen_start, screen_seconds, True, False))
        inputs_seconds = time.monotonic() - made
        options = Options(nice=0)
        segments = plan(sources, options)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        began = time.monotonic()
        progress = []
        output = Path(workdir) / "composed.mp4"
        duration = Run(options, lambda share: progress.append(share)).compose(sources, output,
                                                                               tempfile.mkdtemp(dir=workdir))
        wall = time.monotonic() - began
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        size = output.stat().st_size
    return {"minutes": minutes, "people": people, "screen_share_seconds": screen_seconds,
            "segments": len(segments), "output": f"{options.width}x{options.height} H.264 {options.fps} fps + AAC",
            "composed_seconds": round(duration, 1), "wall_seconds": round(wall, 1),
            "times_real_time": round(duration / wall, 2), "ffmpeg_cpu_seconds": round(cpu, 1),
            "output_bytes": size, "progress_reports": len(progress),
            "making_the_inputs_seconds": round(inputs_seconds, 1)}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--part", choices=["record", "compose", "both"], default="both")
    parser.add_argument("--streams", default=None, help="comma-separated counts of streams to record at once")
    parser.add_argument("--seconds", type=int, default=None, help="how long each count is recorded")
    parser.add_argument("--minutes", type=float, default=None, help="length of the meeting to compose")
    parser.add_argument("--people", type=int, default=4)
    parser.add_argument("--out", default=str(REPO / "bench" / "results" / "recording.json"))
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("CONFER_VAR_DIR", tempfile.mkdtemp(prefix="confer-bench-var-"))
    os.environ.setdefault("LOG_LEVEL", "WARNING")  # aioice logs every connectivity check at INFO
    import django

    django.setup()

    counts = [int(n) for n in (args.streams or ("2,4" if args.quick else "2,4,5,6,8")).split(",")]
    seconds = args.seconds or (8 if args.quick else 30)
    minutes = args.minutes or (1 if args.quick else 10)
    out = Path(args.out)
    # Running one part keeps the other part's last figures in the file.
    report = json.loads(out.read_text()) if out.exists() and args.part != "both" else {}
    report.update({"when": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                   "quick": args.quick, "machine": machine()})
    report.setdefault("commands", {})[args.part] = "python bench/recording.py " + " ".join(sys.argv[1:])
    if args.part in ("record", "both"):
        report["recording"] = {**bench_recording(counts, seconds), "when": report["when"],
                               "machine": report["machine"]}
        print(f"most 640x480 streams one core kept up with: {report['recording']['most_streams_kept_up']}")
    if args.part in ("compose", "both"):
        print(f"== composing {minutes} minutes of {args.people} people", flush=True)
        report["composing"] = {**bench_composing(minutes, args.people), "when": report["when"],
                               "load_average_at_start": report["machine"]["load_average_at_start"]}
        print(json.dumps(report["composing"]), flush=True)
    report["load_average_at_end"] = os.getloadavg()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwritten to {out}")


if __name__ == "__main__":
    main()
