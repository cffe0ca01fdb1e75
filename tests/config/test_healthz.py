"""/healthz answers 200 when the database and the channel layer work, and 503 naming what does not."""

import json
import urllib.error
import urllib.request

import pytest

from tests.servers import Deployment, free_port

pytestmark = pytest.mark.slow


def health(worker):
    try:
        with urllib.request.urlopen(worker.base_url + "/healthz", timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_a_deployment_on_redis_is_healthy(redis_deployment):
    status, body = health(redis_deployment.start_worker())
    assert status == 200
    assert body == {"status": "ok", "checks": {"database": "ok", "channel_layer": "ok"}}


def test_a_worker_whose_redis_is_unreachable_answers_503_naming_the_channel_layer(tmp_path):
    nowhere = f"redis://127.0.0.1:{free_port()}/0"
    deployment = Deployment(tmp_path, redis_url=nowhere).setup()
    try:
        status, body = health(deployment.start_worker(wait_healthy=False))
        assert status == 503
        assert body["status"] == "error"
        assert body["checks"] == {"database": "ok", "channel_layer": "error"}
        assert str(nowhere.split(":")[-1].split("/")[0]) not in json.dumps(body)  # finding 17: no detail leaks
    finally:
        deployment.stop()


def test_a_worker_whose_database_is_unreachable_answers_503_naming_the_database(tmp_path):
    deployment = Deployment(tmp_path, extra_env={"DATABASE_URL": f"postgres://confer:x@127.0.0.1:{free_port()}/confer"})
    try:
        status, body = health(deployment.start_worker(wait_healthy=False))
        assert status == 503
        assert body["checks"] == {"database": "error", "channel_layer": "ok"}
        assert "confer:x@" not in json.dumps(body) and "127.0.0.1" not in json.dumps(body)
    finally:
        deployment.stop()
