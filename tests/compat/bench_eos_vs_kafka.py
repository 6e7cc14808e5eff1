"""`make bench-eos-vs-kafka`: transactions and consumer groups with our client, in-process, against `kafkette serve`
and against Apache Kafka 4.1.1 (KRaft), on loopback.

Run with tests/compat/.venv/bin/python. BENCH_EOS_RUNS times (default 3), each with a fresh in-process cluster, a
fresh `kafkette serve` and a fresh Apache Kafka, in alternating order, it runs two examples of ours (release builds,
see their doc comments) against each:

- core/examples/bench_txn.rs: plain idempotent produce against transactions of N records (BENCH_TXN_SIZES, default
  100,1000; BENCH_TXNS transactions of each size, default 100), records/s, the ratio transactional / idempotent, and
  p50/p99 of the commit_transaction round trip; 100-byte records over BENCH_EOS_PARTITIONS (default 6) partitions.
- core/examples/bench_group.rs: the time for a group of BENCH_GROUP_MEMBERS (default 3) of our consumers to become
  stable (from their subscribes until each holds partitions and together they hold each once), and the group's
  consume throughput after that over BENCH_GROUP_RECORDS (default 300,000) records of 100 bytes; then
  BENCH_GROUP_FORMATIONS - 1 (default 3 - 1) more groups form, for more samples of the stable time, which is
  bimodal (milliseconds when the members' JoinGroups land in the same join phase or a SyncGroup answered
  REBALANCE_IN_PROGRESS sends them back at once; about 3 s, heartbeat.interval.ms, when the first member completed a
  generation alone and learns of the others only from its next heartbeat). Its median is over all samples of all
  runs, and the table says which share of them was stable within 1 s (no heartbeat waited for).

All three targets run with group.initial.rebalance.delay.ms = BENCH_GROUP_DELAY_MS (default 0, kafkette's default;
Apache Kafka's own default is 3000). Prints per-run figures, then the medians per target and the ratio
kafkette serve / Kafka with the direction that is better.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Union

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
if __name__ == "__main__":  # run as make bench does: the release binaries
    os.environ.setdefault("KAFKETTE_BIN", str(ROOT / "target" / "release" / "kafkette"))
sys.path.insert(0, str(HERE))

from brokers import KAFKETTE_BIN, ApacheKafka, KafketteServe  # noqa: E402

EXAMPLES = Path(os.environ.get("KAFKETTE_EXAMPLES", ROOT / "target" / "release" / "examples"))
RUNS = int(os.environ.get("BENCH_EOS_RUNS", "3"))
PARTITIONS = int(os.environ.get("BENCH_EOS_PARTITIONS", "6"))
TXNS = int(os.environ.get("BENCH_TXNS", "100"))
SIZES = [int(s) for s in os.environ.get("BENCH_TXN_SIZES", "100,1000").split(",")]
GROUP_RECORDS = int(os.environ.get("BENCH_GROUP_RECORDS", "300000"))
GROUP_MEMBERS = int(os.environ.get("BENCH_GROUP_MEMBERS", "3"))
GROUP_FORMATIONS = int(os.environ.get("BENCH_GROUP_FORMATIONS", "3"))
GROUP_DELAY_MS = os.environ.get("BENCH_GROUP_DELAY_MS", "0")

Broker = Union[KafketteServe, ApacheKafka]
BROKERS: dict[str, Callable[[], Broker]] = {
    "kafkette": lambda: KafketteServe(config={"group.initial.rebalance.delay.ms": GROUP_DELAY_MS}),
    "Kafka": lambda: ApacheKafka(extra={"group.initial.rebalance.delay.ms": GROUP_DELAY_MS}),
}
TARGETS = ["inproc", *BROKERS]

# (metric key, label, which direction is better)
METRICS = [("idem_rps", "idempotent produce records/s", "higher")]
for _n in SIZES:
    METRICS += [
        (f"txn{_n}_rps", f"txns of {_n}: records/s", "higher"),
        (f"txn{_n}_ratio", f"txns of {_n}: / idempotent", "higher"),
        (f"txn{_n}_commit_p50_ms", f"txns of {_n}: commit p50 (ms)", "lower"),
        (f"txn{_n}_commit_p99_ms", f"txns of {_n}: commit p99 (ms)", "lower"),
    ]
METRICS += [
    ("group_stable_ms", f"group of {GROUP_MEMBERS} stable (ms)", "lower"),
    ("group_within_1s", "  share stable within 1 s", "higher"),
    ("group_consume_rps", "group consume records/s", "higher"),
]


def example(name: str, args: list[str]) -> dict[str, Union[float, list[float]]]:
    """Runs one of our bench examples; its RESULT line."""
    out = subprocess.run([str(EXAMPLES / name), *args], capture_output=True, text=True, timeout=600)
    results = [line[len("RESULT ") :] for line in out.stdout.splitlines() if line.startswith("RESULT ")]
    if out.returncode != 0 or not results:
        detail = f"{out.stdout[-2000:]}\n{out.stderr[-3000:]}"
        raise RuntimeError(f"{name} {' '.join(args)} failed ({out.returncode}):\n{detail}")
    for line in out.stdout.splitlines():
        if not line.startswith("RESULT "):
            print(f"    {line}", flush=True)
    return json.loads(results[-1])


def measure(bootstrap: str) -> dict[str, Union[float, list[float]]]:
    figures = example("bench_txn", [bootstrap, str(TXNS), ",".join(map(str, SIZES)), str(PARTITIONS)])
    group_args = [bootstrap, str(GROUP_RECORDS), str(PARTITIONS), str(GROUP_MEMBERS), str(GROUP_FORMATIONS)]
    figures.update(example("bench_group", group_args))
    stable = figures["group_stable_ms"]
    assert isinstance(stable, list)
    figures["group_within_1s"] = [1.0 if ms < 1000 else 0.0 for ms in stable]
    return figures


def one_run(target: str) -> dict[str, Union[float, list[float]]]:
    if target == "inproc":
        return measure("inproc")
    broker = BROKERS[target]()
    try:
        return measure(broker.bootstrap_servers)
    finally:
        broker.stop()


def fmt(x: Union[float, list[float]]) -> str:
    if isinstance(x, list):
        return "[" + " ".join(fmt(v) for v in x) + "]"
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:#.3g}" if abs(x) < 10 else f"{x:.1f}"


def table(samples: dict[str, dict[str, list[float]]]) -> str:
    rows = [f"{'metric':<34}{'in-process':>12}{'kafkette':>12}{'Kafka':>12}{'kafkette/Kafka':>16}  better"]
    for key, label, better in METRICS:
        if key == "group_within_1s":  # a share of all samples, not a median
            inproc, ours, theirs = (statistics.mean(samples[t][key]) for t in TARGETS)
        else:
            inproc, ours, theirs = (statistics.median(samples[t][key]) for t in TARGETS)
        ratio = f"{ours / theirs:.3g}" if theirs else "n/a"
        rows.append(f"{label:<34}{fmt(inproc):>12}{fmt(ours):>12}{fmt(theirs):>12}{ratio:>16}  {better}")
    return "\n".join(rows)


def main() -> int:
    missing = [p for p in (Path(KAFKETTE_BIN), EXAMPLES / "bench_txn", EXAMPLES / "bench_group") if not p.exists()]
    if missing:
        print(f"missing {', '.join(map(str, missing))}: make bench-eos-vs-kafka builds them", file=sys.stderr)
        return 2
    print(f"our clients in-process, against kafkette serve ({KAFKETTE_BIN}) and Apache Kafka 4.1.1 KRaft, loopback,")
    print(f"{os.cpu_count()} cpus; topics of {PARTITIONS} partitions, 100-byte records; {TXNS} transactions of each")
    print(f"size {SIZES}; a group of {GROUP_MEMBERS} consuming {GROUP_RECORDS:,} records,")
    print(f"{GROUP_FORMATIONS} groups formed per run;")
    print(f"group.initial.rebalance.delay.ms={GROUP_DELAY_MS} on all three; medians of {RUNS} runs", flush=True)
    samples: dict[str, dict[str, list[float]]] = {t: {m: [] for m, _, _ in METRICS} for t in TARGETS}
    for run in range(RUNS):
        # Alternate the order, so that a burst of load elsewhere does not always land on the same target.
        order = TARGETS if run % 2 == 0 else list(reversed(TARGETS))
        for target in order:
            t0 = time.monotonic()
            figures = one_run(target)
            for k, v in figures.items():
                if k in samples[target]:  # lists are samples pooled over the runs
                    samples[target][k].extend(v if isinstance(v, list) else [v])
            shown = ", ".join(f"{k}={fmt(v)}" for k, v in figures.items())
            print(f"run {run + 1}/{RUNS} {target:<8} ({time.monotonic() - t0:.0f} s) {shown}", flush=True)
    print()
    print(table(samples))
    print("ratio = kafkette serve / Kafka; 'better' says whether a lower or a higher figure is better")
    return 0


if __name__ == "__main__":
    sys.exit(main())
