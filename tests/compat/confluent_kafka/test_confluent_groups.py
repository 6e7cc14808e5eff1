"""confluent-kafka consumers in one group (issue 6), against Apache Kafka 4.1.1 (the proof that the checks are
right) and kafkette (xfail until the group coordinator lands).

Three consumers share a 6-partition topic (subscribe with on_assign/on_revoke; commit after processing): two
in this process, one in a subprocess (member_process.py). Records arrive in three waves: after the first, one
in-process member is closed (it leaves the group); during the second, the subprocess is killed with SIGKILL
mid-stream (its session, 6 s, expires); after the third the survivor owns every partition, every record was
processed at least once, and the group's committed offsets are at the end of each partition.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Callable, Optional

import pytest
from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from targets import GROUP, targets

PARTITIONS = 6
WAVE = 600
SESSION_MS = 6000
TIMEOUT = 20
MEMBER = Path(__file__).resolve().parent / "member_process.py"

# librdkafka's log goes through Python logging, served by poll(): pytest shows it with a failure, and a client a
# failed test leaves behind stays silent instead of logging reconnects to its stopped broker until the session ends.
LOG = logging.getLogger("librdkafka")


class Member:
    """An in-process group member that commits after processing each batch."""

    def __init__(self, bootstrap: str, group: str, topic: str, processed: set) -> None:
        self.assigned: set[int] = set()
        self.processed = processed
        self.consumer = Consumer(
            {
                "bootstrap.servers": bootstrap, "logger": LOG,
                "group.id": group,
                "session.timeout.ms": SESSION_MS,
                "heartbeat.interval.ms": 500,
                "auto.offset.reset": "earliest",
                "enable.auto.commit": False,
            }
        )
        self.consumer.subscribe([topic], on_assign=self.on_assign, on_revoke=self.on_revoke)

    def on_assign(self, _c, parts) -> None:
        self.assigned |= {p.partition for p in parts}

    def on_revoke(self, _c, parts) -> None:
        self.assigned -= {p.partition for p in parts}

    def poll(self) -> None:
        msgs = self.consumer.consume(100, 0.1)
        for m in msgs:
            if m.error() is not None:
                raise KafkaException(m.error())
            self.processed.add((m.partition(), m.offset()))
        if msgs:
            try:
                self.consumer.commit(asynchronous=False)
            except KafkaException as e:  # a rebalance between processing and commit: read again, at least once
                print(f"commit failed: {e}", file=sys.stderr)


class Subprocess:
    """member_process.py, its stdout read by a thread."""

    def __init__(self, bootstrap: str, group: str, topic: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(MEMBER), bootstrap, group, topic, str(SESSION_MS), "20"],
            stdout=subprocess.PIPE,
            text=True,
        )
        self.assigned: set[int] = set()
        self.processed: set[tuple[int, int]] = set()
        self.lock = threading.Lock()
        threading.Thread(target=self.read, daemon=True).start()

    def read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            event = json.loads(line)
            with self.lock:
                if "assigned" in event:
                    self.assigned |= set(event["assigned"])
                elif "revoked" in event:
                    self.assigned -= set(event["revoked"])
                else:
                    self.processed |= {tuple(r) for r in event["records"]}

    def kill(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()


def produce(bootstrap: str, topic: str, wave: int) -> set[tuple[int, int]]:
    """WAVE records spread over the partitions; returns their (partition, offset)s."""
    delivered: set[tuple[int, int]] = set()

    def report(err, msg) -> None:
        assert err is None, err
        delivered.add((msg.partition(), msg.offset()))

    p = Producer({"bootstrap.servers": bootstrap, "logger": LOG})
    for i in range(WAVE):
        p.produce(topic, value=f"wave{wave}-{i}".encode(), partition=i % PARTITIONS, on_delivery=report)
    assert p.flush(TIMEOUT) == 0
    return delivered


def pump(members: list[Member], until: Callable[[], bool], what: str, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not until():
        assert time.monotonic() < deadline, f"not within {timeout}s: {what}"
        for m in members:
            m.poll()


@pytest.mark.parametrize("broker", targets(GROUP, three_brokers=True), indirect=True)
def test_three_members_one_closed_one_killed(broker):
    topic, group = f"groups-ck-{uuid.uuid4().hex[:8]}", f"group-ck-{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": broker, "logger": LOG})
    admin.create_topics([NewTopic(topic, PARTITIONS, 1)])[topic].result(TIMEOUT)

    processed: set[tuple[int, int]] = set()
    child: Optional[Subprocess] = Subprocess(broker, group, topic)
    a, b = Member(broker, group, topic, processed), Member(broker, group, topic, processed)
    try:

        def stable_three() -> bool:
            with child.lock:
                owners = [a.assigned, b.assigned, child.assigned]
                return all(len(o) == 2 for o in owners) and set().union(*owners) == set(range(PARTITIONS))

        pump([a, b], stable_three, "three members with two partitions each")

        produced = produce(broker, topic, 1)
        pump([a, b], lambda: produced <= processed | child.processed, "the first wave processed")
        assert child.processed, "the subprocess member processed nothing of the first wave"

        a.consumer.close()  # leaves the group: b and the subprocess share the six partitions
        before = len(child.processed)
        produced |= produce(broker, topic, 2)
        pump([b], lambda: len(child.processed) > before, "the subprocess member reading the second wave")
        child.kill()  # mid-stream: no LeaveGroup, the coordinator waits for the session to expire
        produced |= produce(broker, topic, 3)

        pump(
            [b],
            lambda: b.assigned == set(range(PARTITIONS)) and produced <= processed | child.processed,
            "the survivor owning every partition and every record processed",
            timeout=TIMEOUT + SESSION_MS / 1000,
        )
        ends = {p: max(o for q, o in produced if q == p) + 1 for p in range(PARTITIONS)}
        committed = b.consumer.committed([TopicPartition(topic, p) for p in range(PARTITIONS)], TIMEOUT)
        assert {tp.partition: tp.offset for tp in committed} == ends, "committed offsets not at the end"
        assert processed | child.processed == produced, "records processed that were never produced"
    finally:
        if child.proc.poll() is None:
            child.kill()
        b.consumer.close()
