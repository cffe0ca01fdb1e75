"""Webhooks against real processes: a deployment's database, its daphne, `manage.py deliver_webhooks`, and
tests/webhook_receiver.py checking every signature."""

import json
import time

import pytest

from tests.servers import Deployment, WebhookReceiver

# Fast retries (1 s, 3 s, 9 s...) and a 1 s timeout (a 7 s claim lease), so the tests need not wait hours.
FAST_RETRIES = {"WEBHOOK_TIMEOUT": "1", "WEBHOOK_RETRY_BASE": "1"}


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    deployment = Deployment(tmp_path_factory.mktemp("webhooks"), extra_env=FAST_RETRIES).setup()
    deployment.run_python(
        "import json\nfrom accounts.models import User\n"
        "for name in ('alice', 'bob', 'carol'):\n"
        "    User.objects.create_user(name, name + '@example.org', name + '-password-1', display_name=name.title())\n"
        "print(json.dumps(True))"
    )
    yield deployment
    deployment.stop()


@pytest.fixture
def receivers(tmp_path):
    started = []

    def start(secret, **options):
        receiver = WebhookReceiver(tmp_path, secret, **options).start()
        started.append(receiver)
        return receiver

    yield start
    for receiver in started:
        receiver.stop()


def add_endpoint(deployment, url, event_types=()):
    """Add an endpoint through the model, as the admin does; return (id, secret)."""
    created = deployment.run_python(
        "import json\nfrom webhooks.models import Endpoint\n"
        f"e = Endpoint.objects.create(name='Receiver', url={url!r}, event_types={list(event_types)!r})\n"
        "print(json.dumps([e.pk, e.secret]))"
    )
    return tuple(created)


def remove_endpoints(deployment):
    deployment.run_python("import json\nfrom webhooks.models import Endpoint\nEndpoint.objects.all().delete()\n"
                          "print(json.dumps(True))")


def create_rooms(deployment, count, owner="alice"):
    """Create rooms through meetings.actions (each a room.created event); return their slugs."""
    return deployment.run_python(
        "import json\nfrom accounts.models import User\nfrom meetings import actions\n"
        f"owner = User.objects.get(username={owner!r})\n"
        f"print(json.dumps([actions.create_room(owner, 'Room %d' % i).slug for i in range({count})]))"
    )


def bodies(received):
    return [json.loads(entry["body"]) for entry in received]


def wait_until(predicate, timeout=60, what="the condition"):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not happen within {timeout}s")
        time.sleep(0.1)
