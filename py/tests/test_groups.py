"""Consumer groups: subscribe with rebalance callbacks, two members sharing partitions,
commit (sync, async, message, offsets), committed, consumer_group_metadata, close."""

from __future__ import annotations

import time
from typing import Any, Callable

import pytest

from conftest import consumer, create
from kafkette import (
    AdminClient,
    Cluster,
    Consumer,
    KafkaError,
    KafkaException,
    Message,
    Producer,
    TopicPartition,
)


def fill(producer: Producer, topic: str, n: int, partitions: int) -> None:
    for i in range(n):
        producer.produce(topic, f"v{i}", partition=i % partitions)
    assert producer.flush(10) == 0


class Log:
    """Records the rebalance callbacks a consumer got."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[TopicPartition]]] = []
        self.owned: set[TopicPartition] = set()

    def cb(self, kind: str) -> Callable[[Consumer, list[TopicPartition]], None]:
        def f(c: Consumer, parts: list[TopicPartition]) -> None:
            assert isinstance(c, Consumer)
            self.calls.append((kind, parts))
            if kind == "assign":
                self.owned |= set(parts)
            else:
                self.owned -= set(parts)

        return f


def member(cluster: Cluster, group: str, **extra: Any) -> Consumer:
    cfg = {"group.id": group, "auto.offset.reset": "earliest", "enable.auto.commit": False, **extra}
    return Consumer({"bootstrap.servers": cluster.bootstrap_servers, **cfg})


def poll_until(cs: list[Consumer], done: Callable[[], bool], sink: list[Message], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "timed out"
        for c in cs:
            m = c.poll(0.05)
            if m is not None and m.error() is None:
                sink.append(m)


def test_two_members_share_partitions_with_callbacks(kafka_cluster: Cluster, admin: AdminClient, producer: Producer) -> None:
    create(admin, "shared", 4)
    fill(producer, "shared", 40, 4)
    la, lb = Log(), Log()
    a = member(kafka_cluster, "g-share")
    a.subscribe(["shared"], on_assign=la.cb("assign"), on_revoke=la.cb("revoke"), on_lost=la.cb("lost"))
    assert a.subscription() == ["shared"]
    got: list[Message] = []
    poll_until([a], lambda: len(la.owned) == 4, got)

    b = member(kafka_cluster, "g-share")
    b.subscribe(["shared"], on_assign=lb.cb("assign"), on_revoke=lb.cb("revoke"))
    poll_until([a, b], lambda: len(la.owned) == 2 and len(lb.owned) == 2, got)
    # The two members own disjoint halves, as their assignments say.
    assert la.owned.isdisjoint(lb.owned)
    assert set(a.assignment()) == la.owned and set(b.assignment()) == lb.owned
    assert any(k == "revoke" for k, _ in la.calls)

    # b closes: it leaves the group (on_revoke runs in close), a gets everything back.
    b.close()
    assert lb.owned == set()
    poll_until([a], lambda: len(la.owned) == 4, got)
    a.close()
    assert la.owned == set()
    assert not any(k == "lost" for k, _ in la.calls)


def test_commit_and_committed(kafka_cluster: Cluster, admin: AdminClient, producer: Producer) -> None:
    create(admin, "commits", 2)
    fill(producer, "commits", 10, 2)
    commits: list[tuple[KafkaError | None, list[TopicPartition]]] = []
    c = member(kafka_cluster, "g-commit", on_commit=lambda err, parts: commits.append((err, parts)))
    assert c.subscription() == []
    c.subscribe(["commits"])
    got: list[Message] = []
    poll_until([c], lambda: len(got) == 10, got)

    md = c.consumer_group_metadata()
    assert md.group_id == "g-commit" and md.generation_id >= 1 and md.member_id

    # Synchronous commit of the positions.
    done = c.commit(asynchronous=False)
    assert done is not None and sorted((tp.partition, tp.offset) for tp in done) == [(0, 5), (1, 5)]
    tps = [TopicPartition("commits", 0), TopicPartition("commits", 1)]
    assert [tp.offset for tp in c.committed(tps, 10)] == [5, 5]

    # Explicit offsets with metadata, synchronous.
    c.commit(offsets=[TopicPartition("commits", 0, 2, "meta")], asynchronous=False)
    back = c.committed(tps, 10)
    assert (back[0].offset, back[0].metadata) == (2, "meta") and back[1].offset == 5

    # A message's offset + 1, asynchronous: on_commit reports from a later poll.
    first = next(m for m in got if m.partition() == 1)
    assert c.commit(message=first) is None
    poll_until([c], lambda: len(commits) == 1, [])
    err, parts = commits[0]
    assert err is None and [(tp.partition, tp.offset) for tp in parts] == [(1, (first.offset() or 0) + 1)]
    assert c.committed(tps, 10)[1].offset == (first.offset() or 0) + 1
    c.close()

    # A new member of the group starts from the committed offsets.
    c2 = member(kafka_cluster, "g-commit")
    c2.subscribe(["commits"])
    again: list[Message] = []
    poll_until([c2], lambda: len(again) == 3 + 4, again)
    assert sorted(m.partition() or 0 for m in again) == [0, 0, 0, 1, 1, 1, 1]
    c2.close()


def test_on_assign_sets_start_offsets_and_on_revoke_commits(
    kafka_cluster: Cluster, admin: AdminClient, producer: Producer
) -> None:
    create(admin, "rewind")
    fill(producer, "rewind", 5, 1)
    c = member(kafka_cluster, "g-rewind")

    def on_assign(cons: Consumer, parts: list[TopicPartition]) -> None:
        for tp in parts:
            tp.offset = 3
        cons.assign(parts)

    def on_revoke(cons: Consumer, parts: list[TopicPartition]) -> None:
        cons.commit(asynchronous=False)

    c.subscribe(["rewind"], on_assign=on_assign, on_revoke=on_revoke)
    got: list[Message] = []
    poll_until([c], lambda: len(got) == 2, got)
    assert [m.offset() for m in got] == [3, 4]
    c.unsubscribe()
    assert c.assignment() == []
    assert c.committed([TopicPartition("rewind", 0)], 10)[0].offset == 5
    c.close()


def test_callback_exception_propagates_from_poll(kafka_cluster: Cluster, admin: AdminClient) -> None:
    create(admin, "boom")
    c = member(kafka_cluster, "g-boom")

    def on_assign(cons: Consumer, parts: list[TopicPartition]) -> None:
        raise ValueError("boom")

    c.subscribe(["boom"], on_assign=on_assign)
    with pytest.raises(ValueError, match="boom"):
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            c.poll(0.1)
    c.close()


def test_group_misuse(kafka_cluster: Cluster, admin: AdminClient) -> None:
    no_group = consumer(kafka_cluster)
    with pytest.raises(KafkaException):
        no_group.consumer_group_metadata()
    with pytest.raises(KafkaException):
        no_group.subscribe(["t"])
    no_group.close()

    c = member(kafka_cluster, "g-misuse")
    with pytest.raises(TypeError):
        c.subscribe("topic")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        c.subscribe([1])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        c.subscribe(["t"], on_assign=3)  # type: ignore[arg-type]
    with pytest.raises(KafkaException):
        c.subscribe([])
    with pytest.raises(ValueError):
        c.commit(message=Message(topic="t", partition=0, offset=1), offsets=[TopicPartition("t", 0, 1)])
    with pytest.raises(KafkaException):
        c.commit(offsets=[TopicPartition("t", 0, -5)], asynchronous=False)
    c.close()
    with pytest.raises(RuntimeError):
        c.subscribe(["t"])


def test_pattern_subscription(kafka_cluster: Cluster, admin: AdminClient, producer: Producer) -> None:
    create(admin, "pat-a")
    create(admin, "pat-b")
    create(admin, "other")
    for t in ("pat-a", "pat-b", "other"):
        producer.produce(t, t)
    assert producer.flush(10) == 0
    c = member(kafka_cluster, "g-pat")
    c.subscribe(["^pat-.*"])
    got: list[Message] = []
    poll_until([c], lambda: len(got) == 2, got)
    assert sorted(m.topic() or "" for m in got) == ["pat-a", "pat-b"]
    c.close()


@pytest.mark.parametrize("with_on_lost", [True, False])
def test_on_lost_after_max_poll_interval(kafka_cluster: Cluster, admin: AdminClient, with_on_lost: bool) -> None:
    create(admin, "stall")
    log = Log()
    c = member(kafka_cluster, "g-stall", **{"max.poll.interval.ms": 1000, "heartbeat.interval.ms": 200})
    c.subscribe(
        ["stall"],
        on_assign=log.cb("assign"),
        on_revoke=log.cb("revoke"),
        on_lost=log.cb("lost") if with_on_lost else None,
    )
    poll_until([c], lambda: len(log.owned) == 1, [])
    time.sleep(2.5)  # longer than max.poll.interval.ms: the member leaves the group
    # Polling again: the partitions are reported lost (to on_revoke without on_lost), then rejoined.
    poll_until([c], lambda: len(log.calls) >= 3 and len(log.owned) == 1, [])
    kinds = [k for k, _ in log.calls]
    assert kinds[:3] == ["assign", "lost" if with_on_lost else "revoke", "assign"]
    c.close()
