"""Producer → Consumer round trips, delivery reports, flush, queue limits, codecs."""

from __future__ import annotations

import time
from typing import Any, Optional

import pytest

from conftest import conf, consumer, create
from kafkette import (
    OFFSET_BEGINNING,
    TIMESTAMP_CREATE_TIME,
    TIMESTAMP_LOG_APPEND_TIME,
    AdminClient,
    Cluster,
    KafkaError,
    KafkaException,
    Message,
    Producer,
    TopicPartition,
)


def read_all(cluster: Cluster, topic: str, n: int, partition: int = 0) -> list[Message]:
    c = consumer(cluster)
    c.assign([TopicPartition(topic, partition, OFFSET_BEGINNING)])
    out: list[Message] = []
    deadline = time.monotonic() + 10
    while len(out) < n and time.monotonic() < deadline:
        m = c.poll(0.5)
        if m is not None:
            assert m.error() is None, m.error()
            out.append(m)
    c.close()
    return out


def test_round_trip_keys_values_none_headers_and_timestamps(kafka_cluster: Cluster, producer: Producer) -> None:
    producer.produce("rt", value="héllo", key="k1", timestamp=1_600_000_000_123)
    producer.produce("rt", value=None, key=b"k2")  # a tombstone
    producer.produce("rt", value=b"v3", headers=[("h", b"1"), ("h", "2"), ("empty", None)])
    producer.produce("rt", value=bytearray(b"v4"), headers={"a": "x", "b": None})
    assert producer.flush(10) == 0
    before = int(time.time() * 1000)
    msgs = read_all(kafka_cluster, "rt", 4)
    assert [m.offset() for m in msgs] == [0, 1, 2, 3]
    assert [m.value() for m in msgs] == ["héllo".encode(), None, b"v3", b"v4"]
    assert [m.key() for m in msgs] == [b"k1", b"k2", None, None]
    assert msgs[0].timestamp() == (TIMESTAMP_CREATE_TIME, 1_600_000_000_123)
    ts_type, ts = msgs[1].timestamp()
    assert ts_type == TIMESTAMP_CREATE_TIME and abs(ts - before) < 60_000
    assert msgs[0].headers() is None
    assert msgs[2].headers() == [("h", b"1"), ("h", b"2"), ("empty", None)]
    assert msgs[3].headers() == [("a", b"x"), ("b", None)]
    assert all(m.topic() == "rt" and m.partition() == 0 for m in msgs)
    assert len(msgs[0]) == len("héllo".encode()) and len(msgs[1]) == 0


def test_delivery_callbacks_report_partition_offset_and_the_record(
    kafka_cluster: Cluster, producer: Producer, admin: AdminClient
) -> None:
    create(admin, "dr", 3)
    reports: list[tuple[Optional[KafkaError], Message]] = []
    for i in range(6):
        producer.produce("dr", value=f"v{i}", key=f"k{i}", partition=i % 3, on_delivery=lambda e, m: reports.append((e, m)))
    producer.produce("dr", value="alias", partition=1, callback=lambda e, m: reports.append((e, m)))
    assert len(producer) >= 0
    assert producer.flush(10) == 0
    assert len(reports) == 7
    assert all(err is None for err, _ in reports)
    by_partition: dict[int, list[int]] = {}
    for _, m in reports:
        assert m.topic() == "dr" and m.error() is None
        assert m.timestamp()[0] == TIMESTAMP_CREATE_TIME
        p, o = m.partition(), m.offset()
        assert p is not None and o is not None
        by_partition.setdefault(p, []).append(o)
    assert by_partition == {0: [0, 1], 1: [0, 1, 2], 2: [0, 1]}
    # Reports come per batch (partition by partition); each carries its own record.
    by_value = {m.value(): m for _, m in reports}
    assert by_value[b"v0"].key() == b"k0" and by_value[b"v0"].partition() == 0
    assert by_value[b"alias"].partition() == 1 and by_value[b"alias"].key() is None


def test_poll_serves_reports_and_counts_them(producer: Producer) -> None:
    got: list[Any] = []
    producer.produce("poll", b"a", on_delivery=lambda e, m: got.append(m.offset()))
    producer.produce("poll", b"b", on_delivery=lambda e, m: got.append(m.offset()))
    served = 0
    deadline = time.monotonic() + 10
    while served < 2 and time.monotonic() < deadline:
        served += producer.poll(1.0)
    assert served == 2 and got == [0, 1]
    assert len(producer) == 0
    start = time.monotonic()
    assert producer.poll(0.2) == 0  # nothing to serve: waits the timeout
    assert time.monotonic() - start >= 0.15
    assert producer.poll(0) == 0


def test_config_on_delivery_is_the_default_callback(kafka_cluster: Cluster) -> None:
    got: list[Any] = []
    p = Producer(conf(kafka_cluster), on_delivery=lambda e, m: got.append(("default", m.offset())))
    p.produce("d", b"1")
    p.produce("d", b"2", on_delivery=lambda e, m: got.append(("own", m.offset())))
    assert p.flush(10) == 0
    assert got == [("default", 0), ("own", 1)]


def test_flush_returns_what_is_still_queued(kafka_cluster: Cluster) -> None:
    # linger.ms is long, so records wait in the queue until flush sends them.
    p = Producer(conf(kafka_cluster, linger_ms=60_000))
    for i in range(5):
        p.produce("f", str(i))
    assert len(p) == 5
    assert p.flush(10) == 0
    assert len(p) == 0
    # An unknown topic with auto-creation off never gets metadata: flush times out with records left.
    p2 = Producer(conf(kafka_cluster, allow_auto_create_topics=False, delivery_timeout_ms=60_000))
    p2.produce("no-such-topic", b"x")
    start = time.monotonic()
    assert p2.flush(0.3) == 1
    assert 0.25 <= time.monotonic() - start < 5
    assert len(p2) == 1


def test_buffer_error_when_the_queue_is_full(kafka_cluster: Cluster) -> None:
    p = Producer(conf(kafka_cluster, queue_buffering_max_messages=3, linger_ms=60_000))
    for i in range(3):
        p.produce("full", b"x")
    with pytest.raises(BufferError) as info:
        p.produce("full", b"x")
    cause = info.value.__cause__
    assert isinstance(cause, KafkaException) and cause.args[0].code() == KafkaError._QUEUE_FULL
    assert p.flush(10) == 0
    p.produce("full", b"after")  # room again
    assert p.flush(10) == 0


def test_acks_zero_reports_offset_minus_one_and_stores(kafka_cluster: Cluster) -> None:
    p = Producer(conf(kafka_cluster, acks=0))
    offsets: list[Optional[int]] = []
    for i in range(3):
        p.produce("a0", f"{i}", on_delivery=lambda e, m: offsets.append(m.offset()))
    assert p.flush(10) == 0
    assert offsets == [-1, -1, -1]
    assert [m.value() for m in read_all(kafka_cluster, "a0", 3)] == [b"0", b"1", b"2"]


@pytest.mark.parametrize("codec", ["none", "gzip", "snappy", "lz4", "zstd"])
def test_compression_types_round_trip(kafka_cluster: Cluster, codec: str) -> None:
    p = Producer(conf(kafka_cluster, compression_type=codec, linger_ms=50))
    values = [f"{codec}-{i}-".encode() * 20 for i in range(20)]
    for v in values:
        p.produce("c", v, key=b"same")
    assert p.flush(10) == 0
    assert [m.value() for m in read_all(kafka_cluster, "c", 20)] == values


def test_log_append_time_topics(kafka_cluster: Cluster, producer: Producer, admin: AdminClient) -> None:
    create(admin, "lat", 1, **{"message.timestamp.type": "LogAppendTime"})
    producer.produce("lat", b"x", timestamp=1000)
    assert producer.flush(10) == 0
    (m,) = read_all(kafka_cluster, "lat", 1)
    ts_type, ts = m.timestamp()
    assert ts_type == TIMESTAMP_LOG_APPEND_TIME and ts > 1000


def test_keyed_records_use_the_java_partitioner(kafka_cluster: Cluster, producer: Producer, admin: AdminClient) -> None:
    create(admin, "keyed", 6)
    parts: list[Optional[int]] = []
    for _ in range(3):
        producer.produce("keyed", b"v", key=b"customer-42", on_delivery=lambda e, m: parts.append(m.partition()))
    assert producer.flush(10) == 0
    assert len(set(parts)) == 1


def test_explicit_partition_out_of_range_fails_the_record(
    kafka_cluster: Cluster, producer: Producer, admin: AdminClient
) -> None:
    create(admin, "two", 2)
    errors: list[Optional[KafkaError]] = []
    producer.produce("two", b"warm-up")
    producer.flush(10)
    try:
        producer.produce("two", b"x", partition=7, on_delivery=lambda e, m: errors.append(e))
    except KafkaException as e:
        # Known partition count: refused at once, as librdkafka does.
        assert e.args[0].code() == KafkaError._UNKNOWN_PARTITION
        return
    producer.flush(10)
    assert errors and errors[0] is not None and errors[0].code() == KafkaError._UNKNOWN_PARTITION


def test_exceptions_in_delivery_callbacks_propagate_from_poll_and_flush(producer: Producer) -> None:
    seen: list[Optional[int]] = []

    def boom(err: Optional[KafkaError], msg: Message) -> None:
        seen.append(msg.offset())
        raise ValueError(f"callback failed at {msg.offset()}")

    producer.produce("cb", b"1", on_delivery=boom)
    producer.produce("cb", b"2", on_delivery=boom)
    with pytest.raises(ValueError, match="callback failed at 0"):
        producer.flush(10)
    # The second report waits for the next poll, which raises too.
    with pytest.raises(ValueError, match="callback failed at 1"):
        producer.poll(5)
    assert seen == [0, 1]
    assert producer.flush(1) == 0


def test_closed_producer_refuses_work(producer: Producer) -> None:
    producer.close()
    with pytest.raises(KafkaException) as info:
        producer.produce("x", b"1")
    assert info.value.args[0].code() == KafkaError._DESTROY
    assert producer.flush(0) == 0


def test_failed_delivery_reports_the_error_with_the_record(kafka_cluster: Cluster) -> None:
    p = Producer(conf(kafka_cluster, allow_auto_create_topics=False, delivery_timeout_ms=300, request_timeout_ms=100,
                      linger_ms=0))
    reports: list[tuple[Optional[KafkaError], Message]] = []
    p.produce("absent", b"lost", key=b"k", on_delivery=lambda e, m: reports.append((e, m)))
    assert p.flush(10) == 0
    ((err, msg),) = reports
    assert isinstance(err, KafkaError) and msg.error() == err
    assert err.code() in (KafkaError._MSG_TIMED_OUT, KafkaError.UNKNOWN_TOPIC_OR_PART), repr(err)
    assert (msg.topic(), msg.partition(), msg.value(), msg.key()) == ("absent", -1, b"lost", b"k")


# Apache Kafka's murmur2 vectors (UtilsTest.testMurmur2), as partitions of a 6-partition topic:
# positive-masked hash modulo 6, what the Java client's default partitioner picks.
MURMUR2_PARTITIONS_OF_6 = {
    "21": 0,  # murmur2 = -973932308
    "foobar": 0,  # -790332482
    "a-little-bit-long-string": 2,  # -985981536
    "a-little-bit-longer-string": 5,  # -1486304829
    "lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8": 5,  # -58897971
    "abc": 3,  # 479470107
}


def test_keys_land_on_the_java_partitioners_partition(kafka_cluster: Cluster, producer: Producer) -> None:
    admin = AdminClient(conf(kafka_cluster))
    create(admin, "keyed", 6)
    reports: dict[str, int] = {}

    def on_delivery(err: Optional[KafkaError], msg: Message) -> None:
        assert err is None, err
        reports[msg.key().decode()] = msg.partition()  # type: ignore[union-attr]

    for key in MURMUR2_PARTITIONS_OF_6:
        producer.produce("keyed", value=b"v", key=key, on_delivery=on_delivery)
    assert producer.flush(10) == 0
    assert reports == MURMUR2_PARTITIONS_OF_6
