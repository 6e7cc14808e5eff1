"""confluent-kafka's finer group calls: store_offsets with enable.auto.offset.store=false,
incremental_assign / incremental_unassign (manual and inside a cooperative on_assign),
error_cb for unreachable brokers, and the admin's offset reset, offset delete and lag."""

from __future__ import annotations

import socket
import time
from typing import Any

import pytest

from conftest import create
from kafkette import AdminClient, Cluster, Consumer, KafkaError, KafkaException, Message, Producer, TopicPartition
from kafkette.admin import ConsumerGroupLag, ConsumerGroupState, ConsumerGroupTopicPartitions, IsolationLevel


def fill(producer: Producer, topic: str, n: int, partitions: int) -> None:
    for i in range(n):
        producer.produce(topic, f"v{i}", partition=i % partitions)
    assert producer.flush(10) == 0


def member(cluster: Cluster, group: str, **extra: Any) -> Consumer:
    cfg = {"group.id": group, "auto.offset.reset": "earliest", "enable.auto.commit": False, **extra}
    return Consumer({"bootstrap.servers": cluster.bootstrap_servers, **cfg})


def take(c: Consumer, n: int, timeout: float = 20) -> list[Message]:
    out: list[Message] = []
    deadline = time.monotonic() + timeout
    while len(out) < n:
        assert time.monotonic() < deadline, f"got {len(out)} of {n}"
        m = c.poll(0.1)
        if m is not None and m.error() is None:
            out.append(m)
    return out


def committed(admin: AdminClient, group: str) -> dict[tuple[str, int], int]:
    got = admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(group)])[group].result(10)
    return {(tp.topic, tp.partition): tp.offset for tp in got.topic_partitions or []}


def test_store_offsets_commits_only_what_was_stored(kafka_cluster: Cluster, admin: AdminClient, producer: Producer) -> None:
    create(admin, "stored", 1)
    fill(producer, "stored", 10, 1)
    c = member(kafka_cluster, "g-store", **{"enable.auto.offset.store": False})
    c.subscribe(["stored"])
    msgs = take(c, 10)
    # Nothing stored: a commit of "the current offsets" commits nothing, though all 10 were read.
    assert c.commit(asynchronous=False) == []
    c.store_offsets(message=msgs[3])
    assert c.commit(asynchronous=False) == [TopicPartition("stored", 0, 4)]
    assert committed(admin, "g-store") == {("stored", 0): 4}
    c.store_offsets(offsets=[TopicPartition("stored", 0, 7, "half")])
    c.commit(asynchronous=False)
    got = c.committed([TopicPartition("stored", 0)], 10)[0]
    assert (got.offset, got.metadata) == (7, "half")

    with pytest.raises(KafkaException) as e:
        c.store_offsets(offsets=[TopicPartition("stored", 5, 1)])  # not assigned
    assert e.value.args[0].code() == KafkaError._STATE
    with pytest.raises(ValueError):
        c.store_offsets()
    with pytest.raises(KafkaException):
        c.store_offsets(offsets=[TopicPartition("stored", 0, -5)])
    c.close()


def test_auto_commit_commits_stored_offsets(kafka_cluster: Cluster, admin: AdminClient, producer: Producer) -> None:
    create(admin, "stored-auto", 1)
    fill(producer, "stored-auto", 6, 1)
    c = member(kafka_cluster, "g-store-auto", **{"enable.auto.offset.store": False, "enable.auto.commit": True,
                                                  "auto.commit.interval.ms": 100})
    c.subscribe(["stored-auto"])
    msgs = take(c, 6)
    c.store_offsets(message=msgs[1])
    deadline = time.monotonic() + 10
    while committed(admin, "g-store-auto") != {("stored-auto", 0): 2}:
        assert time.monotonic() < deadline, committed(admin, "g-store-auto")
        c.poll(0.1)
    c.close()  # close's auto-commit also commits the stored offset, not the position (6)
    assert committed(admin, "g-store-auto") == {("stored-auto", 0): 2}


def test_store_offsets_needs_the_setting(kafka_cluster: Cluster, admin: AdminClient) -> None:
    create(admin, "stored-no", 1)
    c = member(kafka_cluster, "g-store-no")
    c.assign([TopicPartition("stored-no", 0, 0)])
    with pytest.raises(KafkaException) as e:
        c.store_offsets(offsets=[TopicPartition("stored-no", 0, 1)])
    assert e.value.args[0].code() == KafkaError._INVALID_ARG
    c.close()


def test_incremental_assign_and_unassign_by_hand(kafka_cluster: Cluster, admin: AdminClient, producer: Producer) -> None:
    create(admin, "incr", 3)
    fill(producer, "incr", 9, 3)
    c = member(kafka_cluster, "g-incr")
    c.incremental_assign([TopicPartition("incr", 0, 0)])
    first = take(c, 2)
    assert {(m.partition(), m.offset()) for m in first} == {(0, 0), (0, 1)}
    c.incremental_assign([TopicPartition("incr", 1, 2), TopicPartition("incr", 2, 0)])
    assert sorted(c.assignment()) == [TopicPartition("incr", p) for p in range(3)]
    rest = take(c, 1 + 1 + 3)
    # Partition 0 went on from where it was (2), partition 1 started at 2.
    assert sorted((m.partition(), m.offset()) for m in rest) == [(0, 2), (1, 2), (2, 0), (2, 1), (2, 2)]
    c.incremental_unassign([TopicPartition("incr", 0)])
    assert sorted(c.assignment()) == [TopicPartition("incr", 1), TopicPartition("incr", 2)]
    assert c.position([TopicPartition("incr", 2)])[0].offset == 3
    with pytest.raises(KafkaException):
        c.incremental_assign([TopicPartition("incr", 1, 0)])  # already assigned
    with pytest.raises(KafkaException):
        c.incremental_unassign([TopicPartition("incr", 0)])  # not assigned
    with pytest.raises(TypeError):
        c.incremental_assign("incr")  # type: ignore[arg-type]
    c.close()


def test_incremental_assign_in_cooperative_on_assign(kafka_cluster: Cluster, admin: AdminClient, producer: Producer) -> None:
    create(admin, "coop", 4)
    fill(producer, "coop", 8, 4)
    calls: dict[str, list[list[TopicPartition]]] = {"a": [], "b": []}

    def on_assign(name: str) -> Any:
        def f(c: Consumer, parts: list[TopicPartition]) -> None:
            calls[name].append(parts)
            # confluent-kafka's cooperative idiom; the offset given is where consumption starts.
            c.incremental_assign([TopicPartition(tp.topic, tp.partition, 1) for tp in parts])

        return f

    def on_revoke(c: Consumer, parts: list[TopicPartition]) -> None:
        c.incremental_unassign(parts)

    strategy = {"partition.assignment.strategy": "cooperative-sticky"}
    a = member(kafka_cluster, "g-coop", **strategy)
    a.subscribe(["coop"], on_assign=on_assign("a"), on_revoke=on_revoke)
    got = take(a, 4)
    assert {m.offset() for m in got} == {1}  # each partition from offset 1, as on_assign said
    assert len(a.assignment()) == 4
    b = member(kafka_cluster, "g-coop", **strategy)
    b.subscribe(["coop"], on_assign=on_assign("b"), on_revoke=on_revoke)
    deadline = time.monotonic() + 20
    while len(a.assignment()) != 2 or len(b.assignment()) != 2:
        assert time.monotonic() < deadline, (a.assignment(), b.assignment())
        a.poll(0.05)
        b.poll(0.05)
    # Cooperative: a was given its four once (later on_assign calls add nothing, as
    # librdkafka's may be empty), then gave two away; b got just those two.
    assert [len(p) for p in calls["a"] if p] == [4]
    assert sorted(p for call in calls["b"] for p in call) == sorted(b.assignment())
    assert set(a.assignment()).isdisjoint(b.assignment())
    a.close()
    b.close()


def closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port: int = s.getsockname()[1]
    s.close()
    return port


def test_error_cb_reports_unreachable_brokers() -> None:
    bootstrap = f"127.0.0.1:{closed_port()}"
    seen: list[KafkaError] = []
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "g-down", "error_cb": seen.append,
                  "reconnect.backoff.ms": 50, "reconnect.backoff.max.ms": 200})
    c.subscribe(["t"])
    deadline = time.monotonic() + 10
    while not any(e.code() == KafkaError._ALL_BROKERS_DOWN for e in seen):
        assert time.monotonic() < deadline, seen
        assert c.poll(0.2) is None
    codes = {e.code() for e in seen}
    assert KafkaError._TRANSPORT in codes
    transport = next(e for e in seen if e.code() == KafkaError._TRANSPORT)
    assert bootstrap in transport.str() and transport.retriable()
    c.close()

    got: list[KafkaError] = []
    p = Producer({"bootstrap.servers": bootstrap, "error_cb": got.append, "reconnect.backoff.ms": 50})
    p.produce("t", b"x")
    assert p.flush(1.5) == 1
    assert {e.code() for e in got} >= {KafkaError._TRANSPORT, KafkaError._ALL_BROKERS_DOWN}
    p.close()


def test_error_cb_quiet_when_the_broker_is_up() -> None:
    with Cluster(listen=True) as cluster:
        seen: list[KafkaError] = []
        p = Producer({"bootstrap.servers": cluster.bootstrap_servers, "error_cb": seen.append})
        p.produce("quiet", b"x")
        assert p.flush(10) == 0
        p.close()
        assert seen == []


def test_admin_reset_delete_offsets_and_lag(kafka_cluster: Cluster, admin: AdminClient, producer: Producer) -> None:
    create(admin, "lagged", 2)
    fill(producer, "lagged", 10, 2)  # 5 per partition
    c = member(kafka_cluster, "g-lag", **{"client.id": "lagger"})
    c.subscribe(["lagged"])
    take(c, 10)
    c.commit(offsets=[TopicPartition("lagged", 0, 5), TopicPartition("lagged", 1, 2)], asynchronous=False)

    lag = admin.describe_consumer_group_lag("g-lag").result(10)
    assert isinstance(lag, ConsumerGroupLag) and lag.state == ConsumerGroupState.STABLE
    rows = {p.partition: p for p in lag.partitions}
    assert (rows[0].committed_offset, rows[0].log_end_offset, rows[0].lag) == (5, 5, 0)
    assert (rows[1].committed_offset, rows[1].log_end_offset, rows[1].lag) == (2, 5, 3)
    assert rows[1].client_id == "lagger" and rows[1].consumer_id
    assert lag.total_lag == 3

    # A member consumes the topic: its offsets cannot be deleted.
    f = admin.delete_consumer_group_offsets([ConsumerGroupTopicPartitions("g-lag", [TopicPartition("lagged", 0)])])
    res = f["g-lag"].result(10)
    assert res.topic_partitions is not None and res.topic_partitions[0].error is not None
    assert res.topic_partitions[0].error.code() == KafkaError.GROUP_SUBSCRIBED_TO_TOPIC
    c.close()

    # Reset to an offset (kafka-consumer-groups --reset-offsets --to-offset), once empty.
    admin.alter_consumer_group_offsets(
        [ConsumerGroupTopicPartitions("g-lag", [TopicPartition("lagged", 0, 1), TopicPartition("lagged", 1, 4)])]
    )["g-lag"].result(10)
    assert committed(admin, "g-lag") == {("lagged", 0): 1, ("lagged", 1): 4}
    lag = admin.describe_consumer_group_lag("g-lag", isolation_level=IsolationLevel.READ_COMMITTED).result(10)
    assert lag.state == ConsumerGroupState.EMPTY
    assert sorted((p.partition, p.lag, p.consumer_id) for p in lag.partitions) == [(0, 4, None), (1, 1, None)]

    res = admin.delete_consumer_group_offsets(
        [ConsumerGroupTopicPartitions("g-lag", [TopicPartition("lagged", 0)])]
    )["g-lag"].result(10)
    assert res.topic_partitions is not None and res.topic_partitions[0].error is None
    assert committed(admin, "g-lag") == {("lagged", 1): 4}

    with pytest.raises(ValueError):
        admin.delete_consumer_group_offsets([ConsumerGroupTopicPartitions("g-lag")])
    with pytest.raises(TypeError):
        admin.describe_consumer_group_lag(42)  # type: ignore[arg-type]
    dead = admin.describe_consumer_group_lag("g-none").result(10)
    assert dead.state == ConsumerGroupState.DEAD and dead.partitions == []
