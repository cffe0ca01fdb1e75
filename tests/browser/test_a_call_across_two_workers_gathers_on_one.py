"""Alice and Bob open the room's page on two different workers of one machine: Bob's socket is handed to the worker
the room belongs on (config.handoff), the TCP connection itself, and the call goes on as any other."""

import urllib.request

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import join
from tests.browser.test_two_people_hold_a_call import assert_remote_video_plays
from tests.servers import Deployment

pytestmark = [pytest.mark.browser, pytest.mark.slow]

METRICS_TOKEN = "confer-test-metrics-token-0123"


@pytest.fixture(scope="module")
def redis_deployment(tmp_path_factory, redis_server):
    """This module's deployment: the workers gather each room's sockets, as shipped."""
    deployment = Deployment(tmp_path_factory.mktemp("handoff-call"), redis_url=redis_server.url,
                            extra_env={"WORKER_HANDOFF": "1", "METRICS_TOKEN": METRICS_TOKEN}).setup()
    yield deployment
    deployment.stop()


def handoffs(worker, outcome):
    request = urllib.request.Request(worker.base_url + "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        text = response.read().decode()
    prefix = f'confer_worker_handoffs_total{{outcome="{outcome}"}} '
    return sum(float(line[len(prefix):]) for line in text.splitlines() if line.startswith(prefix))


def test_alice_and_bob_on_two_workers_see_each_other_and_chat(redis_deployment, worker, sign_in, make_room):
    second = redis_deployment.start_worker()
    slug = make_room("Across the workers")
    alice, bob = sign_in("alice"), sign_in("bob")

    join(alice, slug)  # on the first worker
    join(bob, slug, base_url=second.base_url)  # on the second

    assert_remote_video_plays(alice, bob)
    # The socket that connected to the worker the room does not belong on went to the other, which took it (a
    # socket that reconnected on a busy machine would be handed again: hence "at least").
    handed = handoffs(worker, "handed") + handoffs(second, "handed")
    adopted = handoffs(worker, "adopted") + handoffs(second, "adopted")
    assert handed >= 1 and adopted == handed

    bob.get_by_role("button", name="Chat", exact=True).click()
    bob.get_by_role("textbox", name="Message").fill("Which worker are you on?")
    bob.get_by_role("button", name="Send message").click()
    expect(alice.locator("#room-announcer")).to_contain_text("Which worker are you on?")
