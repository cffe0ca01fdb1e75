"""Every metric the Grafana dashboard queries is one /metrics reports (a renamed metric would blank a panel)."""

import json
import re

import pytest

from observability import exposition
from tests.servers import REPO

pytestmark = pytest.mark.django_db

SUFFIXES = ("_bucket", "_count", "_sum", "_total")


def reported_families():
    text = exposition.render().decode()
    return set(re.findall(r"^# TYPE (\S+) ", text, flags=re.MULTILINE))


def family_of(sample_name, families):
    if sample_name in families:
        return sample_name
    for suffix in SUFFIXES:
        if sample_name.endswith(suffix) and sample_name[: -len(suffix)] in families:
            return sample_name[: -len(suffix)]
    return None


def test_every_metric_in_the_dashboard_is_reported():
    dashboard = json.loads((REPO / "deploy" / "grafana" / "confer.json").read_text())
    expressions = [target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])]
    used = set(re.findall(r"\bconfer_[a-z_]+", " ".join(expressions)))
    families = reported_families()
    assert len(used) > 15
    assert sorted(name for name in used if family_of(name, families) is None) == []
