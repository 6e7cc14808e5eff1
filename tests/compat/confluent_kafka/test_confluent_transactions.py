"""confluent-kafka's transactional producer and read_committed consumer (issue 5), against Apache Kafka
4.1.1 (the proof that the checks are right) and kafkette (the scenarios that need the group coordinator
xfail until it lands).

- commit and abort: three transactions (commit, abort, commit); read_committed sees every committed record
  and never an aborted one (by assign() and by subscribe()), read_uncommitted sees all of them, and the
  commit/abort markers take an offset each.
- consume-process-produce: a copier in a group copies an input topic to an output topic in transactions,
  with ``send_offsets_to_transaction(position, consumer_group_metadata())``, one transaction aborted and
  redone on the way; the output equals the input exactly and the group's committed offsets are at the end.
- zombie fencing: a second producer with the same transactional.id fences the first, whose commit then
  fails with a fatal error, and whose records are never visible to read_committed.
"""

from __future__ import annotations

import logging
import time
import uuid

import pytest
from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from targets import targets

PARTITIONS = 3
TIMEOUT = 20  # seconds, per client call that waits for the broker

Row = tuple[int, bytes, bytes]  # partition, key, value

# librdkafka's log goes through Python logging, served by poll(): pytest shows it with a failure, and a client a
# failed test leaves behind stays silent instead of logging reconnects to its stopped broker until the session ends.
LOG = logging.getLogger("librdkafka")


def create_topics(bootstrap: str, *names: str) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap, "logger": LOG})
    for f in admin.create_topics([NewTopic(n, PARTITIONS, 1) for n in names], operation_timeout=TIMEOUT).values():
        f.result(TIMEOUT)


def fresh(what: str) -> str:
    return f"eos-ck-{what}-{uuid.uuid4().hex[:8]}"


def txn_producer(bootstrap: str, txn_id: str) -> Producer:
    p = Producer(
        {"bootstrap.servers": bootstrap, "logger": LOG, "transactional.id": txn_id, "transaction.timeout.ms": 30000}
    )
    p.init_transactions(TIMEOUT)
    return p


def send(p: Producer, topic: str, prefix: str, count: int) -> list[Row]:
    """Produce count records keyed k{i} to partition i % PARTITIONS; returns what was sent."""
    rows = [(i % PARTITIONS, f"k{i}".encode(), f"{prefix}-{i}".encode()) for i in range(count)]
    for part, k, v in rows:
        p.produce(topic, key=k, value=v, partition=part)
    return rows


def read(
    bootstrap: str, topic: str, isolation: str, expect: int, subscribe: bool = False
) -> list[tuple[int, int, Row]]:
    """Read the topic from the beginning until ``expect`` records arrived and then a quiet moment, by
    assign() or (subscribe=True) in a fresh group; returns (partition, offset, row) in arrival order."""
    c = Consumer(
        {
            "bootstrap.servers": bootstrap, "logger": LOG,
            "group.id": fresh("reader"),
            "isolation.level": isolation,
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    got: list[tuple[int, int, Row]] = []
    try:
        if subscribe:
            c.subscribe([topic])
        else:
            c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(PARTITIONS)])
        deadline = time.monotonic() + TIMEOUT
        quiet_until = None
        while time.monotonic() < deadline:
            msgs = c.consume(500, 0.3)
            for m in msgs:
                if m.error() is not None:
                    raise KafkaException(m.error())
                got.append((m.partition(), m.offset(), (m.partition(), m.key(), m.value())))
            if len(got) >= expect:
                quiet_until = quiet_until or time.monotonic() + 1.0  # anything more would be wrong: wait a bit
                if time.monotonic() > quiet_until:
                    break
    finally:
        c.close()
    return got


def per_partition(rows: list[Row]) -> dict[int, list[Row]]:
    out: dict[int, list[Row]] = {p: [] for p in range(PARTITIONS)}
    for r in rows:
        out[r[0]].append(r)
    return out


def check_read(got: list[tuple[int, int, Row]], want: list[Row], what: str) -> None:
    assert per_partition([r for _, _, r in got]) == per_partition(want), (
        f"{what}: read {len(got)} records, expected {len(want)} (per partition, in order)"
    )


@pytest.mark.parametrize("broker", targets(None), indirect=True)
def test_commit_and_abort(broker):
    topic = fresh("topic")
    create_topics(broker, topic)
    p = txn_producer(broker, fresh("txn"))
    p.begin_transaction()
    first = send(p, topic, "committed1", 90)
    p.commit_transaction(TIMEOUT)
    p.begin_transaction()
    aborted = send(p, topic, "aborted", 60)
    p.flush(TIMEOUT)  # the aborted records reach the log before the abort marker
    p.abort_transaction(TIMEOUT)
    p.begin_transaction()
    second = send(p, topic, "committed2", 90)
    p.commit_transaction(TIMEOUT)

    committed = read(broker, topic, "read_committed", len(first + second))
    check_read(committed, first + second, "read_committed by assign()")
    everything = read(broker, topic, "read_uncommitted", len(first + aborted + second))
    check_read(everything, first + aborted + second, "read_uncommitted by assign()")
    # Each partition holds its records and three control markers (commit, abort, commit), one offset each.
    for part in range(PARTITIONS):
        offsets = sorted(o for q, o, _ in everything if q == part)
        n = len(offsets)
        assert offsets[-1] == n + 1, f"partition {part}: last record at {offsets[-1]}, {n} records + 2 markers before"
        conf = {"bootstrap.servers": broker, "logger": LOG, "group.id": fresh("probe")}
        probe = Consumer({**conf, "isolation.level": "read_committed"})
        try:
            low, high = probe.get_watermark_offsets(TopicPartition(topic, part), TIMEOUT)
        finally:
            probe.close()
        assert (low, high) == (0, n + 3), f"partition {part}: watermarks {(low, high)}, want (0, {n + 3})"


@pytest.mark.parametrize("broker", targets(None), indirect=True)
def test_read_committed_subscribe(broker):
    topic = fresh("topic")
    create_topics(broker, topic)
    p = txn_producer(broker, fresh("txn"))
    p.begin_transaction()
    kept = send(p, topic, "committed", 60)
    p.commit_transaction(TIMEOUT)
    p.begin_transaction()
    send(p, topic, "aborted", 60)
    p.flush(TIMEOUT)
    p.abort_transaction(TIMEOUT)
    check_read(read(broker, topic, "read_committed", len(kept), subscribe=True), kept, "read_committed by subscribe()")


@pytest.mark.parametrize("broker", targets(None, three_brokers=True), indirect=True)
def test_consume_process_produce(broker):
    source, sink, group = fresh("in"), fresh("out"), fresh("copier")
    create_topics(broker, source, sink)
    plain = Producer({"bootstrap.servers": broker, "logger": LOG, "enable.idempotence": True})
    want = send(plain, source, "input", 600)
    assert plain.flush(TIMEOUT) == 0

    consumer = Consumer(
        {
            "bootstrap.servers": broker, "logger": LOG,
            "group.id": group,
            "isolation.level": "read_committed",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    producer = txn_producer(broker, fresh("copier-txn"))
    copied, batches, aborted_once = 0, 0, False
    try:
        consumer.subscribe([source])
        deadline = time.monotonic() + TIMEOUT
        while copied < len(want):
            assert time.monotonic() < deadline, f"copied {copied} of {len(want)} records in {TIMEOUT}s"
            msgs = consumer.consume(100, 0.5)
            if not msgs:
                continue
            for m in msgs:
                if m.error() is not None:
                    raise KafkaException(m.error())
            producer.begin_transaction()
            for m in msgs:
                producer.produce(sink, key=m.key(), value=m.value(), partition=m.partition())
            batches += 1
            if batches == 2 and not aborted_once:
                # Abort this one and read the batch again: its records and its offsets must vanish.
                aborted_once = True
                producer.flush(TIMEOUT)
                producer.abort_transaction(TIMEOUT)
                first: dict[int, int] = {}
                for m in msgs:
                    first.setdefault(m.partition(), m.offset())
                for part, offset in first.items():
                    consumer.seek(TopicPartition(source, part, offset))
                continue
            positions = consumer.position(consumer.assignment())
            producer.send_offsets_to_transaction(positions, consumer.consumer_group_metadata(), TIMEOUT)
            producer.commit_transaction(TIMEOUT)
            copied += len(msgs)
    finally:
        consumer.close()
    assert aborted_once, "the copy never got to a second batch to abort"

    check_read(read(broker, sink, "read_committed", len(want)), want, "the copy, read_committed")
    counts = {part: len(rows) for part, rows in per_partition(want).items()}
    probe = Consumer({"bootstrap.servers": broker, "logger": LOG, "group.id": group, "enable.auto.commit": False})
    try:
        committed = probe.committed([TopicPartition(source, part) for part in range(PARTITIONS)], TIMEOUT)
    finally:
        probe.close()
    assert {tp.partition: tp.offset for tp in committed} == counts, "the group's committed offsets are not at the end"


@pytest.mark.parametrize("broker", targets(None), indirect=True)
def test_zombie_is_fenced(broker):
    topic, txn_id = fresh("topic"), fresh("txn")
    create_topics(broker, topic)
    zombie = txn_producer(broker, txn_id)
    zombie.begin_transaction()
    send(zombie, topic, "zombie", 30)
    zombie.flush(TIMEOUT)

    successor = txn_producer(broker, txn_id)  # bumps the epoch and aborts the zombie's open transaction
    with pytest.raises(KafkaException) as failed:
        zombie.commit_transaction(TIMEOUT)
    err = failed.value.args[0]
    assert err.fatal(), f"the fenced producer's commit failed with a non-fatal error: {err}"
    assert err.code() in (KafkaError._FENCED, KafkaError.PRODUCER_FENCED, KafkaError.INVALID_PRODUCER_EPOCH), err

    successor.begin_transaction()
    kept = send(successor, topic, "successor", 30)
    successor.commit_transaction(TIMEOUT)
    check_read(read(broker, topic, "read_committed", len(kept)), kept, "read_committed after fencing")
