"""Real servers for tests: redis-server and daphne as subprocesses, on free loopback ports, stopped by PID.

They run the way a person runs them, so a test through them exercises what a deployment does.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
LOOPBACK = "127.0.0.1"


def free_port():
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def wait_for_port(port, timeout=20, process=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process {process.args[0]} exited with {process.returncode} before listening")
        try:
            with socket.create_connection((LOOPBACK, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listened on {LOOPBACK}:{port} within {timeout}s")


def stop_process(process, timeout=10):
    """Stop a process we started: SIGTERM, then SIGKILL if it does not go."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout)


class RedisServer:
    """A throwaway redis-server on a free loopback port, with nothing saved to disk."""

    def __init__(self, workdir):
        self.workdir = Path(workdir)
        self.port = free_port()
        self.process = None

    @property
    def url(self):
        return f"redis://{LOOPBACK}:{self.port}/0"

    def start(self):
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.log = open(self.workdir / f"redis-{self.port}.log", "ab")
        self.process = subprocess.Popen(
            [binary, "--bind", LOOPBACK, "--port", str(self.port), "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir), "--protected-mode", "yes"],
            stdout=self.log, stderr=subprocess.STDOUT,
        )
        wait_for_port(self.port, process=self.process)
        return self

    def stop(self):
        if self.process is not None:
            stop_process(self.process)
            self.log.close()

    def kill(self):
        """Kill it as a crash would."""
        self.process.kill()
        self.process.wait()


class Deployment:
    """One Confer deployment: a var dir with its SQLite database, shared by the daphne workers it starts."""

    def __init__(self, workdir, redis_url=None, extra_env=None):
        self.workdir = Path(workdir)
        self.redis_url = redis_url
        self.extra_env = dict(extra_env or {})
        self.workers = []
        self.commands = []

    @property
    def env(self):
        env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "REDIS_URL", "DEBUG"}}
        env.update(
            {
                "SECRET_KEY": "confer-test-deployment-secret",
                "ROOM_TOKEN_SECRET": "confer-test-room-token-secret-0123456789abcdef",
                "CONFER_VAR_DIR": str(self.workdir / "var"),
                "PYTHONUNBUFFERED": "1",
                "LOG_LEVEL": "WARNING",
            }
        )
        if self.redis_url:
            env["REDIS_URL"] = self.redis_url
            # Tests put a room's people on chosen workers to test what crosses Redis, so the workers do not gather
            # a room's sockets (config.handoff) unless a test asks. Their hand-off directory is this deployment's
            # own, and short: a Unix socket's path has room for 107 bytes.
            env["WORKER_HANDOFF"] = "0"
            env["WORKER_HANDOFF_DIR"] = self.handoff_dir
        env.update(self.extra_env)
        return env

    @property
    def handoff_dir(self):
        if getattr(self, "_handoff_dir", None) is None:
            self._handoff_dir = tempfile.mkdtemp(prefix="confer-handoff-")
        return self._handoff_dir

    def manage(self, *args, input_text=None):
        """Run a management command against this deployment's database and return its output."""
        result = subprocess.run(
            [PYTHON, "manage.py", *args], cwd=REPO, env=self.env, input=input_text,
            capture_output=True, text=True, timeout=120,
        )
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def setup(self):
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.manage("migrate", "--noinput")
        return self

    def run_python(self, code):
        """Run Django code in this deployment (users, rooms); the last printed line is parsed as JSON."""
        output = self.manage("shell", "-c", code)
        lines = [line for line in output.splitlines() if line.strip()]
        return json.loads(lines[-1]) if lines else None

    def create_user(self, username, password, display_name=""):
        return self.run_python(
            "import json\nfrom accounts.models import User\n"
            f"u = User.objects.create_user({username!r}, {username + '@example.org'!r}, {password!r}, "
            f"display_name={display_name!r})\nprint(json.dumps(u.pk))"
        )

    def create_room(self, owner_username, name, access="link", members=(), max_participants=8):
        return self.run_python(
            "import json\nfrom accounts.models import User\nfrom meetings import actions\n"
            f"room = actions.create_room(User.objects.get(username={owner_username!r}), {name!r}, {access!r}, "
            f"{max_participants!r})\n"
            f"for m in {list(members)!r}:\n    actions.add_member(room, User.objects.get(username=m))\n"
            "print(json.dumps(room.slug))"
        )

    def start_worker(self, wait_healthy=True, **kwargs):
        worker = DaphneWorker(self, **kwargs).start(wait_healthy=wait_healthy)
        self.workers.append(worker)
        return worker

    def start_command(self, *args, env=None):
        """Start a long-running management command (e.g. deliver_webhooks) as its own process."""
        command = ManagementCommand(self, args, env).start()
        self.commands.append(command)
        return command

    def sql(self, query, *params):
        """Read this deployment's SQLite database directly (fast: no Django start-up); return the rows."""
        import sqlite3

        with sqlite3.connect(self.workdir / "var" / "confer.sqlite3", timeout=20) as connection:
            return connection.execute(query, params).fetchall()

    def stop(self):
        for command in self.commands:
            command.stop()
        for worker in self.workers:
            worker.stop()
        if getattr(self, "_handoff_dir", None):
            shutil.rmtree(self._handoff_dir, ignore_errors=True)


class ManagementCommand:
    """`python manage.py <args>` running as its own process for the deployment, stopped (or killed) by PID."""

    def __init__(self, deployment, args, env=None):
        self.deployment = deployment
        self.args = list(args)
        self.env = dict(env or {})
        self.process = None

    def start(self):
        self.log_path = self.deployment.workdir / f"{self.args[0]}-{len(self.deployment.commands)}.log"
        self.log = open(self.log_path, "ab")
        self.process = subprocess.Popen([PYTHON, "manage.py", *self.args], cwd=REPO,
                                        env={**self.deployment.env, **self.env}, stdout=self.log,
                                        stderr=subprocess.STDOUT)
        return self

    def output(self):
        return self.log_path.read_text(errors="replace")

    def stop(self):
        if self.process is not None:
            stop_process(self.process)
            self.log.close()

    def kill(self):
        """SIGKILL, as a crash would."""
        self.process.kill()
        self.process.wait()
        self.log.close()


class DaphneWorker:
    """One daphne process serving the deployment, as `scripts/run` starts it."""

    def __init__(self, deployment, port=None, env=None):
        self.deployment = deployment
        self.port = port or free_port()
        self.env = dict(env or {})
        self.process = None

    @property
    def base_url(self):
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def ws_url(self):
        return f"ws://{LOOPBACK}:{self.port}"

    def start(self, wait_healthy=True):
        log_path = self.deployment.workdir / f"daphne-{self.port}.log"
        self.log_path = log_path
        self.log = open(log_path, "ab")
        self.process = subprocess.Popen(
            [PYTHON, "-m", "config.serve", "-b", LOOPBACK, "-p", str(self.port)],  # as scripts/run starts it
            cwd=REPO, env={**self.deployment.env, **self.env}, stdout=self.log, stderr=subprocess.STDOUT,
        )
        wait_for_port(self.port, timeout=30, process=self.process)
        if wait_healthy:
            self.wait_healthy()
        return self

    def wait_healthy(self, timeout=20):
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(self.base_url + "/healthz", timeout=5) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"daphne on port {self.port} never became healthy")
            time.sleep(0.1)

    def stop(self):
        if self.process is not None:
            stop_process(self.process)
            self.log.close()

    def kill(self):
        """SIGKILL, as a crash would."""
        self.process.kill()
        self.process.wait()


class PostgresServer:
    """A throwaway PostgreSQL cluster on a free loopback port, run as the `postgres` system user, stopped by PID."""

    def __init__(self):
        # Its own directory right under /tmp: pytest's are private to root, and PostgreSQL refuses to run as root.
        self.workdir = Path(tempfile.mkdtemp(prefix="confer-postgres-"))
        self.port = free_port()
        self.process = None

    @property
    def url(self):
        return f"postgres://confer@{LOOPBACK}:{self.port}/confer"

    @staticmethod
    def binary(name):
        found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
        if not found:
            raise FileNotFoundError(f"PostgreSQL's {name} is not installed (apt-get install postgresql)")
        return str(found[-1])

    def start(self):
        import pwd

        account = pwd.getpwnam("postgres")
        data = self.workdir / "data"
        data.mkdir(parents=True, exist_ok=True)
        as_postgres = {}
        if os.getuid() == 0:
            os.chown(self.workdir, account.pw_uid, account.pw_gid)
            os.chown(data, account.pw_uid, account.pw_gid)
            as_postgres = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": [], "cwd": self.workdir}
        subprocess.run([self.binary("initdb"), "-D", str(data), "-A", "trust", "-U", "confer", "--no-sync"],
                       check=True, capture_output=True, **as_postgres)
        self.log = open(self.workdir / "postgres.log", "ab")
        self.process = subprocess.Popen(
            [self.binary("postgres"), "-D", str(data), "-h", LOOPBACK, "-p", str(self.port), "-k", str(self.workdir),
             "-c", "fsync=off", "-c", "max_connections=200"],
            stdout=self.log, stderr=subprocess.STDOUT, **as_postgres,
        )
        wait_for_port(self.port, process=self.process)
        for _ in range(100):
            created = subprocess.run([self.binary("createdb"), "-h", LOOPBACK, "-p", str(self.port), "-U", "confer",
                                      "confer"], capture_output=True)
            if created.returncode == 0:
                return self
            time.sleep(0.1)
        raise RuntimeError(f"could not create the database: {created.stderr!r}")

    def stop(self):
        if self.process is not None:
            stop_process(self.process)
            self.log.close()
        shutil.rmtree(self.workdir, ignore_errors=True)


class WebhookReceiver:
    """tests/webhook_receiver.py as its own process: checks every signature, logs every request it reads."""

    def __init__(self, workdir, secret, port=None, delay=0.0, status=0):
        self.workdir = Path(workdir)
        self.secret = secret
        self.port = port or free_port()
        self.delay = delay
        self.status = status
        self.log_path = self.workdir / f"received-{self.port}.jsonl"
        self.process = None

    @property
    def url(self):
        return f"http://{LOOPBACK}:{self.port}/hooks"

    def start(self):
        self.workdir.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "WEBHOOK_SECRET": self.secret, "RESPONSE_DELAY": str(self.delay),
               "RESPONSE_STATUS": str(self.status)}
        self.process = subprocess.Popen([PYTHON, str(REPO / "tests" / "webhook_receiver.py"), str(self.port),
                                         str(self.log_path)], cwd=REPO, env=env)
        wait_for_port(self.port, process=self.process)
        return self

    def received(self):
        """Every request it has read so far, oldest first."""
        if not self.log_path.exists():
            return []
        return [json.loads(line) for line in self.log_path.read_text().splitlines() if line.strip()]

    def wait_for(self, predicate, timeout=60, what="the webhooks"):
        """Wait until predicate(received) is true; return what was received."""
        deadline = time.monotonic() + timeout
        while True:
            received = self.received()
            if predicate(received):
                return received
            if time.monotonic() > deadline:
                raise TimeoutError(f"{what} did not arrive within {timeout}s; got {len(received)} requests")
            time.sleep(0.05)

    def stop(self):
        if self.process is not None:
            stop_process(self.process)
