"""A deployment whose STUN/TURN settings cannot work refuses to start, naming the variable."""

import subprocess

import pytest

from tests.servers import PYTHON, REPO

CHECK_SETTINGS = "import django; django.setup(); print('started')"


def start_with(tmp_path, **env):
    base = {"PATH": "/usr/bin:/bin", "SECRET_KEY": "confer-test-secret-key", "DJANGO_SETTINGS_MODULE": "config.settings",
            "ROOM_TOKEN_SECRET": "confer-test-room-token-secret-0123456789abcdef", "CONFER_VAR_DIR": str(tmp_path)}
    return subprocess.run([PYTHON, "-c", CHECK_SETTINGS], cwd=REPO, env={**base, **env},
                          capture_output=True, text=True, timeout=60)


def test_turn_urls_without_a_turn_secret_are_refused(tmp_path):
    result = start_with(tmp_path, TURN_URLS="turn:turn.example.org:3478?transport=udp")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "TURN_SECRET" in result.stderr


def test_a_relay_only_deployment_without_turn_urls_is_refused(tmp_path):
    result = start_with(tmp_path, ICE_TRANSPORT_POLICY="relay")
    assert result.returncode != 0
    assert "ICE_TRANSPORT_POLICY=relay needs TURN_URLS" in result.stderr


@pytest.mark.parametrize("env", [
    {"ICE_TRANSPORT_POLICY": "public"},
    {"TURN_URLS": "https://turn.example.org", "TURN_SECRET": "x"},
    {"STUN_URLS": "turn:turn.example.org"},
    {"TURN_CREDENTIAL_LIFETIME": "10", "TURN_URLS": "turn:t.example.org", "TURN_SECRET": "x"},
])
def test_values_that_cannot_work_are_refused(tmp_path, env):
    result = start_with(tmp_path, **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert any(name in result.stderr for name in env)


def test_turn_urls_with_a_secret_and_a_relay_policy_start(tmp_path):
    result = start_with(tmp_path, TURN_URLS="turn:turn.example.org:3478?transport=udp,turns:turn.example.org:5349",
                        TURN_SECRET="s3cret", ICE_TRANSPORT_POLICY="relay", STUN_URLS="stun:stun.example.org")
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout
