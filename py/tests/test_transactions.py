"""Transactions: commit and abort seen through read_committed, a consume-process-produce
copy with send_offsets_to_transaction, fencing of a zombie producer, error flags."""

from __future__ import annotations

import time
from typing import Any

import pytest

from conftest import conf, consumer, create
from kafkette import (
    OFFSET_BEGINNING,
    AdminClient,
    Cluster,
    ConsumerGroupMetadata,
    KafkaError,
    KafkaException,
    Message,
    NewTopic,
    Producer,
    TopicPartition,
)


def txn_producer(cluster: Cluster, tid: str, **extra: Any) -> Producer:
    p = Producer(conf(cluster, **{"transactional.id": tid}, **extra))
    p.init_transactions(10)
    return p


def read_all(cluster: Cluster, topic: str, partitions: int = 1, isolation: str = "read_committed") -> list[str]:
    """Every value readable with `isolation`, stopping at the end of each partition."""
    c = consumer(cluster, **{"isolation.level": isolation, "enable.partition.eof": True})
    c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(partitions)])
    out: list[str] = []
    eofs: set[int] = set()
    deadline = time.monotonic() + 10
    while len(eofs) < partitions and time.monotonic() < deadline:
        m = c.poll(0.2)
        if m is None:
            continue
        err = m.error()
        if err is not None:
            assert err.code() == KafkaError._PARTITION_EOF, err
            eofs.add(m.partition() or 0)
            continue
        v = m.value()
        assert isinstance(v, bytes)
        out.append(v.decode())
    c.close()
    assert len(eofs) == partitions, "partition EOF not reached"
    return out


def test_commit_is_seen_and_abort_is_not(kafka_cluster: Cluster, admin: AdminClient) -> None:
    create(admin, "tx-out")
    p = txn_producer(kafka_cluster, "tx-1")
    reports: list[tuple[KafkaError | None, Message]] = []

    p.begin_transaction()
    for i in range(3):
        p.produce("tx-out", f"c{i}", on_delivery=lambda e, m: reports.append((e, m)))
    p.commit_transaction(10)
    p.begin_transaction()
    for i in range(3):
        p.produce("tx-out", f"a{i}")
    p.flush(10)
    p.abort_transaction(10)
    p.begin_transaction()
    p.produce("tx-out", "c3")
    p.commit_transaction(10)
    p.poll(0)

    assert [e for e, _ in reports] == [None, None, None]
    assert read_all(kafka_cluster, "tx-out") == ["c0", "c1", "c2", "c3"]
    # read_uncommitted sees the aborted records too; no control batch reaches the application.
    assert read_all(kafka_cluster, "tx-out", isolation="read_uncommitted") == ["c0", "c1", "c2", "a0", "a1", "a2", "c3"]
    p.close()


def test_open_transaction_is_invisible_to_read_committed(kafka_cluster: Cluster, admin: AdminClient) -> None:
    create(admin, "tx-open")
    p = txn_producer(kafka_cluster, "tx-open")
    p.begin_transaction()
    p.produce("tx-open", "pending")
    assert p.flush(10) == 0
    # read_committed stops at the last stable offset: nothing, for as long as we wait.
    c = consumer(kafka_cluster, **{"isolation.level": "read_committed"})
    c.assign([TopicPartition("tx-open", 0, OFFSET_BEGINNING)])
    assert [m for m in c.consume(10, 1.0) if m.error() is None] == []
    c.close()
    assert read_all(kafka_cluster, "tx-open", isolation="read_uncommitted") == ["pending"]
    p.commit_transaction(10)
    assert read_all(kafka_cluster, "tx-open") == ["pending"]
    p.close()


def test_consume_process_produce_copy(kafka_cluster: Cluster, admin: AdminClient) -> None:
    create(admin, "copy-in", 2)
    create(admin, "copy-out", 2)
    src = Producer(conf(kafka_cluster))
    for i in range(40):
        src.produce("copy-in", f"r{i}", partition=i % 2)
    assert src.flush(10) == 0
    src.close()

    c = consumer(
        kafka_cluster,
        **{"group.id": "copier", "enable.auto.commit": False, "auto.offset.reset": "earliest",
           "isolation.level": "read_committed"},
    )
    c.subscribe(["copy-in"])
    p = txn_producer(kafka_cluster, "copier-1")
    copied = 0
    aborted_once = False
    deadline = time.monotonic() + 30
    while copied < 40 and time.monotonic() < deadline:
        batch = [m for m in c.consume(10, 0.5) if m.error() is None]
        if not batch:
            continue
        p.begin_transaction()
        for m in batch:
            p.produce("copy-out", m.value(), partition=m.partition() or 0)
        next_offsets: dict[TopicPartition, int] = {}
        for m in batch:
            next_offsets[TopicPartition(m.topic() or "", m.partition() or 0)] = (m.offset() or 0) + 1
        positions = [TopicPartition(tp.topic, tp.partition, o) for tp, o in next_offsets.items()]
        p.send_offsets_to_transaction(positions, c.consumer_group_metadata(), 10)
        if not aborted_once:
            # The first batch is aborted and copied again: neither its records nor its offsets count.
            aborted_once = True
            p.abort_transaction(10)
            for tp in positions:
                c.seek(TopicPartition(tp.topic, tp.partition, min(m.offset() or 0 for m in batch if m.partition() == tp.partition)))
            continue
        p.commit_transaction(10)
        copied += len(batch)
    assert copied == 40
    committed = c.committed([TopicPartition("copy-in", 0), TopicPartition("copy-in", 1)], 10)
    assert [tp.offset for tp in committed] == [20, 20]
    c.close()
    p.close()

    out = read_all(kafka_cluster, "copy-out", 2)
    assert sorted(out, key=lambda v: int(v[1:])) == [f"r{i}" for i in range(40)]
    # Order is kept per partition.
    for part in (0, 1):
        vals = [v for v in read_all(kafka_cluster, "copy-out", 2) if int(v[1:]) % 2 == part]
        assert vals == [f"r{i}" for i in range(part, 40, 2)]


def test_second_producer_fences_the_first(kafka_cluster: Cluster, admin: AdminClient) -> None:
    create(admin, "fence")
    old = txn_producer(kafka_cluster, "zombie")
    old.begin_transaction()
    old.produce("fence", "old")
    assert old.flush(10) == 0
    new = txn_producer(kafka_cluster, "zombie")  # aborts the old one's open transaction
    new.begin_transaction()
    new.produce("fence", "new")
    new.commit_transaction(10)

    with pytest.raises(KafkaException) as info:
        old.produce("fence", "late")
        old.commit_transaction(5)
    err = info.value.args[0]
    assert isinstance(err, KafkaError)
    assert err.fatal()
    assert not err.retriable()
    assert err.code() in (KafkaError.PRODUCER_FENCED, KafkaError.INVALID_PRODUCER_EPOCH)
    assert read_all(kafka_cluster, "fence") == ["new"]
    old.close()
    new.close()


def test_misuse_raises_typed_errors(kafka_cluster: Cluster, admin: AdminClient) -> None:
    create(admin, "tx-misuse")
    plain = Producer(conf(kafka_cluster))
    with pytest.raises(KafkaException) as info:
        plain.begin_transaction()
    assert info.value.args[0].code() == KafkaError._STATE
    plain.close()

    p = Producer(conf(kafka_cluster, **{"transactional.id": "misuse"}))
    with pytest.raises(KafkaException):
        p.begin_transaction()  # before init_transactions
    p.init_transactions(10)
    with pytest.raises(KafkaException):
        p.commit_transaction(1)  # no transaction open
    p.begin_transaction()
    with pytest.raises(TypeError):
        p.send_offsets_to_transaction([("t", 0, 1)], ConsumerGroupMetadata("g"))  # type: ignore[list-item]
    with pytest.raises(TypeError):
        p.send_offsets_to_transaction([TopicPartition("t", 0, 1)], "g")  # type: ignore[arg-type]
    with pytest.raises(KafkaException):
        p.send_offsets_to_transaction([TopicPartition("t", 0, -1)], ConsumerGroupMetadata("g"))
    p.send_offsets_to_transaction([TopicPartition("tx-misuse", 0, 0)], ConsumerGroupMetadata("g-plain"), 10)
    p.abort_transaction(10)
    p.close()
    with pytest.raises(KafkaException) as info:
        p.begin_transaction()
    assert info.value.args[0].code() == KafkaError._DESTROY


def test_failed_record_makes_commit_require_abort(kafka_cluster: Cluster, admin: AdminClient) -> None:
    admin.create_topics([NewTopic("tx-small", 1, config={"max.message.bytes": "200"})])["tx-small"].result(10)
    p = txn_producer(kafka_cluster, "tx-abortable")
    reports: list[KafkaError | None] = []
    p.begin_transaction()
    p.produce("tx-small", "ok", on_delivery=lambda e, m: reports.append(e))
    p.produce("tx-small", "x" * 5000, on_delivery=lambda e, m: reports.append(e))
    with pytest.raises(KafkaException) as info:
        p.commit_transaction(10)
    err = info.value.args[0]
    assert err.txn_requires_abort() and not err.fatal() and not err.retriable()
    assert err.code() == KafkaError.MSG_SIZE_TOO_LARGE
    p.poll(0)  # the delivery reports of the failed transaction
    assert any(e is not None and e.code() == KafkaError.MSG_SIZE_TOO_LARGE for e in reports)
    p.abort_transaction(10)
    # After the abort the producer is usable again.
    p.begin_transaction()
    p.produce("tx-small", "again")
    p.commit_transaction(10)
    assert read_all(kafka_cluster, "tx-small") == ["again"]
    p.close()
