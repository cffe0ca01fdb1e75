import pytest

TURN_TEST_SECRET = "confer-test-turn-secret-4f1c9a"


@pytest.fixture(scope="module")
def test_coturn(tmp_path_factory):
    """A real coturn with the test config (loopback peers allowed: tests only), stopped by PID after the module."""
    from tests.turn_server import TurnServer

    server = TurnServer.test_config(tmp_path_factory.mktemp("coturn-test"), TURN_TEST_SECRET).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def production_coturn(tmp_path_factory):
    """A real coturn running deploy/coturn/turnserver.conf, with only its ports, files and secret replaced."""
    from tests.turn_server import TurnServer

    server = TurnServer.production_config(tmp_path_factory.mktemp("coturn-production"), TURN_TEST_SECRET).start()
    yield server
    server.stop()


@pytest.fixture
def turn_settings(settings):
    """Return a function that configures this test's STUN/TURN settings."""

    def configure(turn_urls=(), stun_urls=(), secret=TURN_TEST_SECRET, lifetime=14400, policy="all"):
        settings.TURN_URLS = list(turn_urls)
        settings.STUN_URLS = list(stun_urls)
        settings.TURN_SECRET = secret if turn_urls else ""
        settings.TURN_CREDENTIAL_LIFETIME = lifetime
        settings.ICE_TRANSPORT_POLICY = policy
        return settings

    return configure
