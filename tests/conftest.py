import pytest


@pytest.fixture
def alice(django_user_model):
    """Alice owns rooms."""
    return django_user_model.objects.create_user("alice", "alice@example.org", "alice-password-1", display_name="Alice")


@pytest.fixture
def bob(django_user_model):
    """Bob is invited to Alice's rooms."""
    return django_user_model.objects.create_user("bob", "bob@example.org", "bob-password-1", display_name="Bob")


@pytest.fixture
def carol(django_user_model):
    """Carol has no access to Alice's members-only rooms."""
    return django_user_model.objects.create_user("carol", "carol@example.org", "carol-password-1", display_name="Carol")


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    """A real redis-server on a free loopback port, stopped by PID after the module."""
    from tests.servers import RedisServer

    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def redis_deployment(tmp_path_factory, redis_server):
    """A migrated deployment whose daphne workers share the module's redis-server."""
    from tests.servers import Deployment

    deployment = Deployment(tmp_path_factory.mktemp("deployment"), redis_url=redis_server.url).setup()
    yield deployment
    deployment.stop()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Hash test passwords cheaply: the real hasher costs most of a test's set-up time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
