"""`python manage.py recorder` as a subprocess of a test Deployment, stopped by PID."""

import signal
import subprocess
import time

from tests.servers import PYTHON, REPO, stop_process


class RecorderProcess:
    """A recorder process of a deployment, as an operator runs it."""

    def __init__(self, deployment, worker, prefix=(), **env):
        self.deployment = deployment
        self.worker = worker
        self.prefix = list(prefix)  # e.g. ["taskset", "-c", "0"]: run it as this command's child
        self.extra_env = env
        self.process = None

    def start(self, wait=True):
        self.log_path = self.deployment.workdir / f"recorder-{time.monotonic_ns()}.log"
        self.log = open(self.log_path, "ab")
        env = {**self.deployment.env, "RECORDER_SIGNALLING_URL": self.worker.ws_url, **self.extra_env}
        self.process = subprocess.Popen(
            [*self.prefix, PYTHON, "manage.py", "recorder"], cwd=REPO, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout=30):
        """Wait until it has registered itself (it logs a line when it has)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the recorder exited with {self.process.returncode}:\n{self.output()}")
            if " ready: " in self.output():
                return
            time.sleep(0.1)
        raise TimeoutError(f"the recorder did not start:\n{self.output()}")

    def output(self):
        return self.log_path.read_text(errors="replace")

    def terminate(self, timeout=20):
        """SIGTERM, as systemd stops it; return its exit code."""
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)

    def kill(self):
        """SIGKILL, as a crash would."""
        self.process.kill()
        self.process.wait()

    def stop(self):
        if self.process is not None:
            stop_process(self.process, timeout=20)
            self.log.close()
