"""Call setup: time from joining to the first decoded remote frame between two headless Chromium peers.

    python bench/call_setup.py [--calls 20] [--redis] [--sfu] [--new-tab-per-call] [--out FILE] [--trace]

With --sfu the room's media goes through a Janus the script starts (docs/sfu.md): run it inside scripts/bench's
network namespace (Janus needs 127.0.0.2 on a non-loopback link), as scripts/bench does. Marks then come from
whichever of Bob's two connections (publisher, subscriber) gets there first, and first_frame from the subscriber.

Alice waits in the room; Bob opens the room page `calls` times (the first call, a warm-up, is not counted) and
presses "Join now" once the pre-join screen's camera preview is ready. Bob opens it in the same tab each time, as a
person follows a link: in this headless Chromium (156) every new tab is a new window, whose omnibox popup (a WebUI
page in a renderer of its own) then loads for about 600 ms of CPU, right through the call setup it would be timing.
--new-tab-per-call opens a new tab per call as the bench did before 2026-12-04 17:40 UTC, to compare. An init script in Bob's page takes these
marks with `performance.now()`:

- `socket_open`: the signalling WebSocket opened; `welcome`: the server's welcome arrived;
- `ice_checking`, `ice_connected`: the peer connection's ICE state; `dtls_connected`: its connection state
  (DTLS done, SRTP keys ready);
- `first_frame`: the first remote video frame out of Bob's decoder. A `MediaStreamTrackProcessor` reads a clone
  of the remote video track from the moment the `track` event fires; the mark is taken when its first `read()`
  resolves, i.e. when the decoded frame reaches the track's sinks, before any compositing or painting. (Where
  that API is missing, the fallback is `requestVideoFrameCallback` on a <video> attached to the document: the
  first frame presented, a little later.) The report says which was used and the first frame's width.

`join_click`: "Join now" was pressed (a capturing listener on the document, before the page's own).

Phases: signalling (socket open to welcome), negotiation (welcome to ICE checking: offer, answer, the first
candidates), ice (checking to connected), dtls (ICE connected to DTLS connected), first_frame (DTLS connected to
the first decoded frame), total (socket open to the first decoded frame) and from_click ("Join now" to the first
decoded frame: the token request and whatever the page does before its socket opens count too). Through the server
the connection that receives may come up after the one that sends, so first_frame_after_receiver_dtls (the
receiving connection's DTLS to the first decoded frame) is the part that is the media server's and the sender's.
Prints p50/p95 of each and writes bench/results/call_setup.json (or call_setup_sfu.json, or --out).

--trace prints, call by call, the marks from the receiving connection's DTLS on, the sfu-* messages, and the waiting
page's keyframe requests received and keyframes encoded per simulcast layer (it polls stats every 5 ms in both
pages, which slows them: use it to find out, not for figures).
"""

import argparse
import datetime
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from playwright.sync_api import sync_playwright  # noqa: E402

from bench.run import machine  # noqa: E402
from tests.servers import Deployment, RedisServer  # noqa: E402

CHROMIUM = "/usr/lib/chromium/chromium"
ARGS = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream", "--allow-loopback-in-peer-connection",
        "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]

TIMELINE = """
(() => {
  const marks = window.__callMarks = {};
  const mark = (name) => { if (!(name in marks)) marks[name] = performance.now(); };
  document.addEventListener('click', (event) => {
    if (event.target && event.target.closest && event.target.closest('#prejoin-join')) mark('join_click');
  }, true);
  const NativeWebSocket = window.WebSocket;
  window.WebSocket = function (...args) {
    const socket = new NativeWebSocket(...args);
    socket.addEventListener('open', () => mark('socket_open'));
    socket.addEventListener('message', (event) => {
      try {
        const type = JSON.parse(event.data).type;
        if (type === 'welcome' || type === 'sfu-offer' || type === 'sfu-answer') mark(type.replace('-', '_'));
      } catch (error) {}
    });
    const send = socket.send.bind(socket);
    socket.send = (data) => {
      try {
        const type = JSON.parse(data).type;
        if (type.startsWith('sfu-')) mark(`${type.replace('-', '_')}_sent`);
      } catch (error) {}
      return send(data);
    };
    return socket;
  };
  window.WebSocket.prototype = NativeWebSocket.prototype;
  Object.assign(window.WebSocket, NativeWebSocket);
  const NativePeerConnection = window.RTCPeerConnection;
  window.RTCPeerConnection = function (...args) {
    const pc = new NativePeerConnection(...args);
    (window.__peerConnections = window.__peerConnections || []).push(pc);
    mark('peer_connection');
    pc.addEventListener('iceconnectionstatechange', () => {
      const role = pc.__receivesVideo ? 'receiver' : 'sender';
      if (pc.iceConnectionState === 'checking') mark(`${role}_ice_checking`);
      if (pc.iceConnectionState === 'checking') mark('ice_checking');
      if (pc.iceConnectionState === 'connected' || pc.iceConnectionState === 'completed') {
        mark('ice_connected');
        mark(`${role}_ice_connected`);
      }
    });
    pc.addEventListener('connectionstatechange', () => {
      if (pc.connectionState !== 'connected') return;
      mark('dtls_connected');
      if (!pc.__receivesVideo) mark('sender_dtls_connected');
      if (pc.__receivesVideo) {
        mark('receiver_dtls_connected');
        if (window.__traceReceiver) window.__traceReceiver(pc, mark, marks);
      }
    });
    pc.addEventListener('track', (event) => {
      if (event.track.kind === 'video') pc.__receivesVideo = true;
      if (event.track.kind !== 'video' || window.__firstFrameProbe) return;
      const track = event.track.clone();
      if (typeof MediaStreamTrackProcessor === 'function') {
        marks.first_frame_method = 'MediaStreamTrackProcessor';
        const reader = new MediaStreamTrackProcessor({ track }).readable.getReader();
        window.__firstFrameProbe = reader;
        reader.read().then(({ value }) => {
          mark('first_frame');
          if (value) { marks.first_frame_width = value.codedWidth; value.close(); }
          reader.cancel().catch(() => {});
          track.stop();
        });
      } else {
        marks.first_frame_method = 'requestVideoFrameCallback';
        const probe = document.createElement('video');
        probe.muted = true; probe.playsInline = true; probe.srcObject = new MediaStream([track]);
        probe.style.cssText = 'position:fixed;left:0;top:0;width:2px;height:2px;opacity:0.01;pointer-events:none';
        probe.requestVideoFrameCallback((now, metadata) => {
          mark('first_frame');
          marks.first_frame_width = metadata.width;
          probe.remove();
          track.stop();
        });
        document.documentElement.append(probe);
        probe.play().catch(() => {});
        window.__firstFrameProbe = probe;
      }
    });
    return pc;
  };
  window.RTCPeerConnection.prototype = NativePeerConnection.prototype;
})();
"""

# --trace: what happens between the receiving connection's DTLS and the first frame. In the joining page, its
# inbound video stats every 5 ms (the first packet, the first assembled frame, the PLIs it sent); in the waiting
# page, its outbound video stats every 5 ms (each PLI it received and keyframe it encoded, per simulcast layer).
# Times are absolute (timeOrigin + now) so both pages' clocks compare. The polling costs CPU: trace, don't measure.
RECEIVER_TRACE = """
window.__traceReceiver = (pc, mark, marks) => {
  marks.time_origin = performance.timeOrigin;
  const started = performance.now();
  const poll = async () => {
    for (const report of (await pc.getStats()).values()) {
      if (report.type !== 'inbound-rtp' || report.kind !== 'video') continue;
      if (report.packetsReceived > 0) mark('first_video_packet');
      if (report.framesReceived > 0) mark('first_video_frame_received');
      if (report.pliCount > 0) mark('receiver_sent_pli');
      if (report.framesDecoded > 0) { marks.decoded_width = report.frameWidth; }
    }
    if (!('first_frame' in marks) && performance.now() - started < 5000) setTimeout(poll, 5);
  };
  poll();
};
"""

SENDER_TRACE = """
(() => {
  const events = window.__senderEvents = [];
  const NativePeerConnection = window.RTCPeerConnection;
  const pcs = [];
  window.RTCPeerConnection = function (...args) {
    const pc = new NativePeerConnection(...args);
    pcs.push(pc);
    return pc;
  };
  window.RTCPeerConnection.prototype = NativePeerConnection.prototype;
  const last = new Map();
  setInterval(async () => {
    for (const pc of pcs) {
      if (pc.connectionState !== 'connected') continue;
      for (const report of (await pc.getStats()).values()) {
        if (report.type !== 'outbound-rtp' || report.kind !== 'video') continue;
        const key = report.id;
        const before = last.get(key) || { pliCount: report.pliCount, keyFramesEncoded: report.keyFramesEncoded };
        const t = performance.timeOrigin + performance.now();
        if (report.pliCount > before.pliCount) events.push({ t, rid: report.rid, event: 'pli' });
        if (report.keyFramesEncoded > before.keyFramesEncoded)
          events.push({ t, rid: report.rid, event: 'keyframe', width: report.frameWidth });
        last.set(key, { pliCount: report.pliCount, keyFramesEncoded: report.keyFramesEncoded });
      }
    }
  }, 5);
})();
"""

# A call that never showed a frame: what each of Bob's connections got to (descriptions' candidates, ICE pairs).
STUCK_CONNECTIONS = """
Promise.all((window.__peerConnections || []).map(async (pc) => ({
  signaling: pc.signalingState, ice: pc.iceConnectionState, gathering: pc.iceGatheringState,
  connection: pc.connectionState,
  local_candidates: ((pc.localDescription && pc.localDescription.sdp) || '').split('a=candidate').length - 1,
  remote_candidates: ((pc.remoteDescription && pc.remoteDescription.sdp) || '').split('a=candidate').length - 1,
  pairs: [...(await pc.getStats()).values()].filter((r) => r.type === 'candidate-pair').map((r) => r.state),
  remote_stats: [...(await pc.getStats()).values()].filter((r) => r.type === 'remote-candidate').length,
})))
"""

PHASES = {
    "signalling": ("socket_open", "welcome"),
    "negotiation": ("welcome", "ice_checking"),
    "ice": ("ice_checking", "ice_connected"),
    "dtls": ("ice_connected", "dtls_connected"),
    "first_frame": ("dtls_connected", "first_frame"),
    # Through the server, the connection that receives (the subscriber) may come up after the one that sends.
    "first_frame_after_receiver_dtls": ("receiver_dtls_connected", "first_frame"),
    "total": ("socket_open", "first_frame"),
    # What the person waits: work the page does before its socket opens (the token, anything made meanwhile) counts.
    "from_click": ("join_click", "first_frame"),
}


def sign_in(context, base_url, username, password):
    page = context.new_page()
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page


def enter_room(page, url):
    """Open the room and press "Join now" on the pre-join screen once the camera preview is ready."""
    page.goto(url)
    join = page.get_by_role("button", name="Join now")
    join.wait_for(state="visible", timeout=30000)
    page.wait_for_function("!document.querySelector('#prejoin-join').disabled", timeout=30000)
    join.click()


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def print_trace(call, marks, sender_events):
    """Print one call's marks from the receiving connection's DTLS on, and the sender's PLIs and keyframes."""
    origin = marks.get("time_origin")
    zero = marks.get("receiver_dtls_connected")
    if origin is None or zero is None:
        print(f"call {call}: no trace ({sorted(marks)})")
        return
    names = ("welcome", "sfu_subscribe_sent", "sfu_publish_sent", "sfu_offer", "sfu_answer_sent", "sfu_answer",
             "sender_ice_checking", "sender_ice_connected", "sender_dtls_connected", "receiver_ice_checking",
             "receiver_ice_connected", "dtls_connected", "receiver_dtls_connected", "first_video_packet",
             "first_video_frame_received", "receiver_sent_pli", "first_frame")
    line = [f"{name}={marks[name] - zero:+.0f}" for name in names if name in marks]
    sender = []
    for e in sender_events:
        at = e["t"] - origin - zero
        if -3000 < at < 3000:
            sender.append(f"{e['event']}:{e['rid']}{'/' + str(e['width']) if e.get('width') else ''}@{at:+.0f}")
    print(f"call {call}: width {marks.get('first_frame_width')} | " + " ".join(line) + " | alice: " + " ".join(sender),
          flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--redis", action="store_true", help="workers on Redis instead of the in-process layer")
    parser.add_argument("--sfu", action="store_true", help="the room's media goes through Janus")
    parser.add_argument("--out", default=None)
    parser.add_argument("--new-tab-per-call", action="store_true",
                        help="a new tab (a new window, with its omnibox WebUI loading) for every call")
    parser.add_argument("--trace", action="store_true",
                        help="print what happens between DTLS and the first frame, call by call (polls stats: "
                             "slows the pages; not for figures)")
    args = parser.parse_args()
    args.out = args.out or str(REPO / "bench" / "results" / ("call_setup_sfu.json" if args.sfu else "call_setup.json"))

    at_start = machine()  # its load average is the one before this run added its own
    with tempfile.TemporaryDirectory(prefix="confer-bench-call-") as workdir:
        redis = RedisServer(Path(workdir) / "redis").start() if args.redis else None
        janus = None
        extra_env = {}
        if args.sfu:
            from tests.janus_server import JanusServer, in_test_namespace

            if not in_test_namespace():
                raise SystemExit("--sfu runs inside scripts/bench's network namespace (Janus needs 127.0.0.2).")
            janus = JanusServer(Path(workdir) / "janus").start()
            extra_env = {**janus.env, "ROOM_DEFAULT_MEDIA_ROUTE": "sfu"}
        deployment = Deployment(Path(workdir) / "deployment", redis_url=redis.url if redis else None,
                                extra_env=extra_env).setup()
        try:
            deployment.create_user("alice", "alice-password-1", "Alice")
            deployment.create_user("bob", "bob-password-1", "Bob")
            room = deployment.create_room("alice", "Call setup")
            worker = deployment.start_worker()
            url = f"{worker.base_url}/r/{room}/"
            samples = []
            methods, widths = set(), []
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
                alice_context = browser.new_context(viewport={"width": 640, "height": 480}, bypass_csp=True)
                if args.trace:
                    alice_context.add_init_script(SENDER_TRACE)
                alice = sign_in(alice_context, worker.base_url, "alice", "alice-password-1")
                console = []
                alice.on("console", lambda message: console.append(f"alice {message.type}: {message.text}"))
                alice.on("pageerror", lambda error: console.append(f"alice pageerror: {error}"))
                enter_room(alice, url)
                # The page's CSP forbids eval, and wait_for_function polls with it: the bench measures, it does not test CSP.
                bob_context = browser.new_context(viewport={"width": 640, "height": 480}, bypass_csp=True)
                bob_context.add_init_script(TIMELINE)
                if args.trace:
                    bob_context.add_init_script(RECEIVER_TRACE)
                sign_in(bob_context, worker.base_url, "bob", "bob-password-1").close()
                tab = None
                for call in range(args.calls + 1):
                    if tab is None:
                        bob = bob_context.new_page()
                        bob.on("console", lambda message: console.append(f"bob {message.type}: {message.text}"))
                        bob.on("pageerror", lambda error: console.append(f"bob pageerror: {error}"))
                        tab = None if args.new_tab_per_call else bob
                    enter_room(bob, url)
                    try:
                        bob.wait_for_function("window.__callMarks && 'first_frame' in window.__callMarks",
                                              timeout=30000)
                    except Exception:
                        bob.screenshot(path=str(Path(workdir) / "stuck.png"))
                        print("\n".join(console[-40:]))
                        print("bob's connections:", bob.evaluate(STUCK_CONNECTIONS))
                        raise SystemExit(f"call {call} never showed a frame; marks: {bob.evaluate('window.__callMarks')}"
                                         f"; page text: {bob.inner_text('body')[:500]!r}")
                    marks = bob.evaluate("window.__callMarks")
                    leave = bob.get_by_role("button", name="Leave")
                    if leave.count():
                        leave.first.click()
                    if tab is None:
                        bob.close()
                    else:
                        bob.goto("about:blank")
                    time.sleep(0.5)
                    if args.trace:
                        print_trace(call, marks, alice.evaluate("window.__senderEvents.splice(0)"))
                    if call == 0:
                        continue  # the first call warms Chromium and the server up
                    samples.append({phase: marks[end] - marks[start] for phase, (start, end) in PHASES.items()
                                    if start in marks and end in marks})
                    methods.add(marks.get("first_frame_method"))
                    widths.append(marks.get("first_frame_width"))
                browser.close()
        finally:
            deployment.stop()
            if redis:
                redis.stop()
            if janus:
                janus.stop()

    figures = {}
    for phase in PHASES:
        values = [sample[phase] for sample in samples if phase in sample]
        if values:
            figures[phase] = {"p50_ms": round(percentile(values, 0.5), 1), "p95_ms": round(percentile(values, 0.95), 1),
                              "p99_ms": round(percentile(values, 0.99), 1),
                              "mean_ms": round(statistics.fmean(values), 1), "count": len(values)}
    report = {"when": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
              "machine": at_start, "load_average_at_end": os.getloadavg(), "layer": "redis" if args.redis else "in-process", "calls": args.calls,
              "route": "sfu" if args.sfu else "mesh", "tab": "new per call" if args.new_tab_per_call else "one, reused",
              "first_frame_method": ", ".join(sorted(str(method) for method in methods)),
              "first_frame_width_p50": percentile([width for width in widths if width], 0.5) if any(widths) else None,
              "phases": figures}
    print(json.dumps(report, indent=2))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
