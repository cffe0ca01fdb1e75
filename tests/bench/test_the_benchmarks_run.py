"""The benchmarks keep working: a quick run of one scenario produces figures (their values are not judged here)."""

import json
import subprocess
import sys

import pytest

from tests.servers import REPO

pytestmark = pytest.mark.slow


def test_a_quick_relay_benchmark_against_one_worker_reports_latencies(tmp_path):
    out = tmp_path / "bench.json"
    subprocess.run(
        [sys.executable, "bench/run.py", "--quick", "--configs", "inmemory-1,floor", "--scenarios", "relay-small",
         "--out", str(out)],
        cwd=REPO, check=True, timeout=180, capture_output=True,
    )
    report = json.loads(out.read_text())
    assert report["machine"]["cores"] >= 1
    for config in ("inmemory-1", "floor"):
        figures = report["results"][config]["relay-small"]
        assert figures["errors"] == 0
        for kind in ("offer", "candidate", "chat"):
            assert figures[kind]["count"] > 0
            assert figures[kind]["p50_ms"] > 0
        assert 0 <= figures["load_generator_cpu_share"] <= 1


def test_a_quick_signal_run_reports_relay_p99_by_second_and_by_phase_of_the_housekeeping_beat(tmp_path):
    out = tmp_path / "signal.json"
    subprocess.run(
        [sys.executable, "bench/run.py", "--quick", "--configs", "inmemory-1", "--scenarios", "signal-10x2",
         "--out", str(out)],
        cwd=REPO, check=True, timeout=180, capture_output=True,
    )
    figures = json.loads(out.read_text())["results"]["inmemory-1"]["signal-10x2"]
    assert figures["relay"]["count"] > 0 and figures["closed_early"] == 0
    stalls = figures["stalls"]
    assert len(stalls["per_second_p99_ms"]) >= 2 and all(p99 > 0 for p99 in stalls["per_second_p99_ms"])
    assert stalls["worst_phase_over_median"] >= 1


def test_the_redis_parsing_benchmark_reports_the_cpu_of_a_message_and_its_parser():
    done = subprocess.run([sys.executable, "bench/redis_parse.py"], cwd=REPO, check=True, timeout=120,
                          capture_output=True, text=True)
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["cpu_us_per_message"] > 0 and figures["hiredis"] is True


def test_a_quick_recording_benchmark_records_a_stream_and_composes_a_meeting(tmp_path):
    out = tmp_path / "recording.json"
    subprocess.run(
        [sys.executable, "bench/recording.py", "--streams", "1", "--seconds", "3", "--minutes", "0.2",
         "--out", str(out)],
        cwd=REPO, check=True, timeout=300, capture_output=True,
    )
    report = json.loads(out.read_text())
    assert report["machine"]["cores"] >= 1
    [run] = report["recording"]["runs"]
    assert run["streams"] == 1 and run["status"] == "done"
    assert 0 < run["recorder_core_share"] <= 1
    assert run["files"][0]["video_frames"] > 0
    composing = report["composing"]
    assert composing["composed_seconds"] == 12.0
    assert composing["wall_seconds"] > 0 and composing["segments"] >= 4


def test_a_quick_call_setup_run_reports_every_phase_from_the_click_to_the_first_frame(tmp_path):
    out = tmp_path / "call_setup.json"
    done = subprocess.run([sys.executable, "bench/call_setup.py", "--calls", "2", "--out", str(out)],
                          cwd=REPO, timeout=300, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = json.loads(out.read_text())
    assert report["route"] == "mesh" and report["calls"] == 2
    for phase in ("signalling", "negotiation", "ice", "dtls", "first_frame", "total", "from_click"):
        assert report["phases"][phase]["count"] == 2, phase
    phases = report["phases"]
    assert phases["from_click"]["p50_ms"] > phases["total"]["p50_ms"] > 0
    assert report["first_frame_width_p50"] > 0
    assert len(report["load_average_at_end"]) == 3 and "load_average_at_start" in report["machine"]


def test_a_quick_connect_storm_on_sqlite_and_on_postgresql_splits_each_join_and_reports_its_cpu(tmp_path):
    out = tmp_path / "storm.json"
    subprocess.run(
        [sys.executable, "bench/run.py", "--quick", "--configs", "inmemory-1,postgres-1", "--scenarios", "storm",
         "--out", str(out)],
        cwd=REPO, check=True, timeout=240, capture_output=True,
    )
    report = json.loads(out.read_text())["results"]
    for config in ("inmemory-1", "postgres-1"):
        figures = report[config]["storm"]
        assert figures["join"]["count"] == figures["sockets"] > 0
        # The handshake and the join message are the two halves of each join's time.
        assert figures["handshake"]["count"] == figures["join_message"]["count"] == figures["sockets"]
        assert figures["handshake"]["mean_ms"] + figures["join_message"]["mean_ms"] == pytest.approx(
            figures["join"]["mean_ms"], rel=0.01, abs=0.01)
        assert figures["servers_cpu_ms_per_join"] > 0 and figures["joins_per_s"] > 0
