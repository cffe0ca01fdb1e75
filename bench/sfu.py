"""Media through the server against browser to browser, and what the server route costs (docs/performance.md).

    python bench/sfu.py [--sizes 2,4,6,8] [--seconds 8] [--publishers 1,2,4] [--subscribers 2] [--out FILE]

Runs inside scripts/bench's network namespace (Janus needs 127.0.0.2 on a non-loopback link); scripts/bench starts
it there. Two parts:

- routes: for each meeting size N and each route (mesh, sfu), one headless Chromium page with the fake camera joins a
  fresh room and N - 1 aiortc participants join it (synthetic 320x240 video; in the mesh they answer the page's
  offers, through the server they publish to Janus). Once every remote video plays and a warm-up has passed, the
  page's upload (bytesSent of all its connections, by getStats) and its browser's CPU (every Chromium process this
  script started, from /proc) are measured over `seconds`.
- janus: P aiortc publishers of 640x360 video and S aiortc subscribers that each receive every publisher, through
  one Janus; Janus's CPU (its process, from /proc) over `seconds` gives its cost per forwarded stream, and from that
  how many 640x360 publishers one core carries at a given number of receivers each.

Writes bench/results/sfu.json (or --out) with the machine it ran on.
"""

import argparse
import asyncio
import contextlib
import datetime
import fractions
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.run import machine  # noqa: E402
from tests.servers import PYTHON, Deployment, RedisServer  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")
CHROMIUM = "/usr/lib/chromium/chromium"
ARGS = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream", "--allow-loopback-in-peer-connection",
        "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
UPLOAD = """async () => {
  let bytes = 0, videoStreams = 0, frames = 0;
  const widths = [], limits = [];
  for (const pc of window.__pcs.filter((pc) => pc.connectionState !== "closed")) {
    for (const s of (await pc.getStats()).values()) {
      if (s.type !== "outbound-rtp") continue;
      bytes += s.bytesSent || 0;
      if (s.kind !== "video") continue;
      videoStreams += 1;
      frames += s.framesEncoded || 0;
      widths.push(s.frameWidth || 0);
      if (s.qualityLimitationReason && s.qualityLimitationReason !== "none") limits.push(s.qualityLimitationReason);
    }
  }
  return { bytes, videoStreams, frames, widthLargest: Math.max(0, ...widths), limits, at: performance.now() };
}"""
PLAYING = """(count) => {
  const videos = [...document.querySelectorAll('#tiles video[data-peer-id]')];
  return videos.length >= count && videos.every((v) => v.srcObject && v.getVideoPlaybackQuality().totalVideoFrames > 5);
}"""


def cpu_ticks(pids):
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total


def descendants(root, name):
    """Return the pids of processes called `name` below `root`."""
    parents, names = {}, {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            stat = (entry / "stat").read_text()
            names[int(entry.name)] = stat[stat.index("(") + 1:stat.rindex(")")]
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found = []
    for pid in parents:
        ancestor = parents.get(pid)
        while ancestor and ancestor != root:
            ancestor = parents.get(ancestor)
        if ancestor == root and names.get(pid, "").startswith(name):
            found.append(pid)
    return found


def peers_process(env, ws_url, slug, count, route):
    """Start N aiortc participants for the page to meet (this script, in --peers mode, in its own process)."""
    process = subprocess.Popen([PYTHON, str(Path(__file__)), "--peers", ws_url, slug, str(count), route],
                               cwd=REPO, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    for _ in range(count):
        if not process.stdout.readline():
            raise RuntimeError("the aiortc participants did not all join")
    return process


def stop(process):
    if process.poll() is None:
        process.stdin.close()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def run_peers(ws_url, slug, count, route):
    """Keep `count` aiortc participants in the room until standard input closes."""
    from tests.recordings.publisher import Publisher
    from tests.sfu.participant import SfuParticipant

    people = []
    for number in range(count):
        if route == "sfu":
            person = SfuParticipant(ws_url, slug, f"ext:bench:p{number}", f"Peer {number + 1}", subscribe=False)
            await person.join()
            await person.start_media()
            await asyncio.wait_for(person.published.wait(), 30)
        else:
            person = await Publisher(ws_url, slug, f"ext:bench:p{number}", f"Peer {number + 1}").join()
        people.append(person)
        print("joined", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    for person in people:
        await person.leave()


def measure_routes(sizes, seconds, warmup, janus_env, workdir):
    from playwright.sync_api import sync_playwright

    from tests.sfu.browsers import TRACK_CONNECTIONS

    redis = RedisServer(Path(workdir) / "redis").start()
    deployment = Deployment(Path(workdir) / "routes", redis_url=redis.url, extra_env={**janus_env,
                                                                                      "LOG_LEVEL": "ERROR"}).setup()
    results = []
    try:
        deployment.create_user("alice", "alice-password-1", "Alice")
        worker = deployment.start_worker()
        with sync_playwright() as playwright:
            for size in sizes:
                for route in ("mesh", "sfu"):
                    slug = deployment.run_python(
                        "import json\nfrom accounts.models import User\nfrom meetings import actions\n"
                        f"room = actions.create_room(User.objects.get(username='alice'), 'Bench {route} {size}', "
                        "'link', 50)\n"
                        f"actions.update_room(room, media_route={route!r})\nprint(json.dumps(room.slug))")
                    # A fresh browser for each point: one that has opened and closed a few camera pages sometimes
                    # never opens the fake camera again.
                    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
                    context = browser.new_context(base_url=worker.base_url, viewport={"width": 1280, "height": 800})
                    context.add_init_script(TRACK_CONNECTIONS)
                    page = context.new_page()
                    page.goto("/accounts/login/")
                    page.fill("input[name=login]", "alice")
                    page.fill("input[name=password]", "alice-password-1")
                    page.click("form:has(input[name=login]) [type=submit]")
                    page.wait_for_url(lambda url: "/accounts/login/" not in url)
                    page.goto(f"/r/{slug}/")
                    page.wait_for_function("!document.querySelector('#prejoin-join').disabled", timeout=90000)
                    page.get_by_role("button", name="Join now").click()
                    page.wait_for_selector("#room[data-state=joined]", timeout=60000)
                    peers = peers_process(deployment.env, worker.ws_url, slug, size - 1, route)
                    try:
                        page.wait_for_function(PLAYING, arg=size - 1, timeout=60000)
                        page.wait_for_timeout(warmup * 1000)
                        chromium = descendants(os.getpid(), "chromium")
                        first, ticks = page.evaluate(UPLOAD), cpu_ticks(chromium)
                        started = time.monotonic()
                        page.wait_for_timeout(seconds * 1000)
                        second, ticks_after = page.evaluate(UPLOAD), cpu_ticks(chromium)
                        elapsed = time.monotonic() - started
                    finally:
                        stop(peers)
                        context.close()
                        browser.close()
                    upload = (second["bytes"] - first["bytes"]) * 8 / ((second["at"] - first["at"]) / 1000)
                    seconds_measured = (second["at"] - first["at"]) / 1000
                    row = {"route": route, "people": size, "upload_mbps": round(upload / 1e6, 2),
                           "video_streams_out": second["videoStreams"],
                           "frames_encoded_per_s": round((second["frames"] - first["frames"]) / seconds_measured),
                           "largest_width_sent": second["widthLargest"],
                           "quality_limited_by": sorted(set(second["limits"])),
                           "browser_cpu_cores": round((ticks_after - ticks) / TICKS / elapsed, 2)}
                    print(json.dumps(row), flush=True)
                    results.append(row)
    finally:
        deployment.stop()
        redis.stop()
    return results


async def measure_janus(janus, publishers, subscribers, seconds, warmup):
    """P 640x360 publishers and S subscribers to all of them, straight on Janus through sfu.janus (no Confer)."""
    from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
    from aiortc.mediastreams import MediaStreamError

    from sfu.backend import SubscribedStream, get_backend
    from tests.recordings.publisher import MovingBar, Tone

    class LargerBar(MovingBar):
        """The tests' moving bar at 640x360."""

        async def recv(self):
            import av

            frame = await super().recv()
            bigger = frame.reformat(width=640, height=360)
            bigger.pts, bigger.time_base = frame.pts, fractions.Fraction(1, 90000)
            return bigger

    backend = get_backend()
    room = f"bench-{time.monotonic_ns()}"
    sessions, connections, counts = [], [], {}
    for number in range(publishers):
        session = backend.session(janus.url, room, f"pub{number}", f"Pub {number}", lambda event: None)
        await session.join()
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        pc.addTrack(Tone())
        pc.addTrack(LargerBar())
        await pc.setLocalDescription(await pc.createOffer())
        answer = await session.publish(pc.localDescription.sdp)
        await pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
        sessions.append(session)
        connections.append(pc)
    for number in range(subscribers):
        session = backend.session(janus.url, room, f"sub{number}", f"Sub {number}", lambda event: None)
        await session.join()
        deadline = time.monotonic() + 20
        while len(session.feeds) < publishers and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        # One subscription (one connection) per publisher, as the recorder does: aiortc does not tell apart
        # several video streams on one connection that share payload types, and would count one of them.
        for feed, feed_streams in sorted(session.feeds.items()):
            offer = await session.subscribe(feed, [SubscribedStream(feed, s["mid"]) for s in feed_streams])
            pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))

            def on_track(track, key=number):
                async def read():
                    with contextlib.suppress(MediaStreamError):
                        while True:
                            await track.recv()
                            if track.kind == "video":
                                counts[key] = counts.get(key, 0) + 1

                asyncio.ensure_future(read())

            pc.on("track", on_track)
            await pc.setRemoteDescription(RTCSessionDescription(**offer["description"]))
            await pc.setLocalDescription(await pc.createAnswer())
            await session.answer(feed, pc.localDescription.sdp)
            connections.append(pc)
        sessions.append(session)

    async def inbound():
        """Return {(subscriber, ssrc): packets} of the subscribers' video, by RTP stream (not by decoded frame)."""
        found = {}
        for number, pc in enumerate(connections[publishers:]):
            for stats in (await pc.getStats()).values():
                if stats.type == "inbound-rtp" and stats.kind == "video":
                    found[(number, stats.ssrc)] = stats.packetsReceived
        return found

    await asyncio.sleep(warmup)
    frames_before, ticks, bytes_before = sum(counts.values()), cpu_ticks([janus.process.pid]), await inbound()
    started = time.monotonic()
    await asyncio.sleep(seconds)
    elapsed = time.monotonic() - started
    bytes_after = await inbound()
    streams_pps = sorted(round((bytes_after[key] - bytes_before.get(key, 0)) / elapsed) for key in bytes_after)
    janus_cores = (cpu_ticks([janus.process.pid]) - ticks) / TICKS / elapsed
    received_fps = (sum(counts.values()) - frames_before) / elapsed
    for session in sessions:
        await session.close()
    for pc in connections:
        await pc.close()
    forwarded = publishers * subscribers
    row = {"publishers": publishers, "subscribers": subscribers, "forwarded_video_streams": forwarded,
           "janus_cpu_cores": round(janus_cores, 3),
           "janus_cpu_per_forwarded_stream": round(janus_cores / forwarded, 4) if forwarded else None,
           "received_fps_per_stream": round(received_fps / forwarded, 1) if forwarded else None,
           "received_packets_per_s_by_stream": streams_pps}
    print(json.dumps(row), flush=True)
    return row


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="2,4,6,8")
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--warmup", type=float, default=6)
    parser.add_argument("--publishers", default="1,2,4")
    parser.add_argument("--subscribers", type=int, default=2)
    parser.add_argument("--skip-routes", action="store_true")
    parser.add_argument("--out", default=str(REPO / "bench" / "results" / "sfu.json"))
    parser.add_argument("--peers", nargs=4, metavar=("WS", "ROOM", "COUNT", "ROUTE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if args.peers:
        import django

        django.setup()
        ws_url, slug, count, route = args.peers
        asyncio.run(run_peers(ws_url, slug, int(count), route))
        return

    from tests.janus_server import JanusServer, in_test_namespace

    if not in_test_namespace():
        raise SystemExit("bench/sfu.py runs inside scripts/bench's network namespace (Janus needs 127.0.0.2).")
    with tempfile.TemporaryDirectory(prefix="confer-bench-sfu-") as workdir:
        janus = JanusServer(Path(workdir) / "janus").start()
        try:
            report = {"when": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                      "machine": machine(), "load": os.getloadavg(), "seconds": args.seconds}
            if args.skip_routes:
                # Keep the route figures of the file this run replaces, saying when they were measured.
                kept = json.loads(Path(args.out).read_text()) if Path(args.out).exists() else {}
                report["routes"] = kept.get("routes", [])
                report["routes_measured"] = {key: kept.get(key) for key in ("when", "load", "load_after")}
            else:
                report["routes"] = measure_routes([int(n) for n in args.sizes.split(",")], args.seconds,
                                                  args.warmup, janus.env, workdir)
            os.environ.update({**janus.env, "SECRET_KEY": "bench", "ROOM_TOKEN_SECRET": "b" * 40})
            import django

            django.setup()
            report["janus"] = [asyncio.run(measure_janus(janus, publishers, args.subscribers, args.seconds,
                                                         args.warmup))
                               for publishers in [int(n) for n in args.publishers.split(",")]]
            # Only rows whose streams arrived at (nearly) the full 30 frames a second: beyond that the aiortc peers,
            # one Python process, cannot make more 640x360 frames on this machine, and Janus has less to do.
            per_stream = [row["janus_cpu_per_forwarded_stream"] for row in report["janus"]
                          if row["janus_cpu_per_forwarded_stream"] and row["received_fps_per_stream"] >= 25]
            if per_stream:
                cost = max(per_stream)
                report["publishers_per_core"] = {
                    f"{receivers}_receivers_each": int(1 / (cost * receivers)) for receivers in (1, 4, 9)}
            report["load_after"] = os.getloadavg()
        finally:
            janus.stop()
    print(json.dumps(report, indent=2))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
