"""A real Janus (Debian's package) for tests, configured by Confer's own writer (sfu/janus_config.py), on free
loopback ports, stopped or killed by PID.

Janus never gathers loopback candidates, so its media tests run inside the private network namespace scripts/test
makes (lo plus a veth pair carrying 127.0.0.2; ../shared/RECIPES.md). `in_test_namespace()` says whether we are in it;
outside it, tests that need Janus media are skipped rather than run against the machine's real interfaces.
"""

import json
import secrets
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

from sfu.janus_config import write_janus_config
from tests.servers import LOOPBACK, free_port, stop_process

JANUS = shutil.which("janus") or "/usr/bin/janus"
NAMESPACE_ADDRESS = "127.0.0.2"


def in_test_namespace():
    """Return whether this process runs in scripts/test's namespace: 127.0.0.2 on a non-loopback link, and no other
    address but loopback ones (so Janus can only ever offer 127.0.0.2)."""
    try:
        output = subprocess.run(["ip", "-o", "-4", "addr", "show"], capture_output=True, text=True, timeout=5).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    addresses = [(line.split()[1], line.split()[3].split("/")[0]) for line in output.splitlines() if line.split()]
    has_veth = any(address == NAMESPACE_ADDRESS and device != "lo" for device, address in addresses)
    only_loopback = all(address.startswith("127.") for _, address in addresses)
    return has_veth and only_loopback


def free_port_range(size=60):
    """Return "first-last": a UDP range that nothing on 127.0.0.2/127.0.0.1 seems to use (best effort)."""
    while True:
        first = 20000 + secrets.randbelow(30000)
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
                probe.bind((LOOPBACK, first))
            return f"{first}-{first + size}"
        except OSError:
            continue


class JanusServer:
    """One Janus instance: its own config dir, WebSocket API and HTTP (API and admin) on free loopback ports."""

    def __init__(self, workdir, token_secret=None, admin_key=None, stun_urls=()):
        self.workdir = Path(workdir)
        self.token_secret = token_secret or secrets.token_urlsafe(24)
        self.admin_key = admin_key or secrets.token_urlsafe(24)
        self.admin_secret = secrets.token_urlsafe(24)
        self.ws_port = free_port()
        self.http_port = free_port()
        self.admin_port = free_port()
        self.stun_urls = stun_urls
        self.process = None

    @property
    def url(self):
        return f"ws://{LOOPBACK}:{self.ws_port}"

    @property
    def config_dir(self):
        return self.workdir / "conf"

    @property
    def log_path(self):
        return self.workdir / "janus.log"

    def start(self):
        write_janus_config(self.config_dir, token_secret=self.token_secret, admin_key=self.admin_key,
                           ws_port=self.ws_port, http_port=self.http_port, admin_port=self.admin_port,
                           rtp_ports=free_port_range(), stun_urls=self.stun_urls, admin_secret=self.admin_secret)
        self.process = subprocess.Popen([JANUS, "-F", str(self.config_dir), "-L", str(self.log_path), "-N"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        self.wait_for_websockets()
        return self

    def wait_for_websockets(self, timeout=20):
        # A busy port does not stop Janus: it runs on without the WebSocket transport. Wait for that transport.
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"janus exited with {self.process.returncode}: {self.log_tail()}")
            try:
                with urllib.request.urlopen(f"http://{LOOPBACK}:{self.http_port}/janus/info", timeout=1) as reply:
                    info = json.loads(reply.read())
                if "janus.transport.websockets" in info.get("transports", {}):
                    with socket.create_connection((LOOPBACK, self.ws_port), timeout=0.5):
                        return
            except OSError:
                pass
            time.sleep(0.05)
        raise TimeoutError(f"Janus's WebSocket API never came up on {self.ws_port}: {self.log_tail()}")

    def log_tail(self, lines=30):
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def admin(self, request, **fields):
        """Ask the admin API (loopback only, with the admin secret); return the reply."""
        body = json.dumps({"janus": request, "transaction": secrets.token_hex(6), "admin_secret": self.admin_secret,
                           **fields}).encode()
        with urllib.request.urlopen(urllib.request.Request(
                f"http://{LOOPBACK}:{self.admin_port}/admin", data=body, method="POST"), timeout=5) as reply:
            return json.loads(reply.read())

    def stop(self):
        if self.process is not None:
            stop_process(self.process, timeout=5)

    def kill(self):
        """SIGKILL, as a crash would."""
        self.process.kill()
        self.process.wait()

    @property
    def env(self):
        """What a Confer deployment needs to use this instance alone."""
        return {"JANUS_URLS": self.url, "JANUS_TOKEN_SECRET": self.token_secret, "JANUS_ADMIN_KEY": self.admin_key}
