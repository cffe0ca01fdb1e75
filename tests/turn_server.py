"""A real coturn for tests: `turnserver -c FILE` in the foreground on free loopback ports, stopped by PID.

Two kinds of config:
- `test_config`: the small config of docs/turn.md with `allow-loopback-peers`, so that two browsers on this machine can
  relay to each other through 127.0.0.1. Tests only: it lets clients reach the TURN host's own services.
- `production_config`: deploy/coturn/turnserver.conf as it is, with only where it listens, its files and its secret
  replaced; every deny rule of the real file stays.
"""

import random
import shutil
import socket
import subprocess
import time
from pathlib import Path

from tests.servers import LOOPBACK, REPO, free_port, stop_process, wait_for_port

PRODUCTION_CONFIG = REPO / "deploy" / "coturn" / "turnserver.conf"
TEST_REALM = "confer.test"
# Keys a test replaces in the production file: where it listens and relays, its files, its secret and its realm.
REPLACED_KEYS = {
    "listening-port", "tls-listening-port", "listening-ip", "relay-ip", "external-ip", "min-port", "max-port",
    "static-auth-secret", "realm", "cert", "pkey", "syslog", "log-file", "pidfile", "userdb", "no-tls", "no-dtls",
}


def free_udp_and_tcp_port():
    """Return a port free for both UDP and TCP on 127.0.0.1 (coturn listens on both)."""
    for _ in range(50):
        port = free_port()
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            try:
                sock.bind((LOOPBACK, port))
            except OSError:
                continue
        return port
    raise RuntimeError("no port free for both UDP and TCP")


def config_key(line):
    stripped = line.strip()
    if not stripped or stripped.startswith("#"):
        return None
    return stripped.split("=", 1)[0].strip()


class TurnServer:
    """One coturn process with a secret of its own, listening and relaying on 127.0.0.1 only."""

    def __init__(self, workdir, secret, base_config=None, allow_loopback_peers=True):
        self.workdir = Path(workdir)
        self.secret = secret
        self.base_config = Path(base_config) if base_config else None
        self.allow_loopback_peers = allow_loopback_peers
        self.port = free_udp_and_tcp_port()
        self.min_port = random.randrange(20000, 59000, 100)
        self.max_port = self.min_port + 99
        self.realm = TEST_REALM
        self.process = None

    @classmethod
    def test_config(cls, workdir, secret):
        return cls(workdir, secret, base_config=None, allow_loopback_peers=True)

    @classmethod
    def production_config(cls, workdir, secret):
        return cls(workdir, secret, base_config=PRODUCTION_CONFIG, allow_loopback_peers=False)

    @property
    def config_path(self):
        return self.workdir / f"turnserver-{self.port}.conf"

    @property
    def log_path(self):
        return self.workdir / f"turnserver-{self.port}.log"

    def url(self, transport="udp"):
        return f"turn:{LOOPBACK}:{self.port}?transport={transport}"

    @property
    def urls(self):
        return [self.url("udp"), self.url("tcp")]

    def base_lines(self):
        if self.base_config is None:
            return ["use-auth-secret", "fingerprint", "no-cli", "no-multicast-peers", "simple-log", "no-rfc5780", "verbose"]
        kept = []
        for line in self.base_config.read_text().splitlines():
            key = config_key(line)
            if key is None or key in REPLACED_KEYS:
                continue
            if key == "allow-loopback-peers":
                raise AssertionError(f"{self.base_config} sets allow-loopback-peers: that makes it an open relay")
            kept.append(line.strip())
        return kept

    def render_config(self):
        lines = self.base_lines()
        lines += [
            f"listening-ip={LOOPBACK}",
            f"relay-ip={LOOPBACK}",
            f"listening-port={self.port}",
            f"min-port={self.min_port}",
            f"max-port={self.max_port}",
            f"realm={self.realm}",
            f"static-auth-secret={self.secret}",
            "no-tls",
            "no-dtls",
            f"log-file={self.log_path}",
            f"pidfile={self.workdir / f'turnserver-{self.port}.pid'}",
            f"userdb={self.workdir / f'turndb-{self.port}.sqlite3'}",
        ]
        if self.allow_loopback_peers:
            lines.append("allow-loopback-peers")  # tests only: see the module docstring
        return "\n".join(lines) + "\n"

    def start(self):
        binary = shutil.which("turnserver") or "/usr/bin/turnserver"
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.config_path.write_text(self.render_config())
        self.stdout = open(self.workdir / f"turnserver-{self.port}.stdout", "ab")
        self.process = subprocess.Popen(
            [binary, "-c", str(self.config_path)], stdout=self.stdout, stderr=subprocess.STDOUT
        )
        wait_for_port(self.port, process=self.process)
        self.wait_for_relay_threads()
        return self

    def wait_for_relay_threads(self, timeout=10):
        """coturn accepts TCP before its UDP listeners run; wait for the log line that says they do."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.log_path.exists() and "Total General servers" in self.log_path.read_text(errors="replace"):
                return
            time.sleep(0.05)

    def log(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self):
        if self.process is not None:
            stop_process(self.process)
            self.stdout.close()
