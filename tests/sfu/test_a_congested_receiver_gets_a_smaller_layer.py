"""Bob's link from the server congests while he watches Alice large: his page asks for a smaller layer of her video
and decodes it, and once the link is clear again it climbs back to the largest (static/js/congestion.js). Her tile's
quality badge says so meanwhile; a screenshot of Bob's page while congested is kept for people to look at.

The congestion is real: inside the test's network namespace every packet goes over `lo`, so a traffic-control rule
on `lo` that matches the port of Bob's receiving connection squeezes what Janus sends him to 250 kbit/s, and nothing
else. Alice's uplink, Bob's own uplink and the signalling are untouched."""

import re
import subprocess
import time

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import join
from tests.janus_server import in_test_namespace
from tests.sfu.browsers import OUTBOUND_VIDEO
from tests.sfu.conftest import create_people, make_room

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# What the page asks the server for, as it goes out on the signalling socket.
RECORD_LAYER_REQUESTS = """
(() => {
  window.__layers = [];
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    try {
      const message = JSON.parse(data);
      if (message.type === "sfu-quality") window.__layers.push([Math.round(performance.now()), message.substream]);
    } catch {}
    return send.call(this, data);
  };
})();
"""

# The video Bob receives: its decoded size, and the local port of the connection it arrives on.
RECEIVED_VIDEO = """async () => {
  for (const pc of window.__pcs.filter((pc) => pc.connectionState === "connected")) {
    const stats = new Map([...(await pc.getStats()).values()].map((s) => [s.id, s]));
    const videos = [...stats.values()].filter((s) => s.type === "inbound-rtp" && s.kind === "video" && s.framesDecoded);
    if (!videos.length) continue;
    const transport = [...stats.values()].find((s) => s.type === "transport" && s.selectedCandidatePairId);
    const pair = transport && stats.get(transport.selectedCandidatePairId);
    const local = pair && stats.get(pair.localCandidateId);
    const video = videos[0];
    return { width: video.frameWidth || 0, height: video.frameHeight || 0, frames: video.framesDecoded,
             lost: video.packetsLost, port: local ? local.port : null };
  }
  return null;
}"""


class SqueezedPort:
    """Limit what `lo` carries to one UDP port to `rate`, with a short queue, until `clear()`: a congested link."""

    def __init__(self, port, rate="250kbit"):
        assert in_test_namespace(), "traffic control is only ever set inside the test's own network namespace"
        self.on = True
        for command in (
            "qdisc add dev lo root handle 1: htb",  # anything not matched below goes straight through
            f"class add dev lo parent 1: classid 1:30 htb rate {rate} ceil {rate}",
            "qdisc add dev lo parent 1:30 handle 30: pfifo limit 10",
            f"filter add dev lo parent 1: protocol ip prio 1 u32 match ip dport {port} 0xffff flowid 1:30",
        ):
            subprocess.run(["tc", *command.split()], check=True, capture_output=True, timeout=10)

    def dropped(self):
        """Return how many packets the squeeze has dropped."""
        shown = subprocess.run(["tc", "-s", "qdisc", "show", "dev", "lo"], capture_output=True, text=True,
                               timeout=10).stdout
        return int(re.search(r"qdisc pfifo 30:.*?dropped (\d+)", shown, re.DOTALL).group(1))

    def clear(self):
        if self.on:
            subprocess.run(["tc", "qdisc", "del", "dev", "lo", "root"], check=True, capture_output=True, timeout=10)
            self.on = False


def sender_widths(page):
    """Alice's encodings by rid and the width each sends now."""
    return {e["rid"]: e["width"] for e in page.evaluate(OUTBOUND_VIDEO)["senders"][0]}


def wait_for_width(viewer, sender, rid, timeout, why):
    """Wait until the viewer decodes frames as wide as the sender's encoding `rid`; return the viewer's stats."""
    deadline = time.monotonic() + timeout
    while True:
        received = viewer.evaluate(RECEIVED_VIDEO)
        widths = sender_widths(sender)
        if received and widths.get(rid) and received["width"] == widths[rid] and widths["l"] < widths["h"]:
            return received
        if time.monotonic() > deadline:
            raise AssertionError(f"{why}: Bob decodes {received}; Alice sends {widths}; "
                                 f"Bob asked for layers {viewer.evaluate('window.__layers')} (ms, layer)")
        viewer.wait_for_timeout(250)


def test_a_congested_receiver_drops_to_a_smaller_layer_and_climbs_back(sfu_deployment, sfu_worker, open_page,
                                                                       artifacts_dir):
    create_people(sfu_deployment)
    slug = make_room(sfu_deployment, "Weak link", owner="alice")
    alice, bob = open_page(sfu_worker, "alice"), open_page(sfu_worker, "bob")
    bob.context.add_init_script(RECORD_LAYER_REQUESTS)
    for page in (alice, bob):
        join(page, slug)
        expect(page.locator("#room[data-route=sfu]")).to_be_attached()
    # Two people: Alice fills Bob's stage, so his page asks for her largest layer and gets it.
    received = wait_for_width(bob, alice, "h", 45, "Bob never received Alice's largest layer")
    assert received["port"], received
    badge = bob.locator("[data-tile-for] .tile-quality")
    expect(badge).to_have_attribute("data-level", "good")

    squeeze = SqueezedPort(received["port"])
    try:
        started = time.monotonic()
        wait_for_width(bob, alice, "l", 30, "Bob's congested link kept the large layer")
        print(f"down to the smallest layer {time.monotonic() - started:.1f} s into the congestion")
        assert 0 in [layer for _, layer in bob.evaluate("window.__layers")]
        assert squeeze.dropped() > 0, "the squeeze never dropped a packet: it congested nothing"
        expect(badge).to_have_attribute("data-level", "poor")
        expect(badge).to_have_attribute("aria-label", re.compile("congested"))
        bob.screenshot(path=artifacts_dir / "sfu-congested-link.png")
        squeeze.clear()

        cleared = time.monotonic()
        wait_for_width(bob, alice, "h", 90, "Bob's clear link never climbed back")
        print(f"back to the largest layer {time.monotonic() - cleared:.1f} s after the congestion ended")
        asked = bob.evaluate("window.__layers")
        print(f"Bob asked for (ms, layer): {asked}")
        layers = [layer for _, layer in asked]
        assert layers[-2:] == [1, 2], f"it climbed one step at a time: {asked}"
        expect(badge).to_have_attribute("data-level", "good")
    finally:
        squeeze.clear()
