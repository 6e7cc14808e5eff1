"""The GIL is released while Rust works: other Python threads run during a blocking call."""

from __future__ import annotations

import threading
import time
from typing import Optional

from conftest import conf, consumer
from kafkette import OFFSET_BEGINNING, Cluster, Message, Producer, TopicPartition


def test_a_thread_produces_while_another_blocks_in_consumer_poll(kafka_cluster: Cluster) -> None:
    p = Producer(conf(kafka_cluster))
    p.produce("live", b"first")
    p.flush(10)
    c = consumer(kafka_cluster)
    c.assign([TopicPartition("live", 0, 1)])
    got: list[Optional[Message]] = []
    started = threading.Event()

    def blocked() -> None:
        started.set()
        got.append(c.poll(10))

    t = threading.Thread(target=blocked)
    t.start()
    started.wait()
    time.sleep(0.2)  # the poller is now blocked inside Rust
    ticks = 0
    t_end = time.monotonic() + 0.2
    while time.monotonic() < t_end:  # pure-Python work proceeds meanwhile
        ticks += 1
    assert ticks > 1000
    sent = time.monotonic()
    p.produce("live", b"second")
    assert p.flush(5) == 0
    t.join(10)
    assert not t.is_alive()
    assert time.monotonic() - sent < 5, "the poll should wake when the record arrives"
    assert len(got) == 1 and got[0] is not None and got[0].value() == b"second"
    c.close()


def test_producer_poll_blocking_in_one_thread_does_not_stop_produce_in_another(kafka_cluster: Cluster) -> None:
    p = Producer(conf(kafka_cluster))
    served: list[int] = []
    reports: list[Optional[int]] = []

    def poller() -> None:
        served.append(p.poll(10))

    t = threading.Thread(target=poller)
    t.start()
    time.sleep(0.2)  # nothing in flight: the poller waits
    start = time.monotonic()
    p.produce("pp", b"x", on_delivery=lambda e, m: reports.append(m.offset()))
    assert time.monotonic() - start < 1, "produce must not wait for the other thread's poll"
    t.join(10)
    assert served == [1] and reports == [0]


def test_many_threads_share_a_cluster(kafka_cluster: Cluster) -> None:
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            p = Producer(conf(kafka_cluster))
            for j in range(50):
                p.produce("shared", f"{i}-{j}")
            assert p.flush(10) == 0
        except BaseException as e:  # surfaced below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors
    c = consumer(kafka_cluster)
    c.assign([TopicPartition("shared", 0, OFFSET_BEGINNING)])
    n = 0
    deadline = time.monotonic() + 10
    while n < 200 and time.monotonic() < deadline:
        n += len([m for m in c.consume(100, 0.5) if m.error() is None])
    assert n == 200
