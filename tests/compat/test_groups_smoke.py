"""The broker's group coordinator with real clients: two confluent-kafka (librdkafka) consumers in one
group against ``kafkette serve`` share a 4-partition topic, commit after processing, and close; every
record is consumed exactly once and the group's committed offsets are the log end offsets. kcat's
balanced consumer (``-G``) commits and resumes against three brokers in one process.

(The larger group scenarios — members killed mid-stream, kafkajs, Java — live elsewhere.)
"""

from __future__ import annotations

import shutil
import subprocess
import time

import pytest
from confluent_kafka import Consumer, ConsumerGroupTopicPartitions, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

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
