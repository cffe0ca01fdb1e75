"""An endpoint that is down when events happen gets them once it is back, retried with back-off."""

import pytest

from tests.servers import LOOPBACK, free_port
from tests.webhooks.conftest import add_endpoint, bodies, create_rooms, remove_endpoints, wait_until

pytestmark = pytest.mark.slow


def failed_attempts(deployment, endpoint_id):
    return deployment.sql(
        "SELECT count(*) FROM webhooks_deliveryattempt a JOIN webhooks_delivery d ON a.delivery_id = d.id "
        "WHERE d.endpoint_id = ? AND NOT a.succeeded", endpoint_id)[0][0]


def test_events_sent_while_the_receiver_is_down_arrive_when_it_comes_up(deployment, receivers):
    port = free_port()  # nothing listens here yet: every attempt is refused
    endpoint_id, secret = add_endpoint(deployment, f"http://{LOOPBACK}:{port}/hooks", ["room.created"])
    deployment.start_command("deliver_webhooks", "--poll", "0.1")
    try:
        slugs = create_rooms(deployment, 3)
        wait_until(lambda: failed_attempts(deployment, endpoint_id) >= 6, what="two failed attempts per event")
        pending = deployment.sql("SELECT count(*) FROM webhooks_delivery WHERE endpoint_id = ? AND status = 'pending'",
                                 endpoint_id)[0][0]
        assert pending == 3

        receiver = receivers(secret, port=port)
        received = receiver.wait_for(lambda got: len({e["webhook_id"] for e in got}) >= 3, what="the late events")
    finally:
        remove_endpoints(deployment)

    assert all(entry["verified"] for entry in received)
    assert sorted(body["room"] for body in bodies(received)) == sorted(slugs)


def test_a_failed_attempt_is_retried_later_not_at_once():
    from webhooks.delivery import retry_delay

    # 1 s base in these tests; in production 10 s, x3 each time.
    assert [round(retry_delay(n, base=10, jitter=lambda: 0.5)) for n in range(1, 9)] == [
        10, 30, 90, 270, 810, 2430, 7290, 21600]
