"""/metrics answers a bearer token or a direct connection from an allow-listed address; anyone else gets 403."""

import pytest

from tests.observability.conftest import METRICS_TOKEN, get
from tests.servers import Deployment

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    deployment = Deployment(tmp_path_factory.mktemp("metrics-access"),
                            extra_env={"METRICS_TOKEN": METRICS_TOKEN}).setup()
    yield deployment
    deployment.stop()


@pytest.fixture(scope="module")
def token_only(deployment):
    """A worker that lets nobody in by address."""
    return deployment.start_worker()


@pytest.fixture(scope="module")
def loopback_allowed(deployment):
    """A worker (as scripts/run starts it, no trusted proxy) that lets 127.0.0.1 in without the token."""
    return deployment.start_worker(env={"METRICS_ALLOWED_IPS": "127.0.0.1"})


@pytest.fixture(scope="module")
def elsewhere_allowed(deployment):
    """A worker that trusts 127.0.0.1 as its proxy and lets in only 10.9.8.0/24, where the tests are not."""
    return deployment.start_worker(env={"METRICS_ALLOWED_IPS": "10.9.8.0/24", "TRUSTED_PROXIES": "127.0.0.1"})


def test_the_right_bearer_token_is_let_in(token_only):
    status, text = get(token_only.base_url + "/metrics", {"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert status == 200
    assert "# TYPE confer_meetings_live gauge" in text


@pytest.mark.parametrize("headers", [
    {},
    {"Authorization": "Bearer wrong-token-wrong-token"},
    {"Authorization": f"Basic {METRICS_TOKEN}"},
    {"Authorization": f"Bearer {METRICS_TOKEN[:-1]}"},
])
def test_no_token_or_a_wrong_one_is_refused(token_only, headers):
    status, text = get(token_only.base_url + "/metrics", headers)
    assert status == 403
    assert "METRICS_TOKEN" in text


def test_a_direct_connection_from_an_allowed_address_needs_no_token(loopback_allowed):
    status, _ = get(loopback_allowed.base_url + "/metrics")
    assert status == 200


def test_a_forwarded_request_is_never_let_in_by_address_even_from_an_allowed_peer(loopback_allowed):
    # Behind a proxy every client's TCP peer is the proxy: the allow-list must not open /metrics to them all.
    status, _ = get(loopback_allowed.base_url + "/metrics", {"X-Forwarded-For": "127.0.0.1"})
    assert status == 403


def test_a_spoofed_forwarded_for_naming_an_allowed_address_is_refused(elsewhere_allowed):
    # From a trusted proxy, the client is the right-most address the proxy did not add itself... which here is
    # the forged one: a proxy in front must set X-Forwarded-For itself (docs/deployment.md). From an untrusted peer
    # the header is dropped. Either way the address the client chose must not be an allowed one by itself:
    status, _ = get(elsewhere_allowed.base_url + "/metrics", {"X-Forwarded-For": "10.9.8.7, 203.0.113.5"})
    assert status == 403


def test_the_token_still_works_through_a_proxy(elsewhere_allowed):
    status, _ = get(elsewhere_allowed.base_url + "/metrics",
                    {"X-Forwarded-For": "203.0.113.5", "Authorization": f"Bearer {METRICS_TOKEN}"})
    assert status == 200
