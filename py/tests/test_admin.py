"""AdminClient: create, delete, list topics, list offsets; futures and their errors."""

from __future__ import annotations

import concurrent.futures

import pytest

from conftest import create
from kafkette import AdminClient, Cluster, KafkaError, KafkaException, NewTopic, OffsetSpec, Producer, TopicPartition
from kafkette.admin import ClusterMetadata, IsolationLevel, ListOffsetsResultInfo


def test_create_list_delete_topics(admin: AdminClient, kafka_cluster: Cluster) -> None:
    fs = admin.create_topics([NewTopic("a", 3), NewTopic("b", config={"retention.ms": "1000"})])
    assert set(fs) == {"a", "b"}
    assert all(isinstance(f, concurrent.futures.Future) for f in fs.values())
    assert [f.result(10) for f in fs.values()] == [None, None]
    md = admin.list_topics(timeout=5)
    assert isinstance(md, ClusterMetadata)
    assert {"a", "b"} <= set(md.topics)
    assert sorted(md.topics["a"].partitions) == [0, 1, 2]
    part = md.topics["a"].partitions[1]
    assert part.id == 1 and part.leader in md.brokers and part.replicas == [part.leader]
    assert md.controller_id in md.brokers and md.cluster_id
    assert kafka_cluster.topics() == ["a", "b"]
    only = admin.list_topics("a")
    assert list(only.topics) == ["a"]
    missing = admin.list_topics("nope").topics["nope"]
    assert missing.error is not None and missing.error.code() == KafkaError.UNKNOWN_TOPIC_OR_PART
    assert admin.delete_topics(["a"])["a"].result(10) is None
    assert "a" not in admin.list_topics().topics


def test_error_futures(admin: AdminClient) -> None:
    create(admin, "dup")
    fs = admin.create_topics([NewTopic("dup", 1), NewTopic("fresh", 1), NewTopic("badcfg", 1, config={"no.such": "1"})])
    assert fs["fresh"].result(10) is None
    with pytest.raises(KafkaException) as info:
        fs["dup"].result(10)
    err = info.value.args[0]
    assert err.code() == KafkaError.TOPIC_ALREADY_EXISTS == 36 and err.name() == "TOPIC_ALREADY_EXISTS"
    assert not err.retriable() and not err.fatal()
    with pytest.raises(KafkaException) as info:
        fs["badcfg"].result(10)
    assert info.value.args[0].code() == KafkaError.INVALID_CONFIG
    assert "no.such" in str(info.value)
    with pytest.raises(KafkaException) as info:
        admin.delete_topics(["ghost"])["ghost"].result(10)
    assert info.value.args[0].code() == KafkaError.UNKNOWN_TOPIC_OR_PART
    with pytest.raises(KafkaException) as info:
        admin.create_topics([NewTopic("zero", 0)])["zero"].result(10)
    assert info.value.args[0].code() == KafkaError.INVALID_PARTITIONS


def test_validate_only_creates_nothing(admin: AdminClient) -> None:
    assert admin.create_topics([NewTopic("v", 2)], validate_only=True)["v"].result(10) is None
    assert "v" not in admin.list_topics().topics


def test_list_offsets(admin: AdminClient, producer: Producer) -> None:
    create(admin, "lo", 2)
    for i in range(5):
        producer.produce("lo", b"x", partition=0, timestamp=1000 * (i + 1))
    assert producer.flush(10) == 0
    tp0, tp1 = TopicPartition("lo", 0), TopicPartition("lo", 1)
    fs = admin.list_offsets({tp0: OffsetSpec.latest(), tp1: OffsetSpec.earliest()})
    r0 = fs[tp0].result(10)
    assert isinstance(r0, ListOffsetsResultInfo) and r0.offset == 5
    assert fs[tp1].result(10).offset == 0
    by_ts = admin.list_offsets({tp0: OffsetSpec.for_timestamp(2500)}, isolation_level=IsolationLevel.READ_COMMITTED)
    assert by_ts[tp0].result(10).offset == 2
    assert admin.list_offsets({tp0: OffsetSpec.earliest()})[tp0].result(10).offset == 0
    assert admin.list_offsets({tp0: OffsetSpec.max_timestamp()})[tp0].result(10).offset == 4
    ghost = TopicPartition("ghost", 0)
    with pytest.raises(KafkaException) as info:
        admin.list_offsets({ghost: OffsetSpec.latest()})[ghost].result(10)
    assert info.value.args[0].code() == KafkaError.UNKNOWN_TOPIC_OR_PART


def test_bad_admin_arguments(admin: AdminClient) -> None:
    with pytest.raises(TypeError):
        admin.create_topics(NewTopic("x"))  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        admin.create_topics([])
    with pytest.raises(TypeError):
        admin.create_topics(["x"])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        NewTopic("x", "3")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        admin.delete_topics("x")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        admin.list_offsets({TopicPartition("x", 0): "latest"})  # type: ignore[dict-item]
    with pytest.raises(ValueError):
        OffsetSpec.for_timestamp(-5)
    with pytest.raises(KafkaException) as info:
        admin.list_offsets({TopicPartition("x", -1): OffsetSpec.latest()})
    assert info.value.args[0].code() == KafkaError._INVALID_ARG
