"""confluent-kafka (PyPI, librdkafka inside): create a topic with its AdminClient, produce the scenario's
keyed records with headers, read them back, against kafkette serve, an in-process Cluster, three brokers
in one `kafkette serve`, and Apache Kafka (the proof that the test itself is right).

librdkafka's default partitioner is ``consistent_random`` (CRC32 of the key); ``murmur2_random`` is the
Java client's, which the scenario checks.
"""

from __future__ import annotations

import logging
import time

import pytest
from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

import scenario
from scenario import CODECS, COMPRESSED_RECORDS, PARTITIONS, RECORDS, Read

TIMEOUT = 30


class LogLines(logging.Handler):
    """librdkafka's log lines (confluent-kafka hands them to a Python logger)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def create_topic(bootstrap: str) -> str:
    topic = scenario.topic_name("confluent-kafka")
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for future in admin.create_topics([NewTopic(topic, PARTITIONS, 1)], operation_timeout=TIMEOUT).values():
        future.result(TIMEOUT)
    return topic


def produce(bootstrap: str, topic: str, count: int, compression: str = "none") -> dict[int, tuple[int, int]]:
    """Produce records 0..count-1; returns i -> (partition, offset) from the delivery reports. With a codec,
    also checks that librdkafka sent the batches compressed with it."""
    log = LogLines()
    logger = logging.getLogger(f"librdkafka.{topic}")
    logger.setLevel(logging.DEBUG)
    logger.addHandler(log)
    logger.propagate = False
    delivered: dict[int, tuple[int, int]] = {}
    errors: list[str] = []

    def on_delivery(err, msg) -> None:
        if err is not None:
            errors.append(str(err))
        else:
            delivered[scenario.index(msg.value())] = (msg.partition(), msg.offset())

    p = Producer(
        {
            "bootstrap.servers": bootstrap,
            "partitioner": "murmur2_random",  # the Java client's; librdkafka's default is consistent_random
            "linger.ms": 5 if compression == "none" else 50,  # compressed: batches big enough to shrink
            "acks": "all",
            "max.in.flight.requests.per.connection": 1,  # no reordering on retries (not idempotent)
            "compression.type": compression,
            **({"debug": "msg", "logger": logger} if compression != "none" else {}),
        }
    )
    for i in range(count):
        p.produce(topic, value=scenario.value(i), key=scenario.key(i), headers=scenario.headers(i), on_delivery=on_delivery)
        p.poll(0)
    assert p.flush(TIMEOUT) == 0, "records still undelivered after flush"
    assert not errors, errors[:5]
    assert len(delivered) == count
    if compression != "none":
        codecs = scenario.librdkafka_codecs(log.lines)
        # A batch that would not shrink is sent uncompressed; the bigger ones must carry the codec.
        assert compression in codecs, f"batches sent as {codecs}, none as {compression}"
    return delivered


def consume(bootstrap: str, topic: str, count: int) -> list[Read]:
    """Read every partition from the beginning (assign: no consumer group) until `count` records arrived."""
    c = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": "compat-confluent-kafka",  # required by the client; assign() never joins the group
            "enable.auto.commit": False,
            "enable.auto.offset.store": False,
        }
    )
    try:
        c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(PARTITIONS)])
        read: list[Read] = []
        deadline = time.monotonic() + TIMEOUT
        while len(read) < count and time.monotonic() < deadline:
            for msg in c.consume(num_messages=1000, timeout=0.5):
                if msg.error() is not None:
                    raise KafkaException(msg.error())
                read.append(Read(msg.partition(), msg.offset(), msg.key(), msg.value(), list(msg.headers() or [])))
        return read
    finally:
        c.close()


def round_trip(bootstrap: str, count: int = RECORDS, compression: str = "none") -> None:
    topic = create_topic(bootstrap)
    delivered = produce(bootstrap, topic, count, compression)
    scenario.verify(consume(bootstrap, topic, count), count, delivered)


def test_keyed_records_with_headers(kafkette_target):
    round_trip(kafkette_target)


def test_keyed_records_with_headers_three_brokers(kafkette_serve):
    round_trip(kafkette_serve(brokers=3))


def test_keyed_records_with_headers_apache_kafka(apache_kafka):
    round_trip(apache_kafka)


@pytest.mark.parametrize("codec", CODECS)
def test_compressed(kafkette_target, codec):
    round_trip(kafkette_target, COMPRESSED_RECORDS, codec)


@pytest.mark.parametrize("codec", CODECS)
def test_compressed_apache_kafka(apache_kafka, codec):
    round_trip(apache_kafka, COMPRESSED_RECORDS, codec)
