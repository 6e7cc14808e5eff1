"""confluent-kafka's transactional producer against `kafkette serve` (the broker's transaction
coordinator): one committed and one aborted transaction over two partitions; a read_committed
consumer (assign, no group) sees only the committed records, a read_uncommitted one sees both.
The same run against Apache Kafka 4.1.1 is the proof that the test itself is right.
"""

from __future__ import annotations

import time
import uuid

import pytest
from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

TIMEOUT = 30


def read_all(bootstrap: str, topic: str, isolation: str, expected: int) -> list[str]:
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": "unused-assign-only",
            "enable.auto.commit": False,
            "isolation.level": isolation,
            "auto.offset.reset": "earliest",
        }
    )
    try:
        consumer.assign([TopicPartition(topic, p, 0) for p in range(2)])
        values: list[str] = []
        eof_rounds = 0
        for _ in range(200):
            msg = consumer.poll(0.1)
            if msg is None:
                eof_rounds += 1
                if len(values) >= expected and eof_rounds > 10:
                    break
                continue
            assert msg.error() is None, msg.error()
            values.append(msg.value().decode())
        return sorted(values)
    finally:
        consumer.close()


def create_topic(bootstrap: str) -> str:
    topic = f"txn-smoke-{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for f in admin.create_topics([NewTopic(topic, 2, 1)], operation_timeout=TIMEOUT).values():
        f.result(TIMEOUT)
    return topic


def run(bootstrap: str) -> None:
    topic = create_topic(bootstrap)
    producer = Producer({"bootstrap.servers": bootstrap, "transactional.id": f"smoke-{topic}", "linger.ms": 5})
    producer.init_transactions(TIMEOUT)
    producer.begin_transaction()
    for i in range(4):
        producer.produce(topic, value=f"committed-{i}", partition=i % 2)
    producer.commit_transaction(TIMEOUT)
    producer.begin_transaction()
    for i in range(4):
        producer.produce(topic, value=f"aborted-{i}", partition=i % 2)
    producer.flush(TIMEOUT)
    producer.abort_transaction(TIMEOUT)

    committed = read_all(bootstrap, topic, "read_committed", 4)
    assert committed == [f"committed-{i}" for i in range(4)]
    everything = read_all(bootstrap, topic, "read_uncommitted", 8)
    assert everything == sorted([f"committed-{i}" for i in range(4)] + [f"aborted-{i}" for i in range(4)])


def test_transactions_against_kafkette_serve(kafkette_serve) -> None:
    run(kafkette_serve())


def test_transactions_against_three_brokers(kafkette_serve) -> None:
    """Coordinators spread over nodes: FindCoordinator and NOT_COORDINATOR take part."""
    run(kafkette_serve(brokers=3))


def test_transactions_against_apache_kafka(apache_kafka) -> None:
    run(apache_kafka)


def test_a_timed_out_transaction_is_aborted_and_its_producer_fenced(kafkette_serve) -> None:
    """transaction.timeout.ms enforced by the broker: the transaction is aborted with an epoch bump,
    so librdkafka's commit fails as fenced (Kafka's behaviour before KIP-890 part 2)."""
    bootstrap = kafkette_serve()
    topic = create_topic(bootstrap)
    config = {"bootstrap.servers": bootstrap, "transactional.id": f"slow-{topic}", "transaction.timeout.ms": 1000}
    producer = Producer(config)
    producer.init_transactions(TIMEOUT)
    producer.begin_transaction()
    producer.produce(topic, value="too-late", partition=0)
    producer.flush(TIMEOUT)
    time.sleep(2.5)
    with pytest.raises(KafkaException) as e:
        producer.commit_transaction(TIMEOUT)
    assert e.value.args[0].fatal(), e.value.args[0]
    assert read_all(bootstrap, topic, "read_committed", 0) == []
    assert read_all(bootstrap, topic, "read_uncommitted", 1) == ["too-late"]
