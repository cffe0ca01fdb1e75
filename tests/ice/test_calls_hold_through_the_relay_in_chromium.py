"""Two people hold a call in real Chromium through a real coturn, with iceTransportPolicy "relay" from the server.

The deployment is told about the test coturn through its environment (TURN_URLS, TURN_SECRET, ICE_TRANSPORT_POLICY),
as an operator would. The room page is not changed for the test: an init script only remembers each
RTCPeerConnection the page makes, so the test can ask it which candidate pair it selected.
"""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import browser, join, make_room, people, sign_in, worker  # noqa: F401  (fixtures)
from tests.ice.conftest import TURN_TEST_SECRET

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REMEMBER_PEER_CONNECTIONS = """(() => {
  const Native = window.RTCPeerConnection;
  if (!Native) return;
  const made = [];
  window.__testPeerConnections = made;
  window.RTCPeerConnection = class extends Native {
    constructor(...args) { super(...args); made.push(this); }
  };
})();"""

SELECTED_PAIRS = """async () => {
  const pairs = [];
  for (const pc of window.__testPeerConnections || []) {
    if (pc.connectionState !== "connected") continue;
    const stats = await pc.getStats();
    let pair = null;
    stats.forEach((report) => {
      if (report.type === "transport" && report.selectedCandidatePairId) pair = stats.get(report.selectedCandidatePairId);
    });
    if (!pair) stats.forEach((report) => {
      if (report.type === "candidate-pair" && report.nominated && report.state === "succeeded") pair = report;
    });
    if (!pair) continue;
    const local = stats.get(pair.localCandidateId);
    const remote = stats.get(pair.remoteCandidateId);
    pairs.push({
      policy: pc.getConfiguration().iceTransportPolicy,
      state: pair.state,
      local: local.candidateType,
      localAddress: local.address,
      relayProtocol: local.relayProtocol,
      remote: remote.candidateType,
      bytesReceived: pair.bytesReceived,
    });
  }
  return pairs;
}"""

REMOTE_VIDEO_PLAYS = """() => {
  const video = document.querySelector("video[data-peer-id]");
  return !!video && video.videoWidth > 0 && video.getVideoPlaybackQuality().totalVideoFrames > 0;
}"""


@pytest.fixture(scope="module")
def redis_deployment(tmp_path_factory, redis_server, test_coturn):
    """A deployment that tells every participant to use only the test coturn's relay."""
    from tests.servers import Deployment

    env = {"TURN_URLS": ",".join(test_coturn.urls), "TURN_SECRET": TURN_TEST_SECRET, "ICE_TRANSPORT_POLICY": "relay",
           "STUN_URLS": f"stun:127.0.0.1:{test_coturn.port}"}
    deployment = Deployment(tmp_path_factory.mktemp("relay-deployment"), redis_url=redis_server.url, extra_env=env)
    yield deployment.setup()
    deployment.stop()


CONNECTION_STATES = """() => (window.__testPeerConnections || []).map((pc) => ({
  connection: pc.connectionState, ice: pc.iceConnectionState, gathering: pc.iceGatheringState,
  policy: pc.getConfiguration().iceTransportPolicy,
}))"""
# Two browsers relaying through coturn on a busy two-core machine: allow for slow media start-up.
CALL_TIMEOUT_MS = 45_000


def wait_for(page, expression, what):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(expression, timeout=CALL_TIMEOUT_MS)
    except PlaywrightTimeout:
        pytest.fail(f"{what} did not happen; peer connections: {page.evaluate(CONNECTION_STATES)}")


def selected_pair(page):
    """The selected pair of a connection that carries data and whose checks succeeded, read in the same pass.

    The page may hold more than one connection (a spare one is set up ahead of need), and data may flow on the
    nominated pair while its last checks are in progress on a busy machine: wait for one pair that is both, and
    return that very pair rather than reading the stats again. getStats is asynchronous, and wait_for_function
    takes a returned promise for a truthy answer at once, so the stats are read with evaluate (which awaits them),
    each read the signal waited on.
    """
    import time

    deadline = time.monotonic() + CALL_TIMEOUT_MS / 1000
    while True:
        pairs = page.evaluate(SELECTED_PAIRS)
        found = [pair for pair in pairs if pair["bytesReceived"] > 0 and pair["state"] == "succeeded"]
        if found:
            return found[0]
        if time.monotonic() > deadline:
            pytest.fail(f"no succeeded selected pair with data; pairs: {pairs}, "
                        f"peer connections: {page.evaluate(CONNECTION_STATES)}")
        page.wait_for_timeout(100)


def test_alice_and_bob_hold_a_call_through_the_relay_on_both_sides(sign_in, make_room):
    slug = make_room("Behind a strict firewall")
    alice = sign_in("alice")
    bob = sign_in("bob")
    for page in (alice, bob):
        page.context.add_init_script(REMEMBER_PEER_CONNECTIONS)
        join(page, slug)

    for page in (alice, bob):
        wait_for(page, REMOTE_VIDEO_PLAYS, "the other person's video playing")
        pair = selected_pair(page)
        assert pair["policy"] == "relay"
        assert pair["local"] == "relay", pair
        assert pair["remote"] == "relay", pair
        assert pair["localAddress"] == "127.0.0.1"


def test_the_check_page_finds_the_relay_over_udp_and_tcp(sign_in, test_coturn):
    alice = sign_in("alice")
    alice.goto("/check/")
    expect(alice.locator("#connectivity-check[data-state=done]")).to_be_attached(timeout=30_000)
    results = {
        row.get_attribute("data-check"): row.get_attribute("data-result")
        for row in alice.locator("#check-rows tr").all()
    }
    assert results == {"host": "works", "stun": "works", "turn-udp": "works", "turn-tcp": "works"}
    expect(alice.get_by_role("status")).to_contain_text("Calls should work from this network")
    expect(alice.get_by_role("cell", name=test_coturn.url("tcp"))).to_be_visible()
