"""Typed usage of kafkette, checked with `mypy --strict` (tests/test_stubs.py)."""

from __future__ import annotations

from concurrent.futures import Future
from typing import Optional

from kafkette import (
    OFFSET_BEGINNING,
    AdminClient,
    Cluster,
    Consumer,
    KafkaError,
    KafkaException,
    Message,
    NewTopic,
    OffsetSpec,
    Producer,
    TopicPartition,
)
from kafkette.admin import (
    ClusterMetadata,
    ConsumerGroupDescription,
    ConsumerGroupTopicPartitions,
    ListConsumerGroupsResult,
    ListOffsetsResultInfo,
)


def on_delivery(err: Optional[KafkaError], msg: Message) -> None:
    if err is not None:
        print(err.code(), err.name(), err.str(), err.retriable(), err.fatal(), err.txn_requires_abort())
    else:
        print(msg.topic(), msg.partition(), msg.offset(), msg.timestamp())


def main() -> int:
    with Cluster({"num.partitions": 2}) as cluster:
        conf = {"bootstrap.servers": cluster.bootstrap_servers}
        admin = AdminClient(conf)
        created: dict[str, Future[None]] = admin.create_topics([NewTopic("t", 2)])
        created["t"].result(10)
        md: ClusterMetadata = admin.list_topics(timeout=5)
        n_partitions: int = len(md.topics["t"].partitions)
        p = Producer({**conf, "linger.ms": 5, "enable.idempotence": False})
        p.produce("t", value="v", key=b"k", partition=0, on_delivery=on_delivery, headers=[("h", b"1")])
        p.produce("t", b"v2", headers={"h": "x"}, timestamp=1234, callback=on_delivery)
        served: int = p.poll(0.1)
        left: int = p.flush(10.0)
        queued: int = len(p)
        c = Consumer(conf)
        c.assign([TopicPartition("t", 0, OFFSET_BEGINNING)])
        m: Optional[Message] = c.poll(1.0)
        if m is not None and m.error() is None:
            value = m.value()
            headers: Optional[list[tuple[str, Optional[bytes]]]] = m.headers()
            print(value, headers, len(m))
        batch: list[Message] = c.consume(num_messages=10, timeout=0.5)
        positions: list[TopicPartition] = c.position([TopicPartition("t", 0)])
        c.seek(TopicPartition("t", 0, 0))
        offsets: dict[TopicPartition, Future[ListOffsetsResultInfo]] = admin.list_offsets(
            {TopicPartition("t", 0): OffsetSpec.latest()}
        )
        latest: int = offsets[TopicPartition("t", 0)].result(10).offset
        c.close()
        try:
            Producer({"no.such": 1})
        except KafkaException as e:
            err: KafkaError = e.args[0]
            print(err.code() == KafkaError._INVALID_ARG)
        return served + left + queued + len(batch) + len(positions) + latest + n_partitions


def exactly_once(conf: dict[str, str], admin: AdminClient) -> int:
    """Transactions, groups and group admin calls, typed."""

    def on_assign(c: Consumer, parts: list[TopicPartition]) -> None:
        c.assign(parts)

    c = Consumer({**conf, "group.id": "g", "isolation.level": "read_committed"})
    c.subscribe(["in"], on_assign=on_assign, on_revoke=lambda c, ps: None)
    p = Producer({**conf, "transactional.id": "t"})
    p.init_transactions(10)
    p.begin_transaction()
    p.send_offsets_to_transaction([TopicPartition("in", 0, 1)], c.consumer_group_metadata(), 10)
    try:
        p.commit_transaction(10)
    except KafkaException as e:
        err: KafkaError = e.args[0]
        if err.txn_requires_abort():
            p.abort_transaction(10)
    done: Optional[list[TopicPartition]] = c.commit(asynchronous=False)
    committed: list[TopicPartition] = c.committed([TopicPartition("in", 0)], 10)
    listed: ListConsumerGroupsResult = admin.list_consumer_groups().result(10)
    d: ConsumerGroupDescription = admin.describe_consumer_groups(["g"])["g"].result(10)
    offs: Future[ConsumerGroupTopicPartitions] = admin.list_consumer_group_offsets(
        [ConsumerGroupTopicPartitions("g")]
    )["g"]
    c.unsubscribe()
    c.close()
    return len(done or []) + len(committed) + len(listed.valid) + len(d.members) + int(offs.done())


if __name__ == "__main__":
    main()
