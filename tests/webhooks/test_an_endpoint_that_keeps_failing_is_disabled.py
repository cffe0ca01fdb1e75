"""An endpoint that fails every attempt for WEBHOOK_DISABLE_AFTER is disabled; re-enabled, it gets what waited."""

import json

import pytest

from tests.servers import LOOPBACK, Deployment, free_port
from tests.webhooks.conftest import FAST_RETRIES, add_endpoint, create_rooms, wait_until

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    deployment = Deployment(tmp_path_factory.mktemp("webhooks-disable"),
                            extra_env={**FAST_RETRIES, "WEBHOOK_DISABLE_AFTER": "3"}).setup()
    deployment.create_user("alice", "alice-password-1", "Alice")
    yield deployment
    deployment.stop()


def endpoint_row(deployment, endpoint_id):
    return deployment.sql("SELECT is_active, disabled_reason FROM webhooks_endpoint WHERE id = ?", endpoint_id)[0]


def test_a_receiver_answering_500_for_long_enough_is_disabled_and_catches_up_once_enabled(deployment, receivers):
    port = free_port()
    endpoint_id, secret = add_endpoint(deployment, f"http://{LOOPBACK}:{port}/hooks", ["room.created"])
    broken = receivers(secret, port=port, status=500)
    deployment.start_command("deliver_webhooks", "--poll", "0.1")
    slugs = create_rooms(deployment, 2)

    wait_until(lambda: not endpoint_row(deployment, endpoint_id)[0], what="the endpoint being disabled")
    active, reason = endpoint_row(deployment, endpoint_id)
    assert reason.startswith("Every attempt failed since ")
    assert reason.endswith("the last: HTTP 500")
    assert len(broken.received()) >= 2

    # While disabled, it is sent nothing, and new events are not queued for it.
    later = create_rooms(deployment, 1)
    waiting = deployment.sql("SELECT count(*) FROM webhooks_delivery WHERE endpoint_id = ? AND status = 'pending'",
                             endpoint_id)[0][0]
    assert waiting == 2
    broken.stop()

    fixed = receivers(secret, port=port)
    deployment.run_python("import json\nfrom webhooks import delivery\nfrom webhooks.models import Endpoint\n"
                          f"delivery.enable(Endpoint.objects.get(pk={endpoint_id}))\nprint(json.dumps(True))")
    received = fixed.wait_for(lambda got: len({entry["webhook_id"] for entry in got}) >= 2, what="what waited")
    assert all(entry["verified"] for entry in received)
    rooms = {json.loads(entry["body"])["room"] for entry in received}
    assert rooms == set(slugs)
    assert later[0] not in rooms
    assert endpoint_row(deployment, endpoint_id) == (1, "")
