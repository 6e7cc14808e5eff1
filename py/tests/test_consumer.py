"""Consumer: assign, seek, position, offset reset, partition EOF, consume, pause."""

from __future__ import annotations

import time

import pytest

from conftest import consumer, create
from kafkette import (
    OFFSET_BEGINNING,
    OFFSET_END,
    OFFSET_INVALID,
    AdminClient,
    Cluster,
    KafkaError,
    Message,
    Producer,
    TopicPartition,
)


def fill(producer: Producer, topic: str, n: int, partition: int = 0) -> None:
    for i in range(n):
        producer.produce(topic, f"v{i}", partition=partition)
    assert producer.flush(10) == 0


def poll_value(c: object, timeout: float = 5) -> Message:
    from kafkette import Consumer

    assert isinstance(c, Consumer)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        m = c.poll(0.5)
        if m is not None:
            return m
    raise AssertionError("no message")


def test_assign_seek_position(kafka_cluster: Cluster, producer: Producer) -> None:
    fill(producer, "s", 10)
    c = consumer(kafka_cluster)
    tp = TopicPartition("s", 0, 3)
    c.assign([tp])
    assert c.assignment() == [TopicPartition("s", 0)]
    m = poll_value(c)
    assert (m.offset(), m.value()) == (3, b"v3")
    assert c.position([TopicPartition("s", 0)])[0].offset == 4
    c.seek(TopicPartition("s", 0, 8))
    assert poll_value(c).offset() == 8
    c.seek(TopicPartition("s", 0, OFFSET_BEGINNING))
    assert poll_value(c).offset() == 0
    assert c.position([TopicPartition("s", 0)])[0].offset == 1
    c.unassign()
    assert c.assignment() == []
    c.close()


def test_consume_returns_up_to_n(kafka_cluster: Cluster, producer: Producer) -> None:
    fill(producer, "batch", 7)
    c = consumer(kafka_cluster)
    c.assign([TopicPartition("batch", 0, OFFSET_BEGINNING)])
    got: list[Message] = []
    deadline = time.monotonic() + 10
    while len(got) < 7 and time.monotonic() < deadline:
        msgs = c.consume(num_messages=5, timeout=1)
        assert len(msgs) <= 5
        got.extend(msgs)
    assert [m.offset() for m in got] == list(range(7))
    assert c.consume(3, timeout=0.1) == []
    with pytest.raises(ValueError):
        c.consume(0)
    with pytest.raises(TypeError):
        c.consume("3")  # type: ignore[arg-type]
    c.close()


def test_auto_offset_reset_earliest_latest_and_none(kafka_cluster: Cluster, producer: Producer) -> None:
    fill(producer, "reset", 3)
    early = consumer(kafka_cluster, auto_offset_reset="earliest")
    early.assign([TopicPartition("reset", 0)])  # OFFSET_INVALID: auto.offset.reset decides
    assert poll_value(early).offset() == 0
    late = consumer(kafka_cluster, auto_offset_reset="latest")
    late.assign([TopicPartition("reset", 0, OFFSET_INVALID)])
    assert late.poll(0.3) is None
    producer.produce("reset", b"new")
    producer.flush(10)
    m = poll_value(late)
    assert (m.offset(), m.value()) == (3, b"new")
    none = consumer(kafka_cluster, auto_offset_reset="none")
    none.assign([TopicPartition("reset", 0)])
    m = poll_value(none)
    err = m.error()
    assert isinstance(err, KafkaError)
    assert err.code() in (KafkaError._NO_OFFSET, KafkaError._AUTO_OFFSET_RESET)
    assert "reset-0" in err.str()
    for c in (early, late, none):
        c.close()


def test_offset_end_starts_after_the_last_record(kafka_cluster: Cluster, producer: Producer) -> None:
    fill(producer, "end", 4)
    c = consumer(kafka_cluster)
    c.assign([TopicPartition("end", 0, OFFSET_END)])
    assert c.poll(0.3) is None
    producer.produce("end", b"tail")
    producer.flush(10)
    assert poll_value(c).offset() == 4
    c.close()


def test_partition_eof_when_enabled(kafka_cluster: Cluster, producer: Producer) -> None:
    fill(producer, "eof", 2)
    c = consumer(kafka_cluster, enable_partition_eof=True)
    c.assign([TopicPartition("eof", 0, OFFSET_BEGINNING)])
    assert poll_value(c).offset() == 0
    assert poll_value(c).offset() == 1
    start = time.monotonic()
    m = poll_value(c)
    assert time.monotonic() - start < 2  # EOF wakes the poll, it does not wait the timeout
    err = m.error()
    assert isinstance(err, KafkaError) and err.code() == KafkaError._PARTITION_EOF
    assert err.name() == "_PARTITION_EOF" and not err.fatal() and not err.retriable()
    assert (m.topic(), m.partition(), m.offset()) == ("eof", 0, 2)
    assert c.poll(0.2) is None  # reported once per arrival at the end
    c.close()
    without = consumer(kafka_cluster)
    without.assign([TopicPartition("eof", 0, 2)])
    assert without.poll(0.3) is None
    without.close()


def test_pause_and_resume(kafka_cluster: Cluster, producer: Producer, admin: AdminClient) -> None:
    create(admin, "pr", 2)
    fill(producer, "pr", 3, partition=0)
    fill(producer, "pr", 3, partition=1)
    c = consumer(kafka_cluster)
    c.assign([TopicPartition("pr", 0, OFFSET_BEGINNING), TopicPartition("pr", 1, OFFSET_BEGINNING)])
    c.pause([TopicPartition("pr", 0)])
    got = [poll_value(c) for _ in range(3)]
    assert {m.partition() for m in got} == {1}
    assert c.poll(0.3) is None
    c.resume([TopicPartition("pr", 0)])
    assert {poll_value(c).partition() for _ in range(3)} == {0}
    c.close()


def test_closed_consumer_raises_runtime_error(kafka_cluster: Cluster) -> None:
    c = consumer(kafka_cluster)
    c.close()
    c.close()
    with pytest.raises(RuntimeError):
        c.poll(0)
    with pytest.raises(RuntimeError):
        c.assign([TopicPartition("x", 0)])


def test_bad_arguments(kafka_cluster: Cluster) -> None:
    c = consumer(kafka_cluster)
    with pytest.raises(TypeError):
        c.assign(["t"])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        c.seek(("t", 0, 1))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        TopicPartition("t", "0")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        c.poll("1")  # type: ignore[arg-type]
    from kafkette import KafkaException

    with pytest.raises(KafkaException) as info:
        c.seek(TopicPartition("never-assigned", 0, 1))
    assert "never-assigned-0" in str(info.value)
    with pytest.raises(KafkaException) as info:
        c.seek(TopicPartition("t", 0, -5))
    assert info.value.args[0].code() == KafkaError._INVALID_ARG
    c.close()
