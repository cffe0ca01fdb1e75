"""python manage.py check_turn: allocate on each TURN URL with the product's own credentials, and check the deny rules."""

import subprocess
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.ice.conftest import TURN_TEST_SECRET
from tests.servers import PYTHON, REPO, free_port

pytestmark = pytest.mark.slow


def run_check_turn(*args, out=None):
    out = out or StringIO()
    call_command("check_turn", *args, stdout=out)
    return out.getvalue()


def test_it_allocates_on_every_url_and_confirms_the_production_deny_rules(production_coturn, turn_settings):
    turn_settings(turn_urls=production_coturn.urls)
    output = run_check_turn()
    for url in production_coturn.urls:
        assert f"{url}: allocated a relay at 127.0.0.1:" in output
        assert f"{url}: refuses to relay to loopback, private and metadata addresses" in output
    assert "All 2 TURN URLs work." in output


def test_it_fails_when_the_secret_differs_from_coturns(production_coturn, turn_settings):
    turn_settings(turn_urls=[production_coturn.url("udp")], secret="not-coturns-secret")
    with pytest.raises(CommandError, match="1 of 1 TURN URLs failed"):
        run_check_turn()


def test_it_reports_an_open_relay_as_a_failure(test_coturn, turn_settings):
    turn_settings(turn_urls=[test_coturn.url("tcp")])
    out = StringIO()
    with pytest.raises(CommandError):
        run_check_turn(out=out)
    assert "FAILED: the server would relay to 127.0.0.1 (its own loopback)" in out.getvalue()
    assert run_check_turn("--skip-peer-check").strip().endswith("All 1 TURN URLs work.")


def test_it_fails_when_nothing_answers(turn_settings):
    turn_settings(turn_urls=[f"turn:127.0.0.1:{free_port()}?transport=tcp"])
    with pytest.raises(CommandError, match="1 of 1 TURN URLs failed"):
        run_check_turn("--timeout", "1")


def test_it_says_so_when_no_turn_server_is_configured(turn_settings):
    turn_settings()
    with pytest.raises(CommandError, match="TURN_URLS is not set"):
        run_check_turn()


def test_a_failed_check_exits_non_zero_and_a_good_one_zero(production_coturn, tmp_path):
    env = {"PATH": "/usr/bin:/bin", "SECRET_KEY": "confer-test-secret-key", "CONFER_VAR_DIR": str(tmp_path),
           "ROOM_TOKEN_SECRET": "confer-test-room-token-secret-0123456789abcdef",
           "TURN_URLS": ",".join(production_coturn.urls)}

    def check_turn(secret):
        return subprocess.run([PYTHON, "manage.py", "check_turn"], cwd=REPO, env={**env, "TURN_SECRET": secret},
                              capture_output=True, text=True, timeout=60)

    good = check_turn(TURN_TEST_SECRET)
    assert good.returncode == 0, good.stdout + good.stderr
    bad = check_turn("not-coturns-secret")
    assert bad.returncode == 1
    assert "401 Unauthorized: the credentials were refused" in bad.stdout
