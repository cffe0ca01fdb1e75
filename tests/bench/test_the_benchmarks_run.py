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
