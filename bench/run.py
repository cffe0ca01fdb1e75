"""Run the signalling benchmarks and write their figures as JSON.

    python bench/run.py                  # everything (about 40 minutes)
    python bench/run.py --quick          # small numbers, a couple of minutes: to see that it works
    python bench/run.py --configs inmemory-1 --scenarios relay-large

Each (configuration, scenario) runs against a fresh deployment: redis-server and daphne workers on free loopback
ports, stopped by PID afterwards. The load comes from bench/loadgen.py in its own process; the floor is
bench/floor_relay.py driven by the same load generator. docs/performance.md explains the figures.
"""

import argparse
import datetime
import json
import os
import platform
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.servers import Deployment, PostgresServer, RedisServer, free_port, stop_process, wait_for_port  # noqa: E402

SECRET = "confer-test-room-token-secret-0123456789abcdef"
TICKS = os.sysconf("SC_CLK_TCK")
BENCH_ENV = {
    # The throughput scenario sends far more than a person would: lift the per-socket rate limit.
    "SIGNALLING_RATE": "100000",
    "SIGNALLING_BURST": "100000",
    "LOG_LEVEL": "ERROR",
    # To compare worker tunings (config/serve.py): WORKER_UVLOOP=0 scripts/bench ...
    **{name: value for name, value in os.environ.items() if name.startswith("WORKER_")},
}

# The outside benchmark's shape (docs/performance.md, "Beside a bare relay"): rooms of 4, 256-byte signal
# messages, default rate limits, workers as scripts/run starts them. Scenarios marked "limits": "default" run so.
SIGNAL = {"per_room": 4, "size": 256, "duration": 20, "warmup": 3, "limits": "default"}
FULL = {
    "signal-10x2": {**SIGNAL, "rooms": 10, "rate": 2},
    "signal-250x2": {**SIGNAL, "rooms": 250, "rate": 2},
    "signal-50x20": {**SIGNAL, "rooms": 50, "rate": 20},
    "signal-throughput": {**SIGNAL, "rooms": 250, "rates": [2, 4, 6, 8, 10, 12, 14, 16, 20], "step_seconds": 6,
                          "p99_limit_ms": 20},
    "signal-overload": {**SIGNAL, "rooms": 250, "rate": 20},
    "signal-250x8": {**SIGNAL, "rooms": 250, "rate": 8},  # 8,000 relays/s: where to profile the relay path
    "storm": {"rooms": 250, "sockets": 1000, "concurrency": 64, "limits": "default"},
    "join": {"idle_rooms": 125, "per_room": 8, "join_rooms": 20, "joins": 300},
    "relay-small": {"rooms": 10, "per_room": 4, "rate": 2, "duration": 20},
    "relay-large": {"rooms": 250, "per_room": 4, "rate": 2, "duration": 20},
    "throughput": {"rooms": 50, "per_room": 6, "rates": [5, 10, 20, 30, 34, 37, 40, 50, 60, 80, 100, 130], "step_seconds": 6,
                   "p99_limit_ms": 20},
    "idle": {"rooms": 1250, "per_room": 8, "hold": 15},
    "delivery": {"rooms": 50, "per_room": 4, "rate": 2, "duration": 300, "churn_interval": 0.5},
}
QUICK = {
    "signal-10x2": {**SIGNAL, "rooms": 10, "rate": 2, "duration": 3},
    "signal-250x2": {**SIGNAL, "rooms": 30, "rate": 2, "duration": 3},
    "signal-50x20": {**SIGNAL, "rooms": 10, "rate": 20, "duration": 3},
    "signal-throughput": {**SIGNAL, "rooms": 20, "rates": [2, 10], "step_seconds": 2, "p99_limit_ms": 20},
    "signal-overload": {**SIGNAL, "rooms": 20, "rate": 40, "duration": 3},
    "signal-250x8": {**SIGNAL, "rooms": 20, "rate": 8, "duration": 3},
    "storm": {"rooms": 20, "sockets": 80, "concurrency": 16, "limits": "default"},
    "join": {"idle_rooms": 10, "per_room": 8, "join_rooms": 5, "joins": 30},
    "relay-small": {"rooms": 10, "per_room": 4, "rate": 2, "duration": 3},
    "relay-large": {"rooms": 30, "per_room": 4, "rate": 2, "duration": 3},
    "throughput": {"rooms": 10, "per_room": 6, "rates": [5, 20], "step_seconds": 2, "p99_limit_ms": 20},
    "idle": {"rooms": 40, "per_room": 8, "hold": 3},
    "delivery": {"rooms": 5, "per_room": 4, "rate": 2, "duration": 10, "churn_interval": 0.5},
}
CONFIGS = {
    "floor": {"workers": 1, "redis": False, "floor": True},
    "inmemory-1": {"workers": 1, "redis": False},
    "redis-1": {"workers": 1, "redis": True},
    # The peers of a room spread over two workers, as a round-robin proxy places them. As shipped, the workers hand
    # each room's sockets to the worker the room belongs on (config.handoff); `-no-handoff`: every relay between
    # the two workers crosses Redis.
    "redis-2": {"workers": 2, "redis": True, "env": {"WORKER_HANDOFF": "1"}},
    "redis-2-no-handoff": {"workers": 2, "redis": True, "env": {"WORKER_HANDOFF": "0"}},
    # A room's peers on one worker, as nginx's `hash $room_path consistent` places them (docs/deployment.md).
    "redis-2-affinity": {"workers": 2, "redis": True, "affinity": True},
    # PostgreSQL instead of SQLite (a throwaway cluster, as the tests start it: fsync off), one worker in-process.
    "postgres-1": {"workers": 1, "redis": False, "postgres": True},
}


def cpu_seconds(pid):
    """User + system CPU seconds a process has used so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS
    except (OSError, IndexError):
        return 0.0


def rss_bytes(pid):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def machine():
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory = next(int(line.split()[1]) * 1024 for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_bytes": memory, "kernel": platform.release(),
            "python": platform.python_version(), "load_average_at_start": os.getloadavg()}


class Target:
    """What the load generator points at: the floor relay, or a Confer deployment with its workers."""

    def __init__(self, name, spec, workdir):
        self.name, self.spec, self.workdir = name, spec, Path(workdir)
        self.redis = None
        self.postgres = None
        self.deployment = None
        self.floor = None
        self.pids = []
        self.urls = []

    def start(self, rooms_needed, limits="lifted"):
        if self.spec.get("floor"):
            port = free_port()
            self.floor = subprocess.Popen([sys.executable, str(REPO / "bench" / "floor_relay.py"), str(port)])
            wait_for_port(port, process=self.floor)
            self.pids = [self.floor.pid]
            self.urls = [f"ws://127.0.0.1:{port}"]
            return [f"room-{n}" for n in range(rooms_needed)]
        if self.spec["redis"]:
            self.redis = RedisServer(self.workdir / "redis").start()
        env = {**BENCH_ENV, **self.spec.get("env", {})}
        if self.spec.get("postgres"):
            self.postgres = PostgresServer().start()
            env["DATABASE_URL"] = self.postgres.url
        if limits == "default":  # as a deployment runs: the per-socket rate limits stay
            for name in ("SIGNALLING_RATE", "SIGNALLING_BURST"):
                env.pop(name)
        self.deployment = Deployment(self.workdir / "deployment", redis_url=self.redis.url if self.redis else None,
                                     extra_env=env).setup()
        slugs = self.deployment.run_python(
            "import json, secrets\nfrom accounts.models import User\nfrom meetings.models import Room\n"
            "owner = User.objects.create_user('bench', 'bench@example.org', 'bench-password-1')\n"
            f"rooms = [Room(slug='b' + secrets.token_hex(6), name='Bench', owner=owner, max_participants=20) "
            f"for _ in range({rooms_needed})]\n"
            "Room.objects.bulk_create(rooms, batch_size=500)\nprint(json.dumps([r.slug for r in rooms]))"
        )
        for _ in range(self.spec["workers"]):
            worker = self.deployment.start_worker()
            self.pids.append(worker.process.pid)
            self.urls.append(worker.ws_url)
        return slugs

    def stop(self):
        if self.floor:
            stop_process(self.floor)
        if self.deployment:
            self.deployment.stop()
            keep = os.environ.get("BENCH_LOGS")  # a directory to keep the workers' logs in, to see what failed
            if keep:
                Path(keep).mkdir(parents=True, exist_ok=True)
                for log in (self.workdir / "deployment").glob("daphne-*.log"):
                    (Path(keep) / f"{self.name}-{log.name}").write_bytes(log.read_bytes())
        if self.redis:
            self.redis.stop()
        if self.postgres:
            self.postgres.stop()


def rooms_needed(scenario, params):
    if scenario == "join":
        return params["idle_rooms"] + params["join_rooms"]
    return params["rooms"]


def run_scenario(config_name, scenario, params):
    spec = CONFIGS[config_name]
    with tempfile.TemporaryDirectory(prefix=f"confer-bench-{config_name}-{scenario}-") as workdir:
        target = Target(config_name, spec, workdir)
        try:
            slugs = target.start(rooms_needed(scenario, params), params.get("limits", "lifted"))
            kind = scenario.split("-")[0]
            if scenario == "signal-throughput":
                kind = "signalsteps"
            loadgen_config = {"scenario": kind, "urls": target.urls, "secret": SECRET, "concurrency": 50,
                              "affinity": spec.get("affinity", False), **params}
            if scenario == "join":
                loadgen_config["idle_rooms"] = slugs[: params["idle_rooms"]]
                loadgen_config["join_rooms"] = slugs[params["idle_rooms"]:]
            else:
                loadgen_config["rooms"] = slugs
            return drive(target, loadgen_config)
        finally:
            target.stop()


def start_profilers(target):
    """With BENCH_PROFILE=<directory>, py-spy samples each server process while the load runs.

    With BENCH_PROFILE_GIL=1 as well, only the thread holding the GIL is sampled: where the CPU goes, without the
    time threads spend waiting for it or for a lock.

    It writes collapsed stacks (one line a stack, with its count) that `bench/report.py --profile` or a flame-graph
    tool reads; docs/performance.md says what they showed.
    """
    directory = os.environ.get("BENCH_PROFILE")
    if not directory:
        return []
    Path(directory).mkdir(parents=True, exist_ok=True)
    profilers = []
    for n, pid in enumerate(target.pids):
        out = Path(directory) / f"{target.name}-{n}-{pid}.txt"
        profilers.append(subprocess.Popen(
            [str(Path(sys.executable).parent / "py-spy"), "record", "--pid", str(pid), "--rate", "250",
             "--nonblocking", "--format", "raw", "--output", str(out)]
            + (["--gil"] if os.environ.get("BENCH_PROFILE_GIL") else []),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    return profilers


def drive(target, loadgen_config):
    server_cpu_before = sum(cpu_seconds(pid) for pid in target.pids)
    rss_before = [rss_bytes(pid) for pid in target.pids]
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, str(REPO / "bench" / "loadgen.py"), json.dumps(loadgen_config)],
                               stdout=subprocess.PIPE, text=True)
    profilers = start_profilers(target)
    result, rss_ready, loadgen_cpu, marks = None, None, 0.0, {}
    for line in process.stdout:
        loadgen_cpu = cpu_seconds(process.pid) or loadgen_cpu
        message = json.loads(line)
        if "mark" in message:  # the servers' CPU at a point the scenario names
            marks[message["mark"]] = (time.monotonic(), sum(cpu_seconds(pid) for pid in target.pids))
        if message.get("ready"):
            rss_ready = [rss_bytes(pid) for pid in target.pids]
        if "result" in message:
            result = message["result"]
    process.wait(timeout=60)
    wall = time.monotonic() - started
    for profiler in profilers:  # py-spy writes its file on SIGINT
        profiler.send_signal(signal.SIGINT)
        profiler.wait(timeout=60)
    server_cpu = sum(cpu_seconds(pid) for pid in target.pids) - server_cpu_before
    cores = os.cpu_count()
    result = dict(result or {"failed": True})
    result["load_generator_cpu_share"] = round(loadgen_cpu / wall / cores, 3)
    result["servers_cpu_share"] = round(server_cpu / wall / cores, 3)
    result["wall_seconds"] = round(wall, 1)
    if "storm-start" in marks and "storm-joined" in marks and result.get("sockets"):
        # The joins alone, without the start-up and the closing: the figure that load elsewhere moves least.
        (began, cpu_began), (ended, cpu_ended) = marks["storm-start"], marks["storm-joined"]
        result["servers_cpu_ms_per_join"] = round((cpu_ended - cpu_began) * 1000 / result["sockets"], 3)
        result["joins_per_s"] = round(result["sockets"] / (ended - began))
    if rss_ready:
        alive = max(1, result.get("sockets_alive_at_end", 1))
        grown = sum(after - before for after, before in zip(rss_ready, rss_before))
        result["server_rss_bytes"] = sum(rss_ready)
        result["server_bytes_per_socket"] = round(grown / alive)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--configs", default=",".join(CONFIGS))
    parser.add_argument("--scenarios", default=",".join(FULL))
    parser.add_argument("--out", default=str(REPO / "bench" / "results" / "latest.json"))
    args = parser.parse_args()
    # Stopped with SIGTERM, exit normally so that every server this run started is stopped by its finally.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # the workers inherit it: 10,000 sockets need it

    table = QUICK if args.quick else FULL
    report = {"when": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
              "quick": args.quick, "machine": machine(), "parameters": table, "results": {}}
    for config_name in args.configs.split(","):
        for scenario in args.scenarios.split(","):
            print(f"== {config_name} / {scenario}", flush=True)
            try:
                figures = run_scenario(config_name, scenario, table[scenario])
            except Exception as error:  # one broken scenario must not cost the rest of a long run
                figures = {"failed": f"{type(error).__name__}: {error}"[:500]}
            figures["load_average_after"] = os.getloadavg()
            report["results"].setdefault(config_name, {})[scenario] = figures
            print(json.dumps(figures, indent=None), flush=True)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwritten to {out}")


if __name__ == "__main__":
    main()
