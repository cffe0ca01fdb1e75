"""A delivery worker killed mid-send loses nothing: another worker sends what it held, with the same id."""

import json
from collections import defaultdict

import pytest

from tests.servers import LOOPBACK, free_port
from tests.webhooks.conftest import add_endpoint, create_rooms, remove_endpoints, wait_until

pytestmark = pytest.mark.slow


def delivered(deployment, endpoint_id):
    return deployment.sql("SELECT count(*) FROM webhooks_delivery WHERE endpoint_id = ? AND status = 'delivered'",
                          endpoint_id)[0][0]


def test_sigkill_mid_delivery_then_a_new_worker_delivers_everything_and_duplicates_share_their_id(
        deployment, receivers):
    port = free_port()
    endpoint_id, secret = add_endpoint(deployment, f"http://{LOOPBACK}:{port}/hooks", ["room.created"])
    # Each answer is held back half a second: the first worker is killed while one is in flight.
    receiver = receivers(secret, port=port, delay=0.5)
    slugs = create_rooms(deployment, 6)
    try:
        first = deployment.start_command("deliver_webhooks", "--poll", "0.1", "--threads", "1")
        receiver.wait_for(lambda got: len(got) >= 1, what="the first request")
        first.kill()
        deployment.start_command("deliver_webhooks", "--poll", "0.1", "--threads", "2")
        received = receiver.wait_for(lambda got: len({e["webhook_id"] for e in got}) >= 6, timeout=90,
                                     what="every event")
        # The receiver logs a request before it answers: the worker marks the last one delivered a moment later.
        wait_until(lambda: delivered(deployment, endpoint_id) == 6, what="every delivery marked delivered")
    finally:
        remove_endpoints(deployment)

    assert all(entry["verified"] for entry in received)
    by_id = defaultdict(list)
    for entry in received:
        by_id[entry["webhook_id"]].append(entry)
    assert sorted(json.loads(entries[0]["body"])["room"] for entries in by_id.values()) == sorted(slugs)
    duplicates = [entries for entries in by_id.values() if len(entries) > 1]
    assert duplicates, "the delivery in flight when the worker died was not sent again"
    for entries in duplicates:
        assert len({entry["body"] for entry in entries}) == 1  # the same event, byte for byte
        assert json.loads(entries[0]["body"])["id"] == entries[0]["webhook_id"]
