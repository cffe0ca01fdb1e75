"""Settings come from the environment, refuse bad values loudly, and every one of them is documented."""

import os
import re
import subprocess
import sys

import pytest

from tests.servers import REPO


def settings_with(env):
    """Import the settings in a fresh interpreter with this environment; return (exit code, stderr)."""
    clean = {key: value for key, value in os.environ.items()
             if key not in {"DEBUG", "SECRET_KEY", "ROOM_TOKEN_SECRET", "REDIS_URL", "DATABASE_URL", "TURN_URLS"}}
    clean.update({"DJANGO_SETTINGS_MODULE": "config.settings", **env})
    result = subprocess.run([sys.executable, "-c", "import django; django.setup()"], cwd=REPO, env=clean,
                            capture_output=True, text=True, timeout=60)
    return result.returncode, result.stderr


def test_every_variable_the_settings_read_is_documented():
    source = (REPO / "config" / "settings.py").read_text()
    names = set(re.findall(r'env_(?:str|bool|int|list|choice)\("([A-Z_]+)"', source))
    documented = (REPO / "docs" / "configuration.md").read_text()
    assert names, "no variables found: the pattern no longer matches settings.py"
    missing = sorted(name for name in names if f"`{name}`" not in documented)
    assert missing == []


def test_with_nothing_set_but_debug_the_defaults_work():
    code, errors = settings_with({"DEBUG": "1", "CONFER_VAR_DIR": "/tmp/confer-settings-test"})
    assert code == 0, errors


def test_the_development_secret_key_is_refused_without_debug(tmp_path):
    code, errors = settings_with({"ROOM_TOKEN_SECRET": "x" * 40, "CONFER_VAR_DIR": str(tmp_path)})
    assert code != 0
    assert "SECRET_KEY is not set" in errors


def test_manage_py_in_a_fresh_shell_finds_the_secrets_scripts_run_keeps_in_the_var_dir(tmp_path):
    (tmp_path / "secret_key").write_text("k" * 64 + "\n")
    (tmp_path / "room_token_secret").write_text("t" * 64 + "\n")
    script = ("import django; django.setup(); from django.conf import settings as s; "
              "print(s.SECRET_KEY == 'k' * 64, s.ROOM_TOKEN_SECRET == 't' * 64)")
    env = {key: value for key, value in os.environ.items() if key not in {"DEBUG", "SECRET_KEY", "ROOM_TOKEN_SECRET"}}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings", "CONFER_VAR_DIR": str(tmp_path)})
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True"]
    # The environment still wins over the files.
    env["SECRET_KEY"] = "e" * 64
    script = "import django; django.setup(); from django.conf import settings as s; print(s.SECRET_KEY == 'e' * 64)"
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True)
    assert result.stdout.split() == ["True"], result.stderr


@pytest.mark.parametrize(
    "env, says",
    [
        ({"DEBUG": "maybe"}, "DEBUG='maybe' is not a boolean"),
        ({"SIGNALLING_JOIN_TIMEOUT": "soon"}, "SIGNALLING_JOIN_TIMEOUT='soon' is not an integer"),
        ({"ROOM_DEFAULT_MAX_PARTICIPANTS": "1"}, "below the minimum"),
        ({"ROOM_TOKEN_SECRET": "short"}, "ROOM_TOKEN_SECRET must be at least 32 bytes"),
        ({"COMPOSE_VIDEO_SIZE": "1280x721"}, "COMPOSE_VIDEO_SIZE='1280x721' is not WIDTHxHEIGHT with even numbers"),
        ({"COMPOSE_VIDEO_SIZE": "big"}, "COMPOSE_VIDEO_SIZE='big' is not WIDTHxHEIGHT"),
        ({"COMPOSE_NICE": "20"}, "COMPOSE_NICE=20 is above the maximum 19"),
    ],
)
def test_a_bad_value_stops_start_up_naming_the_variable(env, says):
    base = {"SECRET_KEY": "s" * 50, "ROOM_TOKEN_SECRET": "r" * 40, "CONFER_VAR_DIR": "/tmp/confer-settings-test"}
    code, errors = settings_with({**base, **env})
    assert code != 0
    assert says in errors


def test_redis_url_switches_the_channel_layer_and_database_url_the_database():
    script = ("import django; django.setup(); from django.conf import settings as s; "
              "print(s.CHANNEL_LAYERS['default']['BACKEND'], s.DATABASES['default']['ENGINE'])")
    env = {key: value for key, value in os.environ.items() if key not in {"SECRET_KEY"}}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "1", "REDIS_URL": "redis://127.0.0.1:1/0",
                "DATABASE_URL": "postgres://u:p@127.0.0.1:1/confer"})
    output = subprocess.run([sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True,
                            check=True).stdout
    assert output.split() == ["signalling.layers.SignallingRedisChannelLayer", "django.db.backends.postgresql"]
