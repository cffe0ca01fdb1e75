"""What the receiver got verifies as sent; the same headers with a changed body do not."""

import json
import urllib.error
import urllib.request

import pytest

from tests.servers import LOOPBACK, free_port
from tests.webhooks.conftest import add_endpoint, create_rooms, remove_endpoints

pytestmark = pytest.mark.slow

SIGNATURE_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature", "content-type")


def post(url, body, headers):
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={name: headers[name] for name in SIGNATURE_HEADERS})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_a_replayed_delivery_verifies_but_a_tampered_one_is_refused(deployment, receivers):
    port = free_port()
    _, secret = add_endpoint(deployment, f"http://{LOOPBACK}:{port}/hooks", ["room.created"])
    receiver = receivers(secret, port=port)
    deployment.start_command("deliver_webhooks", "--poll", "0.1")
    try:
        create_rooms(deployment, 1)
        original = receiver.wait_for(lambda got: len(got) >= 1, what="the delivery")[0]
    finally:
        remove_endpoints(deployment)
    assert original["verified"]

    assert post(receiver.url, original["body"].encode(), original["headers"]) == 204
    tampered = json.loads(original["body"])
    tampered["room"] = "someone-elses-room"
    assert post(receiver.url, json.dumps(tampered, separators=(",", ":")).encode(), original["headers"]) == 400

    replay, forgery = receiver.received()[-2:]
    assert replay["verified"] is True
    assert forgery["verified"] is False
    assert forgery["error"] == "No matching signature found"
