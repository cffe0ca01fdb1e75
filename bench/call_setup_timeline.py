"""Where call setup's time goes: a timeline of both pages' signalling and WebRTC events, one call at a time.

    python bench/call_setup_timeline.py [--calls 3] [--trace FILE]

Alice waits in a room and Bob joins it `calls` times, as in bench/call_setup.py (the first call warms up and is
not printed). An init script in both pages logs, with the clock both share (`performance.timeOrigin + now()`):
every signalling message sent and received (and when the page's handlers were done with it), every call and
resolution of setLocalDescription / setRemoteDescription / addIceCandidate, the peer connection's events
(negotiationneeded, icecandidate, signalling, ICE and connection states, track). Each call prints as one list,
in ms from Bob's welcome, A for Alice and B for Bob: what runs between the welcome and the offer, and between the
offer and the answer.

--trace FILE also records a Chromium trace of the last call (devtools timeline, V8 samples, WebRTC), with the log
lines as user-timing marks, for chrome://tracing or https://ui.perfetto.dev. The marks cost the pages a few ms.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from playwright.sync_api import sync_playwright  # noqa: E402

from bench.call_setup import ARGS, CHROMIUM, TIMELINE, enter_room, sign_in  # noqa: E402
from tests.servers import Deployment  # noqa: E402

LOG = """
(() => {
  const log = window.__setupLog = [];
  const add = (what) => {
    log.push([performance.timeOrigin + performance.now(), what]);
    if (window.__setupMarks) performance.mark(what);
  };
  const NativeSend = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    try { add('send ' + JSON.parse(data).type); } catch (error) {}
    return NativeSend.call(this, data);
  };
  const nativeAddListener = WebSocket.prototype.addEventListener;
  WebSocket.prototype.addEventListener = function (type, listener, ...rest) {
    if (type !== 'message') return nativeAddListener.call(this, type, listener, ...rest);
    return nativeAddListener.call(this, type, function (event) {
      let kind = '?';
      try { kind = JSON.parse(event.data).type; } catch (error) {}
      add('recv ' + kind);
      const result = listener.call(this, event);
      add('done ' + kind);
      return result;
    }, ...rest);
  };
  const proto = RTCPeerConnection.prototype;
  for (const name of ['setLocalDescription', 'setRemoteDescription', 'addIceCandidate']) {
    const native = proto[name];
    proto[name] = function (...args) {
      const type = args[0] && args[0].type ? ' ' + args[0].type : '';
      add('call ' + name + type);
      const promise = native.apply(this, args);
      promise.then(() => add('ok ' + name + type), (error) => add('failed ' + name + type + ': ' + error));
      return promise;
    };
  }
  const NativePeerConnection = window.RTCPeerConnection;
  window.RTCPeerConnection = function (...args) {
    add('new RTCPeerConnection');
    const pc = new NativePeerConnection(...args);
    pc.addEventListener('negotiationneeded', () => add('negotiationneeded'));
    pc.addEventListener('icecandidate', (e) => add('icecandidate ' + (e.candidate ? e.candidate.address : 'end')));
    pc.addEventListener('signalingstatechange', () => add('signalling ' + pc.signalingState));
    pc.addEventListener('iceconnectionstatechange', () => add('ice ' + pc.iceConnectionState));
    pc.addEventListener('connectionstatechange', () => add('connection ' + pc.connectionState));
    pc.addEventListener('track', (e) => add('track ' + e.track.kind));
    return pc;
  };
  window.RTCPeerConnection.prototype = proto;
})();
"""

TRACE_CATEGORIES = ["devtools.timeline", "disabled-by-default-devtools.timeline", "v8.execute", "blink.user_timing",
                    "disabled-by-default-v8.cpu_profiler", "v8", "blink", "webrtc", "toplevel", "loading"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=3)
    parser.add_argument("--trace", default=None, help="write a Chromium trace of the last call here")
    args = parser.parse_args()
    log = LOG if not args.trace else LOG.replace("(() => {", "(() => {\n  window.__setupMarks = true;", 1)
    with tempfile.TemporaryDirectory(prefix="confer-bench-timeline-") as workdir:
        deployment = Deployment(Path(workdir) / "deployment").setup()
        try:
            deployment.create_user("alice", "alice-password-1", "Alice")
            deployment.create_user("bob", "bob-password-1", "Bob")
            room = deployment.create_room("alice", "Call setup timeline")
            worker = deployment.start_worker()
            url = f"{worker.base_url}/r/{room}/"
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
                alice_context = browser.new_context(viewport={"width": 640, "height": 480}, bypass_csp=True)
                alice_context.add_init_script(log)
                alice = sign_in(alice_context, worker.base_url, "alice", "alice-password-1")
                enter_room(alice, url)
                alice.wait_for_function("document.getElementById('room').dataset.state === 'joined'")
                bob_context = browser.new_context(viewport={"width": 640, "height": 480}, bypass_csp=True)
                bob_context.add_init_script(TIMELINE)
                bob_context.add_init_script(log)
                sign_in(bob_context, worker.base_url, "bob", "bob-password-1").close()
                bob = bob_context.new_page()
                for call in range(args.calls + 1):
                    alice.evaluate("window.__setupLog.length = 0")
                    tracing = args.trace and call == args.calls
                    bob.goto(url)
                    bob.get_by_role("button", name="Join now").wait_for(state="visible", timeout=30000)
                    bob.wait_for_function("!document.querySelector('#prejoin-join').disabled", timeout=30000)
                    if tracing:
                        browser.start_tracing(path=args.trace, categories=TRACE_CATEGORIES)
                    bob.get_by_role("button", name="Join now").click()
                    try:
                        bob.wait_for_function("window.__callMarks && 'first_frame' in window.__callMarks",
                                              timeout=30000)
                    except Exception:
                        # A call that never showed a frame: its timeline is what tells why.
                        stuck = sorted([(t, "B", what) for t, what in bob.evaluate("window.__setupLog")]
                                       + [(t, "A", what) for t, what in alice.evaluate("window.__setupLog")])
                        start = stuck[0][0] if stuck else 0
                        for t, side, what in stuck:
                            if "pong" not in what and "ping" not in what:
                                print(f"{t - start:8.1f} {side} {what}")
                        raise SystemExit(f"call {call} never showed a frame; marks: "
                                         f"{bob.evaluate('window.__callMarks')}")
                    if tracing:
                        browser.stop_tracing()
                    marks = bob.evaluate("window.__callMarks")
                    events = sorted([(t, "B", what) for t, what in bob.evaluate("window.__setupLog")]
                                    + [(t, "A", what) for t, what in alice.evaluate("window.__setupLog")])
                    bob.get_by_role("button", name="Leave").first.click()
                    bob.goto("about:blank")
                    time.sleep(0.5)
                    if call == 0:
                        continue
                    welcome = next(t for t, side, what in events if side == "B" and what == "recv welcome")
                    print(f"--- call {call}: negotiation {marks['ice_checking'] - marks['welcome']:.1f} ms, "
                          f"first frame {marks['first_frame'] - marks['socket_open']:.1f} ms after the socket opened")
                    for t, side, what in events:
                        if -50 < t - welcome < 400 and "pong" not in what:
                            print(f"{t - welcome:8.1f} {side} {what}")
                browser.close()
        finally:
            deployment.stop()


if __name__ == "__main__":
    main()
