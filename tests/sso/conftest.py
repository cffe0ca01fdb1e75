"""Single sign-on against a real OpenID provider process, in real Chromium, on real daphne workers.

Confer is opened at http://localhost:PORT (a secure context, and another site than the provider's 127.0.0.1)."""

import json

import pytest

from tests.browser.conftest import artifacts, browser  # noqa: F401  (the same headless Chromium fixtures)
from tests.identity_provider import IdentityProvider
from tests.servers import Deployment, free_port

# The people the company's identity provider knows; none has a Confer account yet.
COMPANY = {"alice": ["alice-at-acme-1", "Alice", "Liddell"], "dave": ["dave-at-acme-1", "Dave", "Bowman"]}


class Site:
    def __init__(self, worker):
        self.worker = worker
        self.base_url = f"http://localhost:{worker.port}"


@pytest.fixture(scope="module")
def ports():
    return {"open": free_port(), "only": free_port()}


@pytest.fixture(scope="module")
def identity_provider(tmp_path_factory, ports):
    callbacks = [f"http://localhost:{port}/accounts/oidc/acme/login/callback/" for port in ports.values()]
    provider = IdentityProvider(tmp_path_factory.mktemp("idp"), callbacks, COMPANY).start()
    yield provider
    provider.stop()


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    deployment = Deployment(tmp_path_factory.mktemp("sso")).setup()
    yield deployment
    deployment.stop()


@pytest.fixture(scope="module")
def confer(deployment, identity_provider, ports):
    """Confer with Acme's sign-in beside passwords."""
    providers = json.dumps([identity_provider.provider_config()])
    return Site(deployment.start_worker(port=ports["open"], env={"OIDC_PROVIDERS": providers}))


@pytest.fixture(scope="module")
def confer_sso_only(deployment, identity_provider, ports):
    """Confer where Acme's sign-in is the only way in (OIDC_ONLY)."""
    providers = json.dumps([identity_provider.provider_config()])
    return Site(deployment.start_worker(port=ports["only"], env={"OIDC_PROVIDERS": providers, "OIDC_ONLY": "1"}))
