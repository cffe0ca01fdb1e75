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


NEEDS_JANUS = {"janus", "two_janus"}


def pytest_collection_modifyitems(items):
    if IN_NAMESPACE:
        return
    skip = pytest.mark.skip(reason="media through Janus is tested only inside scripts/test's network namespace")
    for item in items:
        if NEEDS_JANUS & set(getattr(item, "fixturenames", ())):
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


BROWSER_PEOPLE = {"alice": ("alice-password-1", "Alice"), "bob": ("bob-password-1", "Bob"),
                  "carol": ("carol-password-1", "Carol")}


def create_people(deployment):
    lines = ["import json", "from accounts.models import User"]
    for username, (password, display_name) in BROWSER_PEOPLE.items():
        lines.append(f"User.objects.filter(username={username!r}).exists() or User.objects.create_user("
                     f"{username!r}, {username + '@example.org'!r}, {password!r}, display_name={display_name!r})")
    lines.append("print(json.dumps(True))")
    deployment.run_python("\n".join(lines))


@pytest.fixture(scope="module")
def chromium():
    """One headless Chromium for the module (Debian's), with a fake camera and microphone."""
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def open_page(chromium):
    """Return a function that signs a person in, in a fresh context whose connections the test can read."""
    from tests.browser.conftest import DESKTOP
    from tests.sfu.browsers import TRACK_CONNECTIONS

    contexts = []
    console = []

    def open_page(worker, username, viewport=DESKTOP):
        context = chromium.new_context(base_url=worker.base_url, viewport=viewport)
        context.set_default_timeout(30_000)
        context.add_init_script(TRACK_CONNECTIONS)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda m: console.append(f"{username} {m.type}: {m.text}") if m.type in ("warning", "error")
                else None)
        page.goto("/accounts/login/")
        page.locator("input[name=login]").fill(username)
        page.locator("input[name=password]").fill(BROWSER_PEOPLE[username][0])
        page.locator("form:has(input[name=login]) [type=submit]").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        return page

    yield open_page
    if console:
        print("\n".join(["browser console:", *console[-40:]]))
    for context in contexts:
        context.close()


@pytest.fixture(scope="module")
def artifacts_dir(tmp_path_factory):
    """Where screenshots go: $CONFER_TEST_ARTIFACTS, or a temporary directory."""
    import os
    from pathlib import Path

    configured = os.environ.get("CONFER_TEST_ARTIFACTS")
    path = Path(configured) if configured else tmp_path_factory.mktemp("sfu-artifacts")
    path.mkdir(parents=True, exist_ok=True)
    return path
