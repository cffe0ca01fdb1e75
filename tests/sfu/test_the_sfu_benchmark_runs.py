"""bench/sfu.py's measure of Janus's cost runs and reports what docs/performance.md reads (a tiny run)."""

import json
import subprocess
import sys

import pytest

from tests.servers import REPO
from tests.sfu.conftest import IN_NAMESPACE

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not IN_NAMESPACE, reason="needs scripts/test's namespace")]


def test_a_tiny_janus_cost_run_reports_cpu_and_every_stream(tmp_path):
    out = tmp_path / "sfu.json"
    result = subprocess.run([sys.executable, "bench/sfu.py", "--skip-routes", "--publishers", "2", "--subscribers", "2",
                             "--seconds", "2", "--warmup", "2", "--out", str(out)],
                            cwd=REPO, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(out.read_text())
    [row] = report["janus"]
    assert row["forwarded_video_streams"] == 4
    assert len(row["received_packets_per_s_by_stream"]) == 4 and min(row["received_packets_per_s_by_stream"]) > 5
    assert 0 < row["janus_cpu_cores"] < 1
    assert report["machine"]["cores"] >= 1 and "load" in report
