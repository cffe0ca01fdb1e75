"""Measure the processed camera track in headless Chromium: frames a second at 640x360, and the time per frame.

    .venv/bin/python -m bench.camera_effects [--seconds 10] [--effect blur] [--source camera|canvas]

Serves static/ on a loopback port, opens Debian's Chromium with its fake camera asked for 640x360 at 30 fps, runs
static/js/effects.js's CameraEffect on it, and counts the frames of the processed track as a page would play them
(requestVideoFrameCallback on a video element), next to the raw camera's. docs/performance.md has the figures.
"""

import argparse
import functools
import http.server
import json
import threading

from playwright.sync_api import sync_playwright

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.servers import REPO

MEASURE = """async ({seconds, effect, width, height, source}) => {
  const { CameraEffect } = await import("/js/effects.js");
  let raw;
  if (source === "camera") {
    raw = (await navigator.mediaDevices.getUserMedia({ video: { width, height, frameRate: 30 } })).getVideoTracks()[0];
  } else {
    // Chromium's fake camera makes 20 frames a second whatever is asked: a canvas at 30 shows whether 30 are kept up.
    const canvas = document.createElement("canvas");
    canvas.width = width;
    canvas.height = height;
    const context = canvas.getContext("2d");
    let t = 0;
    setInterval(() => {
      t += 1;
      context.fillStyle = "#2d6a4f";
      context.fillRect(0, 0, width, height);
      context.fillStyle = "#f1c27d";
      context.beginPath();
      context.arc(width / 2 + 80 * Math.sin(t / 15), height / 2, height / 4, 0, 2 * Math.PI);
      context.fill();
      context.fillStyle = "#fff";
      context.font = "24px sans-serif";
      context.fillText(String(t), 20, 40);
    }, 1000 / 30);
    raw = canvas.captureStream(30).getVideoTracks()[0];
  }
  const camera = new CameraEffect();
  const processed = await camera.start(raw, effect);
  const count = async (track) => {
    const video = document.createElement("video");
    video.muted = true;
    video.srcObject = new MediaStream([track]);
    (document.body || document.documentElement).append(video);
    await video.play();
    return video;
  };
  const [rawVideo, processedVideo] = [await count(raw), await count(processed)];
  await new Promise((resolve) => setTimeout(resolve, 2000)); // warm up: the model's first runs are slow
  const frames = (video) => {
    const counted = { n: 0 };
    const tick = () => { counted.n += 1; video.requestVideoFrameCallback(tick); };
    video.requestVideoFrameCallback(tick);
    return counted;
  };
  const rawFrames = frames(rawVideo), processedFrames = frames(processedVideo);
  const before = { ...camera.stats };
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const elapsed = (performance.now() - started) / 1000;
  const made = camera.stats.frames - before.frames;
  const settings = processed.getSettings ? rawVideo.videoWidth + "x" + rawVideo.videoHeight : "";
  camera.stop();
  raw.stop();
  return {
    size: settings,
    raw_fps: rawFrames.n / elapsed,
    processed_fps: processedFrames.n / elapsed,
    made_fps: made / elapsed,
    ms_per_frame: (camera.stats.processingMs - before.processingMs) / Math.max(1, made),
  };
}"""


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def measure(seconds=10, effect="blur", width=640, height=360, source="camera"):
    """Return the figures of one measurement (a dict)."""
    handler = functools.partial(QuietHandler, directory=str(REPO / "static"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page()
                page.goto(f"http://127.0.0.1:{server.server_address[1]}/")  # any HTML page of the site
                return page.evaluate(MEASURE, {"seconds": seconds, "effect": effect, "width": width, "height": height,
                                                "source": source})
            finally:
                browser.close()
    finally:
        server.shutdown()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--effect", default="blur")
    parser.add_argument("--source", choices=["camera", "canvas"], default="camera",
                        help="Chromium's fake camera (20 fps at most), or a canvas drawn at 30 fps")
    arguments = parser.parse_args()
    print(json.dumps(measure(arguments.seconds, arguments.effect, source=arguments.source), indent=2))


if __name__ == "__main__":
    main()
