"""AdminClient.describe_configs, describe_cluster, create_partitions and delete_records."""

from __future__ import annotations

import pytest

from conftest import conf, consumer, create
from kafkette import AdminClient, Cluster, KafkaError, KafkaException, Producer, TopicPartition
from kafkette.admin import (
    ConfigResource,
    ConfigSource,
    DeletedRecords,
    DescribeClusterResult,
    NewPartitions,
    ResourceType,
)


def test_describe_cluster(admin: AdminClient) -> None:
    result = admin.describe_cluster().result(10)
    assert isinstance(result, DescribeClusterResult)
    assert result.cluster_id
    assert len(result.nodes) == 1
    assert result.controller == result.nodes[0]
    assert result.authorized_operations is None
    ops = admin.describe_cluster(include_authorized_operations=True).result(10).authorized_operations
    assert ops and 8 in ops  # DESCRIBE


def test_describe_configs(admin: AdminClient) -> None:
    create(admin, "cfg", 1, **{"retention.ms": "3600000"})
    res = ConfigResource(ResourceType.TOPIC, "cfg")
    missing = ConfigResource("topic", "ghost")
    broker = ConfigResource(ResourceType.BROKER, "0")
    other_broker = ConfigResource(ResourceType.BROKER, "7")
    fs = admin.describe_configs([res, missing, broker, other_broker])
    assert set(fs) == {res, missing, broker, other_broker}
    entries = fs[res].result(10)
    ms = entries["retention.ms"]
    assert (ms.value, ms.source, ms.is_default, ms.is_read_only) == ("3600000", ConfigSource.DYNAMIC_TOPIC_CONFIG, False, False)
    assert list(ms.synonyms) == ["retention.ms", "log.retention.ms"]
    assert ms.synonyms["log.retention.ms"].source == ConfigSource.DEFAULT_CONFIG
    assert entries["segment.bytes"].is_default
    with pytest.raises(KafkaException) as info:
        fs[missing].result(10)
    assert info.value.args[0].code() == KafkaError.UNKNOWN_TOPIC_OR_PART
    assert fs[broker].result(10)["node.id"].value == "0"
    with pytest.raises(KafkaException) as info:
        fs[other_broker].result(10)
    assert info.value.args[0].code() == KafkaError.INVALID_REQUEST
    with pytest.raises(TypeError):
        admin.describe_configs(["cfg"])  # type: ignore[list-item]
    with pytest.raises(KafkaException):
        admin.describe_configs([ConfigResource(ResourceType.GROUP, "g")])
    with pytest.raises(ValueError):
        ConfigResource("nonsense", "x")


def test_create_partitions(admin: AdminClient, kafka_cluster: Cluster) -> None:
    create(admin, "grow", 2)
    assert admin.create_partitions([NewPartitions("grow", 6)], validate_only=True)["grow"].result(10) is None
    assert len(admin.list_topics("grow").topics["grow"].partitions) == 2
    fs = admin.create_partitions([NewPartitions("grow", 6), NewPartitions("ghost", 2)])
    assert fs["grow"].result(10) is None
    assert sorted(admin.list_topics("grow").topics["grow"].partitions) == list(range(6))
    with pytest.raises(KafkaException) as info:
        fs["ghost"].result(10)
    assert info.value.args[0].code() == KafkaError.UNKNOWN_TOPIC_OR_PART
    with pytest.raises(KafkaException) as info:
        admin.create_partitions([NewPartitions("grow", 3)])["grow"].result(10)
    err = info.value.args[0]
    assert err.code() == KafkaError.INVALID_PARTITIONS
    assert "would not be an increase" in str(info.value)
    with pytest.raises(KafkaException):
        admin.create_partitions([NewPartitions("grow", 8, replica_assignment=[[0], [0]])])
    with pytest.raises(TypeError):
        NewPartitions("grow", "8")  # type: ignore[arg-type]
    p = Producer(conf(kafka_cluster))
    p.produce("grow", b"x", partition=5)
    assert p.flush(10) == 0


def test_delete_records(admin: AdminClient, kafka_cluster: Cluster) -> None:
    create(admin, "del", 2)
    p = Producer(conf(kafka_cluster))
    for i in range(10):
        p.produce("del", f"v{i}".encode(), partition=0)
    assert p.flush(10) == 0
    fs = admin.delete_records([TopicPartition("del", 0, 4), TopicPartition("del", 1, -1)])
    got = {tp.partition: f.result(10) for tp, f in fs.items()}
    assert all(isinstance(d, DeletedRecords) for d in got.values())
    assert {k: d.low_watermark for k, d in got.items()} == {0: 4, 1: 0}
    with pytest.raises(KafkaException) as info:
        admin.delete_records([TopicPartition("del", 0, 99)])[TopicPartition("del", 0)].result(10)
    assert info.value.args[0].code() == KafkaError.OFFSET_OUT_OF_RANGE
    with pytest.raises(KafkaException) as info:
        admin.delete_records([TopicPartition("del", 5, 0)])[TopicPartition("del", 5)].result(10)
    assert info.value.args[0].code() == KafkaError.UNKNOWN_TOPIC_OR_PART
    with pytest.raises(KafkaException):
        admin.delete_records([TopicPartition("del", 0)])  # no offset given
    c = consumer(kafka_cluster, group_id="g", auto_offset_reset="earliest")
    c.assign([TopicPartition("del", 0)])
    msg = None
    for _ in range(50):
        msg = c.poll(0.2)
        if msg is not None:
            break
    assert msg is not None and msg.error() is None
    assert (msg.offset(), msg.value()) == (4, b"v4")
    c.close()
