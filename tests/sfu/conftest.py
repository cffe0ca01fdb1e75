"""Janus, a Confer deployment that uses it, and rooms whose media goes through the server.

Everything here runs inside the private network namespace scripts/test makes (tests/janus_server.py): Janus never
offers loopback candidates, and these tests must never touch the machine's real interfaces. Outside it they are
skipped. The aiortc peers here are not narrowed to 127.0.0.1 (unlike tests/recordings/): inside the namespace they
gather 127.0.0.2 by themselves, which is what Janus can reach.
"""

import pytest

from tests.janus_server import JanusServer, in_test_namespace
from tests.servers import Deployment

IN_NAMESPACE = in_test_namespace()


def pytest_collection_modifyitems(items):
    if IN_NAMESPACE:
        return
    skip = pytest.mark.skip(reason="media through Janus is tested only inside scripts/test's network namespace")
    for item in items:
        if "tests/sfu/" in str(item.fspath).replace("\\", "/") and "test_the_janus_config" not in str(item.fspath):
            item.add_marker(skip)


@pytest.fixture(scope="module")
def janus(tmp_path_factory):
    server = JanusServer(tmp_path_factory.mktemp("janus")).start()
    yield server
    server.stop()


def sfu_env(*servers, **extra):
    first = servers[0]
    env = {"JANUS_URLS": ",".join(server.url for server in servers), "JANUS_TOKEN_SECRET": first.token_secret,
           "JANUS_ADMIN_KEY": first.admin_key, "SIGNALLING_HEARTBEAT_SECONDS": "2"}
    env.update({key: str(value) for key, value in extra.items()})
    return env


@pytest.fixture(scope="module")
def sfu_deployment(tmp_path_factory, redis_server, janus):
    deployment = Deployment(tmp_path_factory.mktemp("sfu"), redis_url=redis_server.url, extra_env=sfu_env(janus)).setup()
    yield deployment
    deployment.stop()


@pytest.fixture(scope="module")
def sfu_worker(sfu_deployment):
    return sfu_deployment.start_worker()


def make_room(deployment, name, media_route="sfu", max_participants=50, owner="alice"):
    """Create one of the owner's rooms with this media route; return its slug."""
    return deployment.run_python(
        "import json\nfrom accounts.models import User\nfrom meetings import actions\n"
        f"owner = User.objects.filter(username={owner!r}).first() or "
        f"User.objects.create_user({owner!r}, {owner + '@example.org'!r}, 'pw-' + {owner!r} * 3)\n"
        f"room = actions.create_room(owner, {name!r}, 'link', {max_participants!r})\n"
        f"actions.update_room(room, media_route={media_route!r})\n"
        "print(json.dumps(room.slug))"
    )
