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
