"""Real Chromium against a real daphne + Redis deployment.

The Playwright sync API runs an event loop in the test thread, so these tests never touch the Django ORM:
people and rooms are made through the deployment's management commands (subprocesses).
"""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

CHROMIUM = "/usr/lib/chromium/chromium"
CHROMIUM_ARGS = [
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--allow-loopback-in-peer-connection",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Assertions wait on what the page shows; on a machine busy with other suites a round trip through the server can
# take longer than Playwright's default 5 s, so they wait up to 15 s (still for the signal, never a fixed sleep).
expect.set_options(timeout=15_000)

DESKTOP = {"width": 1280, "height": 800}
JOIN_TIMEOUT_MS = 30_000
PHONE = {"width": 390, "height": 844}

PEOPLE = {
    "alice": ("alice-password-1", "Alice"),
    "bob": ("bob-password-1", "Bob"),
    "carol": ("carol-password-1", "Carol"),
}


@pytest.fixture(scope="module")
def worker(redis_deployment):
    """One daphne serving the deployment, as `scripts/run` starts it."""
    return redis_deployment.start_worker()


@pytest.fixture(scope="module")
def people(redis_deployment):
    """Alice, Bob and Carol have accounts (made in one subprocess: each one costs a Django start-up)."""
    lines = ["import json", "from accounts.models import User"]
    for username, (password, display_name) in PEOPLE.items():
        lines.append(
            f"User.objects.create_user({username!r}, {username + '@example.org'!r}, {password!r}, "
            f"display_name={display_name!r})"
        )
    lines.append("print(json.dumps(True))")
    redis_deployment.run_python("\n".join(lines))
    return PEOPLE


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory):
    """Where screenshots go: $CONFER_TEST_ARTIFACTS, or a temporary directory."""
    configured = os.environ.get("CONFER_TEST_ARTIFACTS")
    path = Path(configured) if configured else tmp_path_factory.mktemp("browser-artifacts")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for the module, with a fake camera and microphone that need no permission prompt."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so fixtures can tell whether the test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def sign_in(request, browser, worker, people):
    """Return a function that opens a fresh browser context and signs a person in through the sign-in page.

    When the test fails, the pages' console warnings and errors are printed with its report.
    """
    contexts = []
    console = []

    def sign_in(username, viewport=DESKTOP):
        password, _ = people[username]
        context = browser.new_context(base_url=worker.base_url, viewport=viewport)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.on(
            "console",
            lambda message: console.append(f"{username} {message.type}: {message.text}")
            if message.type in ("warning", "error")
            else None,
        )
        page.goto("/accounts/login/")
        page.locator("input[name=login]").fill(username)
        page.locator("input[name=password]").fill(password)
        page.locator("form:has(input[name=login]) [type=submit]").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        return page

    yield sign_in
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        print("\n".join(["browser console:", *console]))
    for context in contexts:
        context.close()


@pytest.fixture
def make_room(redis_deployment, people):
    """Return a function that creates one of Alice's rooms and returns its slug."""

    def make_room(name, **options):
        return redis_deployment.create_room("alice", name, **options)

    return make_room


def join(page, slug, base_url="", *, name=None, microphone=True, camera=True, wait_for="joined"):
    """Open a room, make the choices of the pre-join screen, and press "Join now"; wait until the room says so.

    wait_for is the room's data-state to wait for ("joined", "lobby"), or None not to wait.
    """
    page.goto(f"{base_url}/r/{slug}/")
    join_button = page.get_by_role("button", name="Join now")
    expect(join_button).to_be_enabled(timeout=JOIN_TIMEOUT_MS)
    if name is not None:
        page.get_by_label("Your name").fill(name)
    for wanted, label in ((microphone, "Microphone"), (camera, "Camera")):
        toggle = page.locator("#prejoin").get_by_role("button", name=label, exact=True)
        if not wanted and toggle.get_attribute("aria-pressed") == "true":
            toggle.click()
    join_button.click()
    if wait_for:
        expect(page.locator(f"#room[data-state={wait_for}]")).to_be_attached(timeout=JOIN_TIMEOUT_MS)
    return page
