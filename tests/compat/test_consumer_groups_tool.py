"""Apache Kafka's `kafka-consumer-groups` tool (org.apache.kafka.tools.consumer.group.ConsumerGroupCommand, from
the kafka-tools 4.1.1 jar, unmodified) on a group a confluent-kafka consumer used (issue 6): it lists the group,
describes it (GROUP, TOPIC, PARTITION, CURRENT-OFFSET, LOG-END-OFFSET, LAG, ...) with lag 0 after consumption and
the right lag once more records arrive, and resets its offsets `--to-earliest --execute`, which the group's
committed offsets then show. Against Apache Kafka 4.1.1 (the proof that the checks are right) and kafkette
(xfail until the group coordinator lands).
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import time
import uuid

import pytest
from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from brokers import java_classpath
from targets import GROUP, targets

PARTITIONS = 3
RECORDS = 90
TIMEOUT = 20
COLUMNS = ["GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG"]

# librdkafka's log goes through Python logging, served by poll(): pytest shows it with a failure, and a client a
# failed test leaves behind stays silent instead of logging reconnects to its stopped broker until the session ends.
LOG = logging.getLogger("librdkafka")


def tool(bootstrap: str, *args: str) -> str:
    java = shutil.which("java") or "java"
    # A short-lived JVM: C1 only and the serial GC start it in about half the time (CI budget).
    jvm = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", java_classpath()]
    cmd = [java, *jvm, "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand"]
    out = subprocess.run([*cmd, "--bootstrap-server", bootstrap, *args], capture_output=True, text=True, timeout=60)
    errors = "\n".join(line for line in out.stderr.splitlines() if "SLF4J" not in line)
    failed = out.returncode != 0 or "Error" in out.stdout + errors
    assert not failed, f"kafka-consumer-groups {args}:\n{out.stdout}\n{errors}"
    return out.stdout


def table(text: str, first: str) -> tuple[list[str], dict[int, dict[str, str]]]:
    """The tool's table (header line starting with ``first``) as its columns and partition -> column -> value."""
    lines = [line.split() for line in text.splitlines() if line.strip()]
    [start] = [i for i, cells in enumerate(lines) if cells[0] == first]
    header = lines[start]
    rows = {}
    for cells in lines[start + 1 :]:
        row = dict(zip(header, cells))
        rows[int(row["PARTITION"])] = row
    return header, rows


def produce(bootstrap: str, topic: str, counts: dict[int, int]) -> None:
    p = Producer({"bootstrap.servers": bootstrap, "logger": LOG})
    for part, n in counts.items():
        for i in range(n):
            p.produce(topic, value=f"r{i}".encode(), partition=part)
    assert p.flush(TIMEOUT) == 0


def consume_all(bootstrap: str, topic: str, group: str, count: int) -> None:
    """A group member reads count records, commits, and closes."""
    c = Consumer(
        {
            "bootstrap.servers": bootstrap, "logger": LOG,
            "group.id": group,
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    try:
        c.subscribe([topic])
        got, deadline = 0, time.monotonic() + TIMEOUT
        while got < count:
            assert time.monotonic() < deadline, f"read {got} of {count} records in {TIMEOUT}s"
            msgs = c.consume(100, 0.3)
            for m in msgs:
                if m.error() is not None:
                    raise KafkaException(m.error())
            got += len(msgs)
        c.commit(asynchronous=False)
    finally:
        c.close()


@pytest.mark.parametrize("broker", targets(GROUP), indirect=True)
def test_describe_and_reset(broker):
    topic, group = f"cgtool-{uuid.uuid4().hex[:8]}", f"cgtool-group-{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": broker, "logger": LOG})  # kept: its futures fail once it is collected
    admin.create_topics([NewTopic(topic, PARTITIONS, 1)])[topic].result(TIMEOUT)
    counts = {p: RECORDS // PARTITIONS for p in range(PARTITIONS)}
    produce(broker, topic, counts)
    consume_all(broker, topic, group, RECORDS)

    assert group in tool(broker, "--list").split(), "the group is not listed"
    header, rows = table(tool(broker, "--describe", "--group", group), "GROUP")
    assert header[: len(COLUMNS)] == COLUMNS, header
    assert sorted(rows) == list(range(PARTITIONS))
    for part, row in rows.items():
        n = str(counts[part])
        assert (row["GROUP"], row["TOPIC"]) == (group, topic)
        assert (row["CURRENT-OFFSET"], row["LOG-END-OFFSET"], row["LAG"]) == (n, n, "0"), f"partition {part}: {row}"

    produce(broker, topic, {0: 7})  # new records nobody read: lag 7 on partition 0
    _, rows = table(tool(broker, "--describe", "--group", group), "GROUP")
    assert (rows[0]["LOG-END-OFFSET"], rows[0]["LAG"]) == (str(counts[0] + 7), "7"), rows[0]
    assert all(rows[p]["LAG"] == "0" for p in range(1, PARTITIONS)), rows

    reset_args = ["--reset-offsets", "--to-earliest", "--execute", "--group", group, "--topic", topic]
    _, reset = table(tool(broker, *reset_args), "GROUP")
    assert {p: row["NEW-OFFSET"] for p, row in reset.items()} == {p: "0" for p in range(PARTITIONS)}, reset
    _, rows = table(tool(broker, "--describe", "--group", group), "GROUP")
    for part, row in rows.items():
        assert row["CURRENT-OFFSET"] == "0" and row["LAG"] == row["LOG-END-OFFSET"], f"after the reset: {row}"
    probe = Consumer({"bootstrap.servers": broker, "logger": LOG, "group.id": group})
    try:
        committed = probe.committed([TopicPartition(topic, p) for p in range(PARTITIONS)], TIMEOUT)
    finally:
        probe.close()
    assert {tp.partition: tp.offset for tp in committed} == {p: 0 for p in range(PARTITIONS)}
