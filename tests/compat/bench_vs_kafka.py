"""`make bench-vs-kafka`: the same producers against `kafkette serve` and Apache Kafka 4.1.1 (KRaft), on loopback.

Run with tests/compat/.venv/bin/python. For each broker, BENCH_RUNS times (default 3), a fresh broker each time:

- startup: wall time from spawning the broker process until it answers a Metadata v1 request (raw, over a
  socket) naming at least one broker. Apache Kafka's one-off `StorageTool format` runs before the clock starts.
- Apache Kafka's `kafka-producer-perf-test` (org.apache.kafka.tools.ProducerPerformance from the kafka-tools jar):
  BENCH_RECORDS records (default 1,000,000) of 100 bytes, --throughput -1; its summary line gives records/s, MB/s,
  average, p50, p95 and p99 latency.
- then confluent-kafka (librdkafka) on a second topic: the same number of 100-byte values, records/s from the
  first produce() to the end of flush(), p99 of the per-message produce()-to-acknowledgement latency that each
  delivery report carries (Message.latency()).

Around each producer run: the broker's CPU seconds (utime + stime from /proc/PID/stat, the delta over the run) and
its peak RSS (VmHWM from /proc/PID/status after the run; after confluent-kafka it covers the whole run, the
perf test's records included); and the producer's own CPU seconds, which show when the client, not the broker,
bounds the throughput. Both producers use acks=1 and otherwise their defaults; each topic is created first
with BENCH_PARTITIONS (default 6) partitions. Prints per-run figures, then the medians per broker and the ratio
kafkette / Kafka with the direction that is better.
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import statistics
import struct
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Union

HERE = Path(__file__).resolve().parent
if __name__ == "__main__":  # run as make bench does: the release binary (importing this module changes nothing)
    os.environ.setdefault("KAFKETTE_BIN", str(HERE.parent.parent / "target" / "release" / "kafkette"))
sys.path.insert(0, str(HERE))

from confluent_kafka import Producer  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

from brokers import KAFKETTE_BIN, ApacheKafka, KafketteServe, java_classpath  # noqa: E402

RECORDS = int(os.environ.get("BENCH_RECORDS", "1000000"))
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
PARTITIONS = int(os.environ.get("BENCH_PARTITIONS", "6"))
RECORD_SIZE = 100
# The producer properties both producers use; everything else is each client's default.
PRODUCER_PROPS = {"acks": "1"}

Broker = Union[KafketteServe, ApacheKafka]
BROKERS: dict[str, Callable[[], Broker]] = {"kafkette": KafketteServe, "Kafka": ApacheKafka}

# (metric key, label, which direction is better)
METRICS = [
    ("startup_s", "startup to Metadata (s)", "lower"),
    ("java_rps", "perf-test records/s", "higher"),
    ("java_mbps", "perf-test MB/s", "higher"),
    ("java_avg_ms", "perf-test avg latency (ms)", "lower"),
    ("java_p50_ms", "perf-test p50 latency (ms)", "lower"),
    ("java_p95_ms", "perf-test p95 latency (ms)", "lower"),
    ("java_p99_ms", "perf-test p99 latency (ms)", "lower"),
    ("java_cpu_s", "perf-test broker CPU (s)", "lower"),
    ("java_rss_mib", "broker peak RSS after perf-test (MiB)", "lower"),
    ("java_client_cpu_s", "perf-test client CPU (s)", "lower"),
    ("ck_rps", "confluent-kafka records/s", "higher"),
    ("ck_p99_ms", "confluent-kafka p99 latency (ms)", "lower"),
    ("ck_cpu_s", "confluent-kafka broker CPU (s)", "lower"),
    ("ck_rss_mib", "broker peak RSS after both (MiB)", "lower"),
    ("ck_client_cpu_s", "confluent-kafka client CPU (s)", "lower"),
]

PERF_SUMMARY = re.compile(
    r"(\d+) records sent, ([\d.]+) records/sec \(([\d.]+) MB/sec\), ([\d.]+) ms avg latency, "
    r"([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th"
)
CLK_TCK = os.sysconf("SC_CLK_TCK")


# --- the broker process, from /proc --------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """utime + stime of the whole process (all its threads), in seconds."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) ": field 3 is fields[0]
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmHWM in /proc/{pid}/status")


# --- startup: a raw Metadata v1 request ----------------------------------------------------------------------


def metadata_brokers(host: str, port: int, timeout: float = 1.0) -> int:
    """Sends Metadata v1 (no topics) and returns how many brokers the answer names; raises OSError if none."""
    import socket

    client_id = b"kafkette-bench"
    body = struct.pack(">hhih", 3, 1, 7, len(client_id)) + client_id + struct.pack(">i", 0)
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.sendall(struct.pack(">i", len(body)) + body)
        head = _read_exact(s, 4)
        answer = _read_exact(s, struct.unpack(">i", head)[0])
    correlation_id, brokers = struct.unpack(">ii", answer[:8])
    if correlation_id != 7 or brokers < 1:
        raise OSError(f"Metadata answer without brokers (correlation {correlation_id}, {brokers} brokers)")
    return brokers


def _read_exact(s, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise OSError("connection closed mid-answer")
        buf += chunk
    return buf


def start(kind: str) -> tuple[Broker, float]:
    """A fresh broker and the seconds from its spawn until it answered Metadata."""
    broker = BROKERS[kind]()
    host, port = broker.bootstrap_servers.split(",")[0].rsplit(":", 1)
    deadline = time.monotonic() + 120
    while True:
        try:
            metadata_brokers(host, int(port))
            return broker, time.monotonic() - broker.spawned_at
        except OSError:
            if time.monotonic() > deadline:
                broker.stop()
                raise RuntimeError(f"{kind} did not answer Metadata within 120 s")
            time.sleep(0.005)


def create_topic(bootstrap: str, topic: str) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(topic, PARTITIONS, 1)])[topic].result(30)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # every partition has a leader before the clock starts
        t = admin.list_topics(topic, timeout=5).topics.get(topic)
        parts = t.partitions.values() if t and t.error is None else []
        if len(parts) == PARTITIONS and all(p.leader >= 0 for p in parts):
            return
        time.sleep(0.1)
    raise RuntimeError(f"topic {topic} not ready on {bootstrap}")


# --- the producers -------------------------------------------------------------------------------------------


def perf_test(bootstrap: str, topic: str) -> dict[str, float]:
    """Apache Kafka's kafka-producer-perf-test; its summary line."""
    java = shutil.which("java") or "java"
    props = [f"bootstrap.servers={bootstrap}"] + [f"{k}={v}" for k, v in PRODUCER_PROPS.items()]
    cmd = [java, "-Xmx512m", "-cp", java_classpath(), "org.apache.kafka.tools.ProducerPerformance"]
    cmd += ["--topic", topic, "--num-records", str(RECORDS), "--record-size", str(RECORD_SIZE), "--throughput", "-1"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(cmd + ["--producer-props", *props], capture_output=True, text=True, timeout=900)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    found = PERF_SUMMARY.findall(out.stdout)
    if out.returncode != 0 or not found:
        raise RuntimeError(f"producer perf test failed ({out.returncode}):\n{out.stdout[-2000:]}\n{out.stderr[-3000:]}")
    sent, rps, mbps, avg, _max, p50, p95, p99 = found[-1]
    if int(sent) != RECORDS:
        raise RuntimeError(f"producer perf test sent {sent} of {RECORDS} records")
    return {
        "java_rps": float(rps),
        "java_mbps": float(mbps),
        "java_avg_ms": float(avg),
        "java_p50_ms": float(p50),
        "java_p95_ms": float(p95),
        "java_p99_ms": float(p99),
        "java_client_cpu_s": (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
    }


def confluent_kafka_producer(bootstrap: str, topic: str) -> dict[str, float]:
    """RECORDS values of 100 bytes through confluent-kafka; records/s and p99 produce()-to-ack latency."""
    latencies: list[float] = []
    failures: list[str] = []

    def delivered(err, msg) -> None:
        if err is not None:
            failures.append(str(err))
        else:
            latencies.append(msg.latency())  # librdkafka: produce() to the broker's acknowledgement, seconds

    p = Producer({"bootstrap.servers": bootstrap, "on_delivery": delivered, **PRODUCER_PROPS})
    value = os.urandom(RECORD_SIZE)
    produce, poll = p.produce, p.poll
    t0, cpu0 = time.perf_counter(), time.process_time()
    for i in range(RECORDS):
        while True:
            try:
                produce(topic, value)
                break
            except BufferError:  # the local queue is full: serve delivery reports, then retry
                poll(0.005)
        if not i & 1023:
            poll(0)
    left = p.flush(300)
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    if left or failures or len(latencies) != RECORDS:
        raise RuntimeError(f"confluent-kafka: {left} undelivered, {len(failures)} failed {failures[:3]}")
    latencies.sort()
    p99 = latencies[int(0.99 * (len(latencies) - 1))] * 1000
    return {"ck_rps": RECORDS / elapsed, "ck_p99_ms": p99, "ck_client_cpu_s": cpu}


PRODUCERS: list[tuple[str, str, Callable[[str, str], dict[str, float]]]] = [
    ("java", "perf-test", perf_test),
    ("ck", "confluent-kafka", confluent_kafka_producer),
]


def one_run(kind: str) -> dict[str, float]:
    """A fresh broker; its startup, then each producer on its own topic with the broker's CPU and peak memory.

    The peak after the perf test covers startup and that run; the peak after confluent-kafka covers the whole run
    (the broker still holds the perf test's records then)."""
    broker, startup = start(kind)
    figures = {"startup_s": startup}
    try:
        pid = broker.proc.pid
        for key, _, produce in PRODUCERS:
            topic = f"bench-{key}"
            create_topic(broker.bootstrap_servers, topic)
            cpu0 = cpu_seconds(pid)
            figures.update(produce(broker.bootstrap_servers, topic))
            figures[f"{key}_cpu_s"] = cpu_seconds(pid) - cpu0
            figures[f"{key}_rss_mib"] = peak_rss_mib(pid)
        return figures
    finally:
        broker.stop()


# --- the table -----------------------------------------------------------------------------------------------


def fmt(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:#.3g}" if abs(x) < 10 else f"{x:.1f}"


def table(samples: dict[str, dict[str, list[float]]]) -> str:
    rows = [f"{'metric':<40}{'kafkette':>14}{'Kafka':>14}{'kafkette/Kafka':>16}  better"]
    for key, label, better in METRICS:
        ours, theirs = statistics.median(samples["kafkette"][key]), statistics.median(samples["Kafka"][key])
        ratio = f"{ours / theirs:.3g}" if theirs else "n/a"
        rows.append(f"{label:<40}{fmt(ours):>14}{fmt(theirs):>14}{ratio:>16}  {better}")
    return "\n".join(rows)


def main() -> int:
    if not Path(KAFKETTE_BIN).exists():
        print(f"{KAFKETTE_BIN} missing: cargo build --release -p kafkette --bin kafkette", file=sys.stderr)
        return 2
    props = ", ".join(f"{k}={v}" for k, v in PRODUCER_PROPS.items())
    kafka = "Apache Kafka 4.1.1 KRaft (-Xms256m -Xmx1g)"
    print(f"kafkette serve ({KAFKETTE_BIN}) vs {kafka}, loopback, {os.cpu_count()} cpus")
    print(f"{RECORDS:,} records of {RECORD_SIZE} B, topic with {PARTITIONS} partitions, producers: {props},")
    print("otherwise defaults; a fresh broker per run, perf-test then confluent-kafka, each on its own topic;")
    print(f"medians of {RUNS} runs", flush=True)
    samples: dict[str, dict[str, list[float]]] = {k: {m: [] for m, _, _ in METRICS} for k in BROKERS}
    for run in range(RUNS):
        # Alternate which broker goes first, so a burst of load elsewhere does not always land on the same one.
        order = list(BROKERS) if run % 2 == 0 else list(reversed(BROKERS))
        for kind in order:
            figures = one_run(kind)
            for k, v in figures.items():
                samples[kind][k].append(v)
            shown = ", ".join(f"{k}={fmt(v)}" for k, v in figures.items())
            print(f"run {run + 1}/{RUNS} {kind:<8} {shown}", flush=True)
    print()
    print(table(samples))
    print("ratio = kafkette / Kafka; 'better' says whether a lower or a higher figure is better")
    return 0


if __name__ == "__main__":
    sys.exit(main())
