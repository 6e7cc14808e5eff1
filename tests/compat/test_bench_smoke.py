"""`make bench-vs-kafka` keeps working: its script, with a few records and one run, prints every metric with numbers.

Uses the debug `kafkette` that make test-compat has just built (a release binary may be stale: make bench rebuilds
it, this test does not); the figures themselves are not checked, only that each broker and producer gave one.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

from bench_vs_kafka import METRICS

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
NUMBER = r"-?[\d,]+(?:\.\d+)?(?:e[-+]?\d+)?"


def kafkette_bin() -> str:
    return str(ROOT / "target" / "debug" / "kafkette")


def test_bench_prints_every_metric_for_both_brokers():
    env = {**os.environ, "BENCH_RECORDS": "2000", "BENCH_RUNS": "1", "KAFKETTE_BIN": kafkette_bin()}
    out = subprocess.run(
        [sys.executable, str(HERE / "bench_vs_kafka.py")], env=env, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    assert "2,000 records of 100 B" in out.stdout
    for _, label, better in METRICS:
        pattern = rf"^{re.escape(label)}\s+({NUMBER})\s+({NUMBER})\s+({NUMBER}|n/a)\s+{better}$"
        row = re.search(pattern, out.stdout, re.M)
        assert row, f"no row for {label!r} in:\n{out.stdout}"
        ours, theirs, ratio = row.groups()
        if ratio == "n/a":  # only when Kafka's figure is 0 (the perf test reports whole milliseconds)
            assert float(theirs.replace(",", "")) == 0, row.group(0)
    assert "kafkette/Kafka" in out.stdout
