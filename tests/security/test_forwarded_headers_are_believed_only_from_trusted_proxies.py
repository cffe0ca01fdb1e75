"""Findings 4 and 16: daphne started with --proxy-headers believed X-Forwarded-For and X-Forwarded-Proto from any
client, so every per-address limit could be dodged and BEHIND_HTTPS_PROXY did not do what it said. Workers as
scripts/run starts them believe forwarded headers only from TRUSTED_PROXIES."""

import http.cookiejar
import json
import re
import urllib.error
import urllib.parse
import urllib.request

import pytest

from config.proxies import TrustedProxyHeaders
from tests.servers import Deployment

pytestmark = pytest.mark.slow


class Browser:
    """Enough of a browser for allauth's sign-in form: cookies and the CSRF token, over plain HTTP."""

    def __init__(self, base_url):
        self.base_url = base_url
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def sign_in(self, username, password, headers=None):
        """Try to sign in; return "refused for rate" when allauth's per-address limit stops it, else "tried"."""
        with self.opener.open(self.base_url + "/accounts/login/", timeout=30) as page:
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.read().decode()).group(1)
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "login": username, "password": password})
        request = urllib.request.Request(self.base_url + "/accounts/login/", data=body.encode(),
                                         headers={"Referer": self.base_url + "/accounts/login/", **(headers or {})})
        try:
            with self.opener.open(request, timeout=30) as answer:
                page = answer.read().decode()
        except urllib.error.HTTPError as error:
            return "refused for rate" if error.code == 429 else f"HTTP {error.code}"
        return "refused for rate" if "Too many failed login attempts" in page else "tried"


def websocket_url_for(worker, service_key, slug, headers):
    request = urllib.request.Request(
        worker.base_url + f"/api/v1/rooms/{slug}/tokens/", method="POST",
        data=json.dumps({"identity": "42", "name": "Dave"}).encode(),
        headers={"Authorization": f"Api-Key {service_key}", "Content-Type": "application/json", **headers},
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read())["websocket_url"]


def make_deployment(tmp_path_factory, name, **env):
    deployment = Deployment(tmp_path_factory.mktemp(name), extra_env=env).setup()
    deployment.create_user("alice", "alice-password-1", "Alice")
    slug = deployment.create_room("alice", "Front door")
    key = deployment.run_python(
        "import json\nfrom accounts.models import User\nfrom meetings.models import ApiKey\n"
        "_, raw = ApiKey.create_key('booking', created_by=User.objects.get(username='alice'))\nprint(json.dumps(raw))"
    )
    return deployment, deployment.start_worker(), slug, key


@pytest.fixture(scope="module")
def direct(tmp_path_factory):
    deployment, worker, slug, key = make_deployment(tmp_path_factory, "direct")
    yield worker, slug, key
    deployment.stop()


@pytest.fixture(scope="module")
def behind_a_proxy(tmp_path_factory):
    deployment, worker, slug, key = make_deployment(tmp_path_factory, "proxied", TRUSTED_PROXIES="127.0.0.1")
    yield worker, slug, key
    deployment.stop()


def test_a_client_that_forges_its_address_is_still_counted_as_itself(direct):
    worker, _, _ = direct
    browser = Browser(worker.base_url)
    statuses = [browser.sign_in(f"nobody-{n}", "wrong", {"X-Forwarded-For": f"203.0.113.{n}"}) for n in range(11)]
    # allauth allows 10 failed sign-ins a minute from one address: the eleventh is refused, however it is dressed.
    assert statuses[:10] == ["tried"] * 10 and statuses[10] == "refused for rate", statuses


def test_a_client_that_forges_https_does_not_get_wss(direct):
    worker, slug, key = direct
    assert websocket_url_for(worker, key, slug, {"X-Forwarded-Proto": "https"}).startswith("ws://")


def test_behind_a_trusted_proxy_the_forwarded_address_and_scheme_are_believed(behind_a_proxy):
    worker, slug, key = behind_a_proxy
    browser = Browser(worker.base_url)
    first = [browser.sign_in(f"nobody-{n}", "wrong", {"X-Forwarded-For": "198.51.100.1"}) for n in range(11)]
    another = browser.sign_in("nobody-else", "wrong", {"X-Forwarded-For": "198.51.100.2"})
    assert first[10] == "refused for rate" and another == "tried", (first, another)
    assert websocket_url_for(worker, key, slug, {"X-Forwarded-Proto": "https"}).startswith("wss://")


# The middleware's choice of the client, hop by hop.

async def seen_by_the_application(trusted, client, headers):
    seen = {}

    async def application(scope, receive, send):
        seen.update(client=scope["client"][0], scheme=scope.get("scheme"), headers=dict(scope["headers"]))

    await TrustedProxyHeaders(application, trusted)(
        {"type": "http", "client": (client, 5000), "scheme": "http", "headers": headers}, None, None
    )
    return seen


async def test_the_right_most_address_that_is_not_a_trusted_proxy_is_the_client():
    headers = [(b"x-forwarded-for", b"6.6.6.6, 203.0.113.9, 10.0.0.2"), (b"x-forwarded-proto", b"https")]
    seen = await seen_by_the_application(["10.0.0.0/8", "127.0.0.1"], "127.0.0.1", headers)
    assert (seen["client"], seen["scheme"]) == ("203.0.113.9", "https")
    assert b"x-forwarded-for" not in seen["headers"]


async def test_from_anyone_else_the_forwarded_headers_are_dropped_unread():
    headers = [(b"x-forwarded-for", b"6.6.6.6"), (b"forwarded", b"for=6.6.6.6"), (b"host", b"meet.example.org")]
    seen = await seen_by_the_application(["10.0.0.0/8"], "192.0.2.1", headers)
    assert (seen["client"], seen["scheme"]) == ("192.0.2.1", "http")
    assert seen["headers"] == {b"host": b"meet.example.org"}
