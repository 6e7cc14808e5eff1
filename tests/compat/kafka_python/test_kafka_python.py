"""kafka-python (PyPI, pure Python): create a topic with its KafkaAdminClient, produce the scenario's keyed
records with headers, read them back, against kafkette serve, an in-process Cluster, three brokers in one
`kafkette serve`, and Apache Kafka (the proof that the test itself is right).

kafka-python's default partitioner is the Java client's (murmur2 of the key); compression needs the codec
packages pinned in tests/compat/requirements.txt (lz4, python-snappy, zstandard).
"""

from __future__ import annotations

import time

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic

import scenario
from scenario import CODECS, COMPRESSED_RECORDS, PARTITIONS, RECORDS, Read

TIMEOUT = 30
# enable_idempotence defaults to True in kafka-python 3 (KIP-679); test_default_idempotent_producer below
# covers it (InitProducerId, then idempotent produce). The scenario turns it off: without idempotence a
# retry (Apache Kafka answers NOT_LEADER_OR_FOLLOWER until a new topic's leaders are known) may reorder
# records unless one request is in flight.
PRODUCER = {"linger_ms": 5, "acks": "all", "enable_idempotence": False, "max_in_flight_requests_per_connection": 1}


def create_topic(bootstrap: str) -> str:
    topic = scenario.topic_name("kafka-python")
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=TIMEOUT * 1000)
    try:
        admin.create_topics([NewTopic(topic, num_partitions=PARTITIONS, replication_factor=1)])
    finally:
        admin.close()
    return topic


def produce(bootstrap: str, topic: str, count: int, compression=None) -> dict[int, tuple[int, int]]:
    """Produce records 0..count-1; returns i -> (partition, offset) from the record metadata. With a codec,
    also checks that the producer compressed (its compression-rate metric, compressed / uncompressed size)."""
    p = KafkaProducer(**PRODUCER, bootstrap_servers=bootstrap, compression_type=compression)
    try:
        futures = [
            p.send(topic, value=scenario.value(i), key=scenario.key(i), headers=scenario.headers(i))
            for i in range(count)
        ]
        p.flush(TIMEOUT)
        delivered = {}
        for i, f in enumerate(futures):
            md = f.get(TIMEOUT)
            delivered[i] = (md.partition, md.offset)
        if compression is not None:
            rate = p.metrics()["producer-metrics"]["compression-rate-avg"]
            assert rate < 1.0, f"{compression}: compression-rate-avg {rate}"
        return delivered
    finally:
        p.close(TIMEOUT)


def consume(bootstrap: str, topic: str, count: int) -> list[Read]:
    """Read every partition from the beginning (assign, no consumer group) until `count` records arrived."""
    c = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False)
    try:
        c.assign([TopicPartition(topic, p) for p in range(PARTITIONS)])
        c.seek_to_beginning()
        read: list[Read] = []
        deadline = time.monotonic() + TIMEOUT
        while len(read) < count and time.monotonic() < deadline:
            for records in c.poll(timeout_ms=500, max_records=5000).values():
                read += [Read(r.partition, r.offset, r.key, r.value, list(r.headers)) for r in records]
        return read
    finally:
        c.close()


def round_trip(bootstrap: str, count: int = RECORDS, compression=None) -> None:
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


def send_with_defaults(bootstrap: str) -> None:
    """One record through a producer with kafka-python's defaults: idempotent since 3.0."""
    topic = create_topic(bootstrap)
    p = KafkaProducer(bootstrap_servers=bootstrap)
    try:
        p.send(topic, value=b"v", key=b"k").get(TIMEOUT)
    finally:
        p.close(5)


def test_default_idempotent_producer(kafkette_serve):
    send_with_defaults(kafkette_serve())


def test_default_idempotent_producer_apache_kafka(apache_kafka):
    send_with_defaults(apache_kafka)
