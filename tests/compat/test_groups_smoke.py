"""The broker's group coordinator with real clients: two confluent-kafka (librdkafka) consumers in one
group against ``kafkette serve`` share a 4-partition topic, commit after processing, and close; every
record is consumed exactly once and the group's committed offsets are the log end offsets. kcat's
balanced consumer (``-G``) commits and resumes against three brokers in one process.

Apache Kafka's own tools read the ``__consumer_offsets`` records back and describe the group's lag. (The larger group scenarios —
members killed mid-stream, kafkajs, Java consumers — live elsewhere.)
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time

import pytest
from confluent_kafka import Consumer, ConsumerGroupTopicPartitions, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from brokers import java_classpath

PARTITIONS = 4
RECORDS = 200
TIMEOUT = 20


def consumer(bootstrap: str, group: str) -> Consumer:
    return Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": group,
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
            "session.timeout.ms": 6000,
            "heartbeat.interval.ms": 500,
        }
    )


def test_two_consumers_share_a_topic_and_commit(kafkette_serve) -> None:
    bootstrap = kafkette_serve()
    topic, group = "groups-smoke", "smoke-group"
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for f in admin.create_topics([NewTopic(topic, PARTITIONS, 1)], operation_timeout=TIMEOUT).values():
        f.result(TIMEOUT)

    consumers = [consumer(bootstrap, group), consumer(bootstrap, group)]
    for c in consumers:
        c.subscribe([topic])
    # Both members in a stable generation, each with a share of the partitions, before any data.
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        for c in consumers:
            c.poll(0.1)
        shares = [len(c.assignment()) for c in consumers]
        if all(shares) and sum(shares) == PARTITIONS:
            break
    assert [len(c.assignment()) for c in consumers] != [0, 0]
    owned = [{tp.partition for tp in c.assignment()} for c in consumers]
    assert owned[0].isdisjoint(owned[1]) and owned[0] | owned[1] == set(range(PARTITIONS)), owned

    p = Producer({"bootstrap.servers": bootstrap})
    for i in range(RECORDS):
        p.produce(topic, key=str(i).encode(), value=f"v{i}".encode(), partition=i % PARTITIONS)
    assert p.flush(TIMEOUT) == 0

    seen: list[str] = []
    by_member = [0, 0]
    deadline = time.monotonic() + TIMEOUT
    while len(seen) < RECORDS and time.monotonic() < deadline:
        for n, c in enumerate(consumers):
            m = c.poll(0.05)
            if m is None or m.error():
                continue
            seen.append(m.value().decode())
            by_member[n] += 1
            c.commit(message=m, asynchronous=False)
    assert sorted(seen) == sorted(f"v{i}" for i in range(RECORDS)), f"{len(seen)} records"
    assert all(by_member), by_member
    for c in consumers:
        c.close()

    # The committed offsets survive the members: each partition at its end (RECORDS / PARTITIONS).
    probe = consumer(bootstrap, group)
    committed = probe.committed([TopicPartition(topic, i) for i in range(PARTITIONS)], timeout=TIMEOUT)
    probe.close()
    assert [tp.offset for tp in committed] == [RECORDS // PARTITIONS] * PARTITIONS
    # And the group is Empty with no members (DescribeGroups).
    desc = admin.describe_consumer_groups([group])[group].result(TIMEOUT)
    assert str(desc.state).endswith("EMPTY"), desc.state
    assert not desc.members


def test_kcat_balanced_consumer_commits_on_three_brokers(kafkette_serve) -> None:
    """kcat -G against three brokers in one process: FindCoordinator sends it to the group's node
    (the others answer NOT_COORDINATOR), it consumes, commits on exit, and a second run starts from
    the committed offsets."""
    kcat = shutil.which("kcat")
    if kcat is None:
        pytest.skip("kcat not installed")
    bootstrap = kafkette_serve(brokers=3)
    topic, group = "kcat-groups", "kcat-group"
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for f in admin.create_topics([NewTopic(topic, 3, 1)], operation_timeout=TIMEOUT).values():
        f.result(TIMEOUT)
    p = Producer({"bootstrap.servers": bootstrap})
    for i in range(30):
        p.produce(topic, value=f"v{i}".encode(), partition=i % 3)
    assert p.flush(TIMEOUT) == 0

    def run() -> list[str]:
        out = subprocess.run(
            [kcat, "-b", bootstrap, "-G", group, topic, "-X", "auto.offset.reset=earliest", "-e", "-q", "-f", "%s\n"],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
        assert out.returncode == 0, out.stderr
        return [line for line in out.stdout.splitlines() if line]

    assert sorted(run()) == sorted(f"v{i}" for i in range(30))
    assert run() == [], "the second run resumes from the committed offsets"
    offsets = admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(group)])[group].result(TIMEOUT)
    assert sorted((tp.partition, tp.offset) for tp in offsets.topic_partitions) == [(0, 10), (1, 10), (2, 10)]


def test_kafka_tools_read_the_group(kafkette_serve) -> None:
    """``__consumer_offsets`` holds Kafka's record schemas: Apache Kafka's console consumer with its
    OffsetsMessageFormatter and GroupMetadataMessageFormatter decodes what the coordinator wrote, and
    ``kafka-consumer-groups --describe`` shows the group's offsets and lag."""
    java = shutil.which("java")
    try:
        cp = java_classpath()
    except RuntimeError as e:
        pytest.skip(str(e))
    if java is None:
        pytest.skip("java not installed")
    bootstrap = kafkette_serve()
    topic, group = "formatted", "formatted-group"
    p = Producer({"bootstrap.servers": bootstrap})
    for i in range(5):
        p.produce(topic, value=b"x")
    assert p.flush(TIMEOUT) == 0
    c = consumer(bootstrap, group)
    c.subscribe([topic])
    deadline = time.monotonic() + TIMEOUT
    got = 0
    while got < 5 and time.monotonic() < deadline:
        m = c.poll(0.1)
        if m is not None and not m.error():
            got += 1
            c.commit(message=m, asynchronous=False)
    c.close()
    assert got == 5

    def formatted(formatter: str) -> list[dict]:
        out = subprocess.run(
            [java, "-cp", cp, "org.apache.kafka.tools.consumer.ConsoleConsumer", "--bootstrap-server", bootstrap,
             "--topic", "__consumer_offsets", "--from-beginning", "--timeout-ms", "2000",
             "--formatter", f"org.apache.kafka.tools.consumer.{formatter}"],
            capture_output=True, text=True, timeout=60,
        )
        decoder = json.JSONDecoder()
        text, docs, i = out.stdout, [], 0
        while (i := text.find("{", i)) >= 0:
            doc, i = decoder.raw_decode(text, i)
            docs.append(doc)
        return docs

    offsets = [d for d in formatted("OffsetsMessageFormatter") if d["key"]["data"].get("group") == group]
    assert offsets[-1]["key"]["data"] == {"group": group, "topic": topic, "partition": 0}
    assert offsets[-1]["value"]["data"]["offset"] == 5
    groups = [d for d in formatted("GroupMetadataMessageFormatter") if d["key"]["data"]["group"] == group]
    stable = [d["value"]["data"] for d in groups if d["value"] and d["value"]["data"]["members"]]
    assert stable and stable[-1]["protocolType"] == "consumer" and stable[-1]["protocol"] == "range"
    assert stable[-1]["members"][0]["clientHost"] == "/127.0.0.1"

    # kafka-consumer-groups --describe: the committed offset, the log end and the lag (3 newer records).
    for i in range(3):
        p.produce(topic, value=b"y")
    assert p.flush(TIMEOUT) == 0
    out = subprocess.run(
        [java, "-cp", cp, "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand", "--bootstrap-server",
         bootstrap, "--describe", "--group", group],
        capture_output=True, text=True, timeout=60,
    )
    rows = [line.split() for line in out.stdout.splitlines() if line.startswith(group)]
    assert [r[:6] for r in rows] == [[group, topic, "0", "5", "8", "3"]], out.stdout + out.stderr
