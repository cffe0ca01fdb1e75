"""The Janus configuration Confer ships (deploy/janus/) and writes (manage.py janus_config) keeps Janus's APIs off
public interfaces and usable by Confer alone. Plain file checks: these run anywhere, without Janus."""

import re
import subprocess
import sys

import pytest

from sfu.janus_config import janus_files
from tests.servers import REPO

SHIPPED = REPO / "deploy" / "janus"


def parse(text):
    """Return {section: {key: value}} of a .jcfg file (libconfig, as Janus writes it: one setting a line)."""
    sections, current = {}, None
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line.endswith(": {"):
            current = sections.setdefault(line[:-3].strip(), {})
        elif line == "}":
            current = None
        elif "=" in line and current is not None:
            key, value = (part.strip() for part in line.split("=", 1))
            current[key] = value.strip('"')
    return sections


def shipped(name):
    return parse((SHIPPED / name).read_text())


def test_the_shipped_files_are_what_the_writer_makes():
    made = janus_files(token_secret="@JANUS_TOKEN_SECRET@", admin_key="@JANUS_ADMIN_KEY@",
                       admin_secret="@JANUS_ADMIN_SECRET@", stun_urls=["stun:stun.example.org:3478"],
                       lib_dir="/usr/lib/x86_64-linux-gnu/janus")
    assert sorted(path.name for path in SHIPPED.glob("*.jcfg")) == sorted(made)
    for name, text in made.items():
        assert (SHIPPED / name).read_text() == text, f"deploy/janus/{name} differs from sfu/janus_config.py"


def test_the_janus_api_listens_on_loopback_over_websocket_only_and_only_confer_may_connect():
    websockets = shipped("janus.transport.websockets.jcfg")
    assert websockets["general"]["ws_ip"] == "127.0.0.1"
    assert websockets["general"]["ws_acl"] == "127."
    assert websockets["general"]["wss"] == "false"
    assert websockets["admin"]["admin_ws"] == "false"
    http = shipped("janus.transport.http.jcfg")
    assert http["general"]["http"] == "false", "the Janus API must not be served over HTTP"
    assert http["admin"]["admin_ip"] == "127.0.0.1" and http["admin"]["admin_acl"] == "127."


def test_every_request_needs_a_token_only_confer_can_sign_and_rooms_need_its_admin_key():
    general = shipped("janus.jcfg")["general"]
    assert general["token_auth"] == "true"
    assert general["token_auth_secret"] == "@JANUS_TOKEN_SECRET@"
    assert general["admin_secret"] == "@JANUS_ADMIN_SECRET@"
    assert general["debug_colors"] == "false"
    videoroom = shipped("janus.plugin.videoroom.jcfg")
    assert videoroom["general"]["admin_key"] == "@JANUS_ADMIN_KEY@"
    assert videoroom["general"]["string_ids"] == "true"
    assert "room-" not in (SHIPPED / "janus.plugin.videoroom.jcfg").read_text(), "no demo rooms"


def test_only_the_videoroom_plugin_and_the_needed_transports_load():
    main = shipped("janus.jcfg")
    disabled_plugins = set(main["plugins"]["disable"].split(","))
    assert "libjanus_videoroom.so" not in disabled_plugins
    for plugin in ("streaming", "echotest", "sip", "recordplay", "audiobridge", "textroom"):
        assert f"libjanus_{plugin}.so" in disabled_plugins
    disabled_transports = set(main["transports"]["disable"].split(","))
    assert {"libjanus_mqtt.so", "libjanus_rabbitmq.so", "libjanus_nanomsg.so", "libjanus_pfunix.so"} <= disabled_transports


def test_janus_uses_confers_stun_server():
    nat = shipped("janus.jcfg")["nat"]
    assert (nat["stun_server"], nat["stun_port"]) == ("stun.example.org", "3478")


def test_the_command_writes_a_private_config_from_the_settings(tmp_path):
    env = {"DEBUG": "1", "JANUS_URLS": "ws://10.1.2.3:8188", "JANUS_TOKEN_SECRET": "t" * 24,
           "JANUS_ADMIN_KEY": "k" * 24, "STUN_URLS": "stun:stun.example.net:3479", "CONFER_VAR_DIR": str(tmp_path)}
    import os

    result = subprocess.run([sys.executable, "manage.py", "janus_config", str(tmp_path / "janus"),
                             "--allow-from", "10.1.2."], cwd=REPO, env={**os.environ, **env},
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    directory = tmp_path / "janus"
    assert directory.stat().st_mode & 0o077 == 0
    main = parse((directory / "janus.jcfg").read_text())
    assert main["general"]["token_auth_secret"] == "t" * 24
    assert len(main["general"]["admin_secret"]) >= 24, "a fresh random admin secret"
    assert main["nat"]["stun_server"] == "stun.example.net"
    websockets = parse((directory / "janus.transport.websockets.jcfg").read_text())
    assert websockets["general"]["ws_ip"] == "10.1.2.3" and websockets["general"]["ws_acl"] == "10.1.2."
    assert parse((directory / "janus.plugin.videoroom.jcfg").read_text())["general"]["admin_key"] == "k" * 24
    for path in directory.iterdir():
        assert path.stat().st_mode & 0o077 == 0, f"{path.name} is readable by others"


@pytest.mark.parametrize("env, says", [
    ({"JANUS_URLS": "http://127.0.0.1:8188"}, "is not a ws:// or wss:// URL"),
    ({"JANUS_URLS": "ws://127.0.0.1:8188"}, "set JANUS_TOKEN_SECRET and JANUS_ADMIN_KEY"),
])
def test_a_janus_setting_that_cannot_work_stops_start_up(env, says):
    from tests.config.test_settings import settings_with

    code, errors = settings_with({"DEBUG": "1", "CONFER_VAR_DIR": "/tmp/confer-settings-test", **env})
    assert code != 0
    assert says in errors
