"""DescribeConfigs, DescribeCluster, CreatePartitions and DeleteRecords from real clients
(confluent-kafka's AdminClient on librdkafka, kafka-python's KafkaAdminClient) against
`kafkette serve --brokers 3`."""

import uuid

import pytest
from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, ConfigSource, NewPartitions, NewTopic, ResourceType

TIMEOUT = 30


def name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def three(kafkette_serve) -> str:
    return kafkette_serve(brokers=3)


def create(admin: AdminClient, topic: str, partitions: int, config=None) -> None:
    fs = admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1, config=config or {})])
    fs[topic].result(TIMEOUT)


def produce(bootstrap: str, topic: str, partition: int, n: int) -> None:
    p = Producer({"bootstrap.servers": bootstrap, "linger.ms": 0})
    for i in range(n):
        p.produce(topic, value=f"p{partition}-{i}".encode(), partition=partition)
    assert p.flush(TIMEOUT) == 0


def test_confluent_describe_cluster_shows_every_node(three):
    admin = AdminClient({"bootstrap.servers": three})
    result = admin.describe_cluster(request_timeout=TIMEOUT).result(TIMEOUT)
    ports = sorted(n.port for n in result.nodes)
    assert ports == sorted(int(a.rsplit(":", 1)[1]) for a in three.split(","))
    assert len({n.id for n in result.nodes}) == 3
    assert result.controller is not None and result.controller.id in {n.id for n in result.nodes}
    assert result.cluster_id


def test_confluent_create_partitions_then_metadata_and_produce(three):
    admin = AdminClient({"bootstrap.servers": three})
    topic = name("grow")
    create(admin, topic, 2)
    fs = admin.create_partitions([NewPartitions(topic, 6)], validate_only=True)
    fs[topic].result(TIMEOUT)
    assert len(admin.list_topics(topic, timeout=TIMEOUT).topics[topic].partitions) == 2
    admin.create_partitions([NewPartitions(topic, 6)])[topic].result(TIMEOUT)
    meta = admin.list_topics(topic, timeout=TIMEOUT).topics[topic]
    assert sorted(meta.partitions) == list(range(6))
    assert len({p.leader for p in meta.partitions.values()}) == 3, "leaders spread over the nodes"
    produce(three, topic, 5, 1)
    # Not an increase: INVALID_PARTITIONS with Kafka's message.
    with pytest.raises(KafkaException) as e:
        admin.create_partitions([NewPartitions(topic, 4)])[topic].result(TIMEOUT)
    assert e.value.args[0].code() == KafkaError.INVALID_PARTITIONS
    assert "would not be an increase" in e.value.args[0].str()
    missing = name("missing")
    with pytest.raises(KafkaException) as e:
        admin.create_partitions([NewPartitions(missing, 4)])[missing].result(TIMEOUT)
    assert e.value.args[0].code() == KafkaError.UNKNOWN_TOPIC_OR_PART


def test_confluent_delete_records_then_consume_from_the_low_watermark(three):
    admin = AdminClient({"bootstrap.servers": three})
    topic = name("del")
    create(admin, topic, 3)
    for partition in range(3):
        produce(three, topic, partition, 10)
    fs = admin.delete_records([TopicPartition(topic, 0, 4), TopicPartition(topic, 1, -1)])
    lows = {tp.partition: f.result(TIMEOUT).low_watermark for tp, f in fs.items()}
    assert lows == {0: 4, 1: 10}
    with pytest.raises(KafkaException) as e:
        fs = admin.delete_records([TopicPartition(topic, 2, 11)])
        fs[TopicPartition(topic, 2, 11)].result(TIMEOUT)
    assert e.value.args[0].code() == KafkaError.OFFSET_OUT_OF_RANGE

    c = Consumer({"bootstrap.servers": three, "group.id": name("g"), "enable.auto.commit": False})
    try:
        low, high = c.get_watermark_offsets(TopicPartition(topic, 0), timeout=TIMEOUT)
        assert (low, high) == (4, 10)
        c.assign([TopicPartition(topic, 0, -2)])  # OFFSET_BEGINNING
        msg = None
        for _ in range(50):
            msg = c.poll(1.0)
            if msg is not None:
                break
        assert msg is not None and msg.error() is None, msg and msg.error()
        assert (msg.offset(), msg.value()) == (4, b"p0-4")
    finally:
        c.close()


def test_confluent_describe_configs_of_topic_and_broker(three):
    admin = AdminClient({"bootstrap.servers": three})
    topic = name("cfg")
    create(admin, topic, 1, {"retention.ms": "3600000"})
    res = ConfigResource(ResourceType.TOPIC, topic)
    entries = admin.describe_configs([res])[res].result(TIMEOUT)
    ms = entries["retention.ms"]
    assert ms.value == "3600000"
    assert ms.source == ConfigSource.DYNAMIC_TOPIC_CONFIG.value
    assert not ms.is_default and not ms.is_read_only and not ms.is_sensitive
    assert entries["segment.bytes"].is_default
    assert entries["segment.bytes"].source == ConfigSource.DEFAULT_CONFIG.value
    # A broker resource goes to that broker (librdkafka routes it by node id).
    meta = admin.list_topics(timeout=TIMEOUT)
    node = sorted(meta.brokers)[1]
    broker = ConfigResource(ResourceType.BROKER, str(node))
    b = admin.describe_configs([broker])[broker].result(TIMEOUT)
    assert b["node.id"].is_read_only
    assert "log.retention.ms" in b
    missing = ConfigResource(ResourceType.TOPIC, name("missing"))
    with pytest.raises(KafkaException) as e:
        admin.describe_configs([missing])[missing].result(TIMEOUT)
    assert e.value.args[0].code() == KafkaError.UNKNOWN_TOPIC_OR_PART


def test_kafka_python_admin_calls(three):
    from kafka import KafkaAdminClient
    from kafka.admin import ConfigResource as KConfigResource
    from kafka.admin import ConfigResourceType
    from kafka.structs import TopicPartition as KTopicPartition

    admin = KafkaAdminClient(bootstrap_servers=three.split(","), request_timeout_ms=TIMEOUT * 1000)
    try:
        topic = name("kp")
        create(AdminClient({"bootstrap.servers": three}), topic, 2, {"retention.ms": "7200000"})
        cluster = admin.describe_cluster()
        assert len(cluster["brokers"]) == 3
        assert cluster["cluster_id"]
        admin.create_partitions({topic: 5})
        parts = admin.describe_topics([topic])[0]["partitions"]
        assert len(parts) == 5
        configs = admin.describe_configs([KConfigResource(ConfigResourceType.TOPIC, topic)])
        assert configs["topic"][topic]["retention.ms"]["value"] == "7200000"
        assert "segment.bytes" not in configs["topic"][topic], "only modified keys by default"
        produce(three, topic, 1, 5)
        deleted = admin.delete_records({KTopicPartition(topic, 1): 3})
        assert [v["low_watermark"] for v in deleted.values()] == [3]
    finally:
        admin.close()


@pytest.fixture(params=["kafkette", "apache"])
def either(request: pytest.FixtureRequest) -> str:
    """One kafkette node, then Apache Kafka 4: the answers below must be the same from both."""
    if request.param == "kafkette":
        return request.getfixturevalue("kafkette_serve")()
    return request.getfixturevalue("apache_kafka")


def test_same_answers_as_apache_kafka(either):
    admin = AdminClient({"bootstrap.servers": either})
    topic = name("same")
    create(admin, topic, 2, {"retention.ms": "3600000"})
    messages = []
    for count in (2, 1):
        with pytest.raises(KafkaException) as e:
            admin.create_partitions([NewPartitions(topic, count)])[topic].result(TIMEOUT)
        assert e.value.args[0].code() == KafkaError.INVALID_PARTITIONS
        messages.append(e.value.args[0].str())
    assert messages == [
        "Topic already has 2 partition(s).",
        f"The topic {topic} currently has 2 partition(s); 1 would not be an increase.",
    ]
    produce(either, topic, 0, 10)
    tp = TopicPartition(topic, 0, 4)
    assert admin.delete_records([tp])[tp].result(TIMEOUT).low_watermark == 4
    beyond = TopicPartition(topic, 0, 11)
    with pytest.raises(KafkaException) as e:
        admin.delete_records([beyond])[beyond].result(TIMEOUT)
    assert e.value.args[0].code() == KafkaError.OFFSET_OUT_OF_RANGE
    everything = TopicPartition(topic, 0, -1)
    assert admin.delete_records([everything])[everything].result(TIMEOUT).low_watermark == 10
    res = ConfigResource(ResourceType.TOPIC, topic)
    entries = admin.describe_configs([res])[res].result(TIMEOUT)
    ms, seg = entries["retention.ms"], entries["segment.bytes"]
    assert (ms.value, ms.source, ms.is_default, ms.is_read_only) == ("3600000", 1, False, False)
    assert (seg.value, seg.source, seg.is_default) == ("1073741824", 5, True)
    assert [(s.name, s.source) for s in seg.synonyms.values()] == [("log.segment.bytes", 5)]
    cluster = admin.describe_cluster().result(TIMEOUT)
    assert len(cluster.nodes) == 1 and cluster.authorized_operations is None
