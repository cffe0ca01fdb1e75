"""A worker logging JSON at DEBUG through sign-in, tokens, a room password, TURN credentials and a webhook
secret writes none of them, nor SECRET_KEY, to its log; every line is one JSON object with the request id."""

import http.cookiejar
import json
import re
import urllib.parse
import urllib.request

import pytest

from tests.observability.conftest import METRICS_TOKEN
from tests.servers import Deployment
from tests.signalling_client import SignallingClient

pytestmark = pytest.mark.slow

SECRET_KEY = "confer-test-deployment-secret"
ROOM_TOKEN_SECRET = "confer-test-room-token-secret-0123456789abcdef"
TURN_SECRET = "turn-static-auth-secret-for-the-log-test"
PASSWORD = "alice-secret-password-7"
ROOM_PASSWORD = "room-password-kept-quiet"


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    deployment = Deployment(tmp_path_factory.mktemp("logs"), extra_env={
        "LOG_FORMAT": "json", "LOG_LEVEL": "DEBUG", "TURN_URLS": "turn:127.0.0.1:3478?transport=udp",
        "TURN_SECRET": TURN_SECRET, "METRICS_TOKEN": METRICS_TOKEN,
    }).setup()
    deployment.run_python(
        "import json\nfrom accounts.models import User\n"
        f"User.objects.create_user('alice', 'alice@example.org', {PASSWORD!r}, display_name='Alice', is_staff=True)\n"
        "print(json.dumps(True))"
    )
    yield deployment
    deployment.stop()


class Browser:
    """Just enough of a browser: cookies, and the CSRF header on writes."""

    def __init__(self, base_url):
        self.base_url = base_url
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def csrf(self):
        return next(cookie.value for cookie in self.cookies if cookie.name == "csrftoken")

    def request(self, method, path, data=None, json_body=None, headers=None):
        headers = dict(headers or {})
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if json_body is not None:
            body = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        if method != "GET":
            headers.update({"X-CSRFToken": self.csrf(), "Referer": self.base_url + "/"})
        request = urllib.request.Request(self.base_url + path, data=body, method=method, headers=headers)
        try:
            with self.opener.open(request, timeout=15) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()


def test_no_secret_reaches_the_log_and_every_line_is_json_with_its_request_id(deployment):
    worker = deployment.start_worker()
    slug = deployment.run_python(
        "import json\nfrom accounts.models import User\nfrom meetings import actions\n"
        "room = actions.create_room(User.objects.get(username='alice'), 'Board')\n"
        f"actions.update_room(room, password={ROOM_PASSWORD!r})\nprint(json.dumps(room.slug))"
    )
    browser = Browser(worker.base_url)
    secrets = {"SECRET_KEY": SECRET_KEY, "ROOM_TOKEN_SECRET": ROOM_TOKEN_SECRET, "TURN_SECRET": TURN_SECRET,
               "password": PASSWORD, "room password": ROOM_PASSWORD, "metrics token": METRICS_TOKEN}

    # Sign in with the password form.
    browser.request("GET", "/accounts/login/")
    status, _ = browser.request("POST", "/accounts/login/", data={"login": "alice", "password": PASSWORD})
    assert status == 200
    assert any(cookie.name == "sessionid" for cookie in browser.cookies)
    secrets["session id"] = next(cookie.value for cookie in browser.cookies if cookie.name == "sessionid")

    # A room token, and a join with the room password that hands out TURN credentials.
    status, body = browser.request("POST", f"/api/v1/rooms/{slug}/tokens/", json_body={})
    assert status == 201, body
    token = json.loads(body)["token"]
    secrets["room token"] = token
    client = SignallingClient(worker.ws_url, slug)
    try:
        welcome = client.join(token, password=ROOM_PASSWORD)
        assert welcome["type"] == "welcome", welcome
        turn = next(server for server in welcome["ice_servers"] if server.get("credential"))
        secrets["TURN credential"] = turn["credential"]
    finally:
        client.close()
    # A wrong room password, refused (the server logs refusals).
    refused = SignallingClient(worker.ws_url, slug)
    try:
        refused.join(token, password="not-" + ROOM_PASSWORD)
        secrets["wrong room password"] = "not-" + ROOM_PASSWORD
    finally:
        refused.close()

    # A webhook endpoint's secret, shown in the API's answer.
    status, body = browser.request("POST", "/api/v1/webhooks/", json_body={"name": "CRM",
                                                                         "url": "http://127.0.0.1:9/hooks"})
    assert status == 201, body
    secrets["webhook secret"] = json.loads(body)["secret"]

    # Things that get logged with what they carry: a 404 whose path holds the token (django.request warns), the
    # metrics refused with a token attempt, an OAuth-style callback with a code in its query.
    status, _ = browser.request("GET", f"/api/v1/nothing/{token}/", headers={"X-Request-ID": "req-from-the-proxy-1"})
    assert status == 404
    browser.request("GET", "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}x"})

    # The delivery worker signs with the webhook secret; its log is checked too.
    worker_process = deployment.start_command("deliver_webhooks", "--once")
    worker_process.process.wait(timeout=60)
    worker.stop()
    logs = worker.log_path.read_text() + worker_process.output()

    leaked = {name: value for name, value in secrets.items() if value in logs}
    assert leaked == {}
    assert "[redacted]" in logs  # the 404's path had the token in it: the filter took it out

    lines = [line for line in logs.splitlines() if line.strip()]
    entries = [json.loads(line) for line in lines]  # every line is one JSON object
    assert all({"time", "level", "logger", "message"} <= set(entry) for entry in entries)
    not_found = [entry for entry in entries if entry["logger"] == "django.request" and "Not Found" in entry["message"]]
    assert not_found and not_found[0]["request_id"] == "req-from-the-proxy-1"
    assert any(entry.get("room") == slug for entry in entries)
    assert any(re.fullmatch(r"[0-9a-f]{32}", entry.get("request_id") or "") for entry in entries)
