"""AdminClient's consumer group calls: list, describe, list / alter offsets, delete."""

from __future__ import annotations

import time

import pytest

from conftest import create
from kafkette import AdminClient, Cluster, Consumer, KafkaException, Producer, TopicPartition
from kafkette.admin import (
    ConsumerGroupDescription,
    ConsumerGroupState,
    ConsumerGroupTopicPartitions,
    ListConsumerGroupsResult,
)


def joined(cluster: Cluster, group: str, topic: str) -> Consumer:
    c = Consumer({"bootstrap.servers": cluster.bootstrap_servers, "group.id": group, "client.id": "cli-1",
                  "auto.offset.reset": "earliest", "enable.auto.commit": False})
    c.subscribe([topic])
    deadline = time.monotonic() + 20
    while not c.assignment():
        assert time.monotonic() < deadline, "no assignment"
        c.poll(0.1)
    return c


def test_group_admin_calls(kafka_cluster: Cluster, admin: AdminClient, producer: Producer) -> None:
    create(admin, "adm", 2)
    for i in range(6):
        producer.produce("adm", f"v{i}", partition=i % 2)
    assert producer.flush(10) == 0
    c = joined(kafka_cluster, "g-adm", "adm")
    c.commit(offsets=[TopicPartition("adm", 0, 2, "m"), TopicPartition("adm", 1, 1)], asynchronous=False)

    d = admin.describe_consumer_groups(["g-adm"])["g-adm"].result(10)
    assert isinstance(d, ConsumerGroupDescription)
    assert d.state == ConsumerGroupState.STABLE and len(d.members) == 1
    assert d.members[0].client_id == "cli-1"
    assert sorted(d.members[0].assignment.topic_partitions) == [TopicPartition("adm", 0), TopicPartition("adm", 1)]
    assert d.partition_assignor

    got = admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions("g-adm")])["g-adm"].result(10)
    assert got.topic_partitions is not None
    assert sorted((tp.partition, tp.offset) for tp in got.topic_partitions) == [(0, 2), (1, 1)]
    assert [tp.metadata for tp in sorted(got.topic_partitions)][0] == "m"
    assert all(tp.error is None for tp in got.topic_partitions)

    # A group with members cannot be altered or deleted.
    f = admin.alter_consumer_group_offsets([ConsumerGroupTopicPartitions("g-adm", [TopicPartition("adm", 0, 0)])])
    with pytest.raises(KafkaException):
        f["g-adm"].result(10)
    with pytest.raises(KafkaException):
        admin.delete_consumer_groups(["g-adm"])["g-adm"].result(10)

    c.close()
    res = admin.alter_consumer_group_offsets(
        [ConsumerGroupTopicPartitions("g-adm", [TopicPartition("adm", 0, 3)])]
    )["g-adm"].result(10)
    assert res.topic_partitions is not None and res.topic_partitions[0].error is None
    back = admin.list_consumer_group_offsets(
        [ConsumerGroupTopicPartitions("g-adm", [TopicPartition("adm", 0)])]
    )["g-adm"].result(10)
    assert back.topic_partitions is not None and back.topic_partitions[0].offset == 3

    assert admin.delete_consumer_groups(["g-adm"])["g-adm"].result(10) is None
    gone = admin.describe_consumer_groups(["g-adm"])["g-adm"].result(10)
    assert gone.state == ConsumerGroupState.DEAD and gone.members == []
    with pytest.raises(KafkaException):
        admin.delete_consumer_groups(["g-none"])["g-none"].result(10)


def check_listing(cluster: Cluster, admin: AdminClient) -> None:
    create(admin, "lst")
    c = joined(cluster, "g-lst", "lst")
    listed = admin.list_consumer_groups().result(10)
    assert isinstance(listed, ListConsumerGroupsResult)
    assert listed.errors == []
    mine = [g for g in listed.valid if g.group_id == "g-lst"]
    assert len(mine) == 1 and mine[0].state == ConsumerGroupState.STABLE and not mine[0].is_simple_consumer_group
    only_empty = admin.list_consumer_groups(states={ConsumerGroupState.EMPTY}).result(10)
    assert all(g.group_id != "g-lst" for g in only_empty.valid)
    c.close()
    emptied = admin.list_consumer_groups(states={ConsumerGroupState.EMPTY}).result(10)
    assert [g.group_id for g in emptied.valid] == ["g-lst"]


def test_list_consumer_groups_over_tcp() -> None:
    # Over TCP the admin client negotiates ListGroups' version with the broker.
    with Cluster(listen=True) as cluster:
        admin = AdminClient({"bootstrap.servers": cluster.bootstrap_servers})
        try:
            check_listing(cluster, admin)
        finally:
            admin.close()


def test_list_consumer_groups_in_process(kafka_cluster: Cluster, admin: AdminClient) -> None:
    check_listing(kafka_cluster, admin)


def test_group_admin_misuse(admin: AdminClient) -> None:
    with pytest.raises(TypeError):
        admin.describe_consumer_groups("g")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        admin.delete_consumer_groups([])
    with pytest.raises(ValueError):
        admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions("a"), ConsumerGroupTopicPartitions("b")])
    with pytest.raises(TypeError):
        ConsumerGroupTopicPartitions("g", ["t"])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        admin.list_consumer_groups(states={"STABLE"})
