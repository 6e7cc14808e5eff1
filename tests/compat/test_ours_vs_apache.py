"""Our clients against Apache Kafka 4.1 (KRaft, one broker started by the session fixture
``apache_kafka``): the proof that moving to a real Kafka is a change of ``bootstrap.servers``.

The same scenario per client: create a 3-partition topic (replication factor 1), produce 1,000
keyed records with headers (once per compression codec), check where they went (murmur2 of the
key, as the Java client), consume them back without groups (assign + seek: contiguous offsets,
same keys, values and headers), list earliest/latest offsets, delete the topic.

- Rust: core/tests/apache_kafka.rs (ignored tests; ``KAFKETTE_APACHE_BOOTSTRAP`` names the broker),
  core/tests/apache_kafka_admin_groups.rs (the group admin calls) and core/tests/groups_vs_kafka.rs (the
  group coordinator's answers)
- Python: our ``kafkette`` package, here
- Node: tests/compat/ours/roundtrip.js (our binding, KafkaJS's API; ``make node``)
- C: tests/compat/ours/roundtrip.c against ffi/include/kafkette.h and libkafkette.so (``make ffi``)

Known differences with Apache Kafka: tests/compat/ours/FINDINGS.md.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import kafkette
import scenario
from brokers import ROOT

OURS = Path(__file__).resolve().parent / "ours"
RECORDS = 1000
PARTITIONS = 3
CODECS = ["none", "gzip", "snappy", "lz4", "zstd"]


def run(cmd: list[str], timeout: float, **kw: Any) -> str:
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)
    assert out.returncode == 0, f"{' '.join(cmd)} exited {out.returncode}:\n{out.stdout[-4000:]}\n{out.stderr[-4000:]}"
    return out.stdout + out.stderr


# --- Rust ------------------------------------------------------------------------------------


def run_ignored_rust_tests(test_file: str, bootstrap: str, passed: int) -> None:
    """Runs the ignored tests of core/tests/<test_file>.rs against the broker at `bootstrap`; all `passed` must pass."""
    env = dict(os.environ, KAFKETTE_APACHE_BOOTSTRAP=bootstrap)
    cmd = ["cargo", "test", "-q", "-p", "kafkette", "--test", test_file, "--", "--ignored"]
    out = run(cmd, 900, cwd=ROOT, env=env)
    assert f"test result: ok. {passed} passed" in out, out


def test_rust_clients(apache_kafka: str) -> None:
    run_ignored_rust_tests("apache_kafka", apache_kafka, passed=11)


def test_rust_consumer_groups(apache_kafka: str) -> None:
    """Our consumers in groups: share, leave, die, cooperative-sticky, pattern, commits, with librdkafka and Java members
    (core/tests/apache_kafka_groups.rs)."""
    run_ignored_rust_tests("apache_kafka_groups", apache_kafka, passed=9)


def test_group_coordinator_answers_as_kafka(apache_kafka: str) -> None:
    """core/tests/groups_vs_kafka.rs: the raw group scenario kafkette passes in `cargo test`, against Kafka."""
    run_ignored_rust_tests("groups_vs_kafka", apache_kafka, passed=1)


def test_rust_transactional_producer(apache_kafka: str) -> None:
    """core/tests/apache_kafka_txn.rs: commit/abort through read_committed, offsets in a transaction, fencing."""
    run_ignored_rust_tests("apache_kafka_txn", apache_kafka, passed=3)


def test_rust_admin_groups(apache_kafka: str) -> None:
    """core/tests/apache_kafka_admin_groups.rs: group admin calls on groups confluent-kafka made."""
    run_ignored_rust_tests("apache_kafka_admin_groups", apache_kafka, passed=3)


def test_raw_transaction_requests_agree_with_apache(apache_kafka: str) -> None:
    """core/tests/wire_txn.rs: the raw transactional exchange kafkette's wire test checks, sent to Apache Kafka."""
    run_ignored_rust_tests("wire_txn", apache_kafka, passed=1)


def test_rust_tests_fail_without_a_broker() -> None:
    """Run without the variable, the ignored tests fail rather than pass vacuously."""
    env = {k: v for k, v in os.environ.items() if k != "KAFKETTE_APACHE_BOOTSTRAP"}
    cmd = ["cargo", "test", "-q", "-p", "kafkette", "--test", "apache_kafka", "--", "--ignored", "roundtrip_gzip"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=900, cwd=ROOT, env=env)
    assert out.returncode != 0
    assert "KAFKETTE_APACHE_BOOTSTRAP is not set" in out.stdout + out.stderr


# --- Python ----------------------------------------------------------------------------------


def admin_module_and_client(bootstrap: str) -> tuple[ModuleType, Any, bool]:
    """(module of the admin types, our AdminClient over TCP, True)."""
    return kafkette, kafkette.AdminClient({"bootstrap.servers": bootstrap}), True


def create_topic(mod: ModuleType, admin: Any, topic: str) -> None:
    futures = admin.create_topics([mod.NewTopic(topic, num_partitions=PARTITIONS, replication_factor=1)])
    futures[topic].result(30)
    deadline = time.monotonic() + 30
    while True:  # Kafka creates partitions asynchronously
        md = admin.list_topics(timeout=10)
        if topic in md.topics and len(md.topics[topic].partitions) == PARTITIONS:
            return
        assert time.monotonic() < deadline, f"{topic} not in metadata"
        time.sleep(0.1)


def list_offsets(mod: ModuleType, admin: Any, topic: str, spec: Any) -> dict[int, int]:
    tp_cls = kafkette.TopicPartition if mod is kafkette else __import__("confluent_kafka").TopicPartition
    futures = admin.list_offsets({tp_cls(topic, p): spec for p in range(PARTITIONS)})
    return {tp.partition: f.result(30).offset for tp, f in futures.items()}


def python_roundtrip(bootstrap: str, mod: ModuleType, admin: Any, codec: str) -> None:
    topic = f"ours-py-{codec}-{uuid.uuid4().hex[:8]}"
    create_topic(mod, admin, topic)

    producer = kafkette.Producer({"bootstrap.servers": bootstrap, "compression.type": codec, "linger.ms": 5})
    placed: dict[int, tuple[int, int]] = {}

    def on_delivery(err: Any, msg: Any) -> None:
        assert err is None, err
        placed[int(msg.key().decode().split("-")[1])] = (msg.partition(), msg.offset())

    sent = []
    for i in range(RECORDS):
        key, value = f"key-{i}".encode(), f"value-{i}-{codec}".encode() + bytes([0, 255])
        headers = [("index", str(i).encode()), ("index", None), ("codec", codec.encode())]
        sent.append((key, value, headers))
        producer.produce(topic, value=value, key=key, headers=headers, on_delivery=on_delivery)
    assert producer.flush(30) == 0
    assert len(placed) == RECORDS
    expected: dict[int, list[int]] = {p: [] for p in range(PARTITIONS)}
    for i, (key, _, _) in enumerate(sent):
        assert placed[i][0] == scenario.java_partition(key, PARTITIONS), i
        expected[placed[i][0]].append(i)
    for p, idx in expected.items():
        assert sorted(placed[i][1] for i in idx) == list(range(len(idx))), f"partition {p}"

    consumer = kafkette.Consumer({"bootstrap.servers": bootstrap, "auto.offset.reset": "latest"})
    consumer.assign([kafkette.TopicPartition(topic, p) for p in range(PARTITIONS)])
    for p in range(PARTITIONS):
        consumer.seek(kafkette.TopicPartition(topic, p, 0))
    got: list[Any] = []
    deadline = time.monotonic() + 30
    while len(got) < RECORDS and time.monotonic() < deadline:
        for m in consumer.consume(500, 0.5):
            assert m.error() is None, m.error()
            got.append(m)
    got.extend(consumer.consume(100, 0.3))
    consumer.close()
    assert len(got) == RECORDS
    by_partition: dict[int, list[Any]] = {p: [] for p in range(PARTITIONS)}
    for m in got:
        assert m.topic() == topic
        by_partition[m.partition()].append(m)
    for p, idx in expected.items():
        msgs = by_partition[p]
        assert [m.offset() for m in msgs] == list(range(len(idx))), f"contiguous offsets in partition {p}"
        for m in msgs:
            i = next(j for j in idx if placed[j][1] == m.offset())
            key, value, headers = sent[i]
            assert (m.key(), m.value(), m.headers()) == (key, value, headers)

    assert list_offsets(mod, admin, topic, mod.OffsetSpec.earliest()) == {p: 0 for p in range(PARTITIONS)}
    assert list_offsets(mod, admin, topic, mod.OffsetSpec.latest()) == {p: len(i) for p, i in expected.items()}
    admin.delete_topics([topic])[topic].result(30)


def test_python_clients(apache_kafka: str) -> None:
    mod, admin, _ours = admin_module_and_client(apache_kafka)
    for codec in CODECS:
        python_roundtrip(apache_kafka, mod, admin, codec)


def test_python_admin_client(apache_kafka: str) -> None:
    """Our AdminClient itself: create, already exists, list offsets, delete, unknown topic."""
    admin = kafkette.AdminClient({"bootstrap.servers": apache_kafka})
    topic = f"ours-py-admin-{uuid.uuid4().hex[:8]}"
    create_topic(kafkette, admin, topic)
    again = admin.create_topics([kafkette.NewTopic(topic, num_partitions=PARTITIONS, replication_factor=1)])
    with pytest.raises(kafkette.KafkaException) as e:
        again[topic].result(30)
    assert e.value.args[0].code() == kafkette.KafkaError.TOPIC_ALREADY_EXISTS
    assert list_offsets(kafkette, admin, topic, kafkette.OffsetSpec.latest()) == {p: 0 for p in range(PARTITIONS)}
    admin.delete_topics([topic])[topic].result(30)
    missing = f"ours-py-missing-{uuid.uuid4().hex[:8]}"
    with pytest.raises(kafkette.KafkaException) as e:
        admin.delete_topics([missing])[missing].result(30)
    assert e.value.args[0].code() == kafkette.KafkaError.UNKNOWN_TOPIC_OR_PART
    admin.close()


# --- Node ------------------------------------------------------------------------------------


def test_node_binding(apache_kafka: str) -> None:
    node = shutil.which("node")
    assert node, "node not found (make node-tools)"
    assert list((ROOT / "node").glob("kafkette.*.node")), "node binding not built: run `make node`"
    out = run([node, str(OURS / "roundtrip.js"), apache_kafka], 180)
    for codec in CODECS:
        assert f"ok {codec}: {RECORDS} records" in out, out


# --- C ---------------------------------------------------------------------------------------


def test_c_api(apache_kafka: str, tmp_path: Path) -> None:
    lib = ROOT / "target" / "debug"
    assert (lib / "libkafkette.so").exists(), "libkafkette.so not built: run `make ffi`"
    exe = tmp_path / "roundtrip"
    cc = os.environ.get("CC", "cc")
    run(
        [cc, "-Wall", "-Wextra", "-Werror", "-std=c11", "-g", "-pthread"]
        + [f"-I{ROOT / 'ffi' / 'include'}", f"-I{ROOT / 'ffi' / 'tests'}", str(OURS / "roundtrip.c")]
        + ["-o", str(exe), f"-L{lib}", f"-Wl,-rpath,{lib}", "-lkafkette"],
        120,
    )
    out = run([str(exe), apache_kafka], 180)
    for codec in CODECS:
        assert f"ok {codec}: {RECORDS} records" in out, out
