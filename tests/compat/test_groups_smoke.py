"""The broker's group coordinator with a real client: two confluent-kafka (librdkafka) consumers in one
group against ``kafkette serve`` share a 4-partition topic, commit after processing, and close; every
record is consumed exactly once and the group's committed offsets are the log end offsets.

(The larger group scenarios — members killed mid-stream, kafkajs, Java — live elsewhere.)
"""

from __future__ import annotations

import time

from confluent_kafka import Consumer, Producer, TopicPartition
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
