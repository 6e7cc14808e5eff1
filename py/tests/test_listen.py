"""Cluster(listen=...): one broker reached in-process and over TCP at once."""

from __future__ import annotations

import socket

import pytest

from kafkette import AdminClient, Cluster, Consumer, KafkaException, NewTopic, Producer, TopicPartition


def tcp_port_open(address: str) -> bool:
    host, port = address.rsplit(":", 1)
    try:
        with socket.create_connection((host, int(port)), timeout=2):
            return True
    except OSError:
        return False


def consume(consumer: Consumer, n: int, timeout: float = 10.0) -> list[bytes]:
    import time

    got: list[bytes] = []
    deadline = time.monotonic() + timeout
    while len(got) < n and time.monotonic() < deadline:
        for m in consumer.consume(100, 0.2):
            assert m.error() is None, m.error()
            got.append(m.value() or b"")
    return got


def test_listen_gives_a_tcp_bootstrap_and_stops_on_close() -> None:
    cluster = Cluster({"num.partitions": 2}, listen=True)
    addr = cluster.bootstrap_servers
    assert addr.startswith("127.0.0.1:") and int(addr.rsplit(":", 1)[1]) > 0
    assert tcp_port_open(addr)
    assert Cluster().bootstrap_servers.startswith("inproc://")
    cluster.close()
    assert not tcp_port_open(addr)


def test_listen_rejects_bad_addresses() -> None:
    with pytest.raises(KafkaException, match="no-such-host-here"):
        Cluster(listen="no-such-host-here:0")
    with pytest.raises(TypeError, match="listen"):
        Cluster(listen=9092)  # type: ignore[arg-type]


def test_in_process_producer_and_tcp_consumer_on_one_cluster() -> None:
    with Cluster(listen="127.0.0.1:0") as cluster:
        # Our producer in-process (the cluster's inproc name), our consumer over TCP.
        assert cluster.inproc_name.startswith("inproc://")
        producer = Producer({"bootstrap.servers": cluster.inproc_name})
        for i in range(50):
            producer.produce("shared", value=f"v{i}".encode(), key=f"k{i}".encode())
        assert producer.flush(10) == 0
        producer.close()
        consumer = Consumer({"bootstrap.servers": cluster.bootstrap_servers, "auto.offset.reset": "earliest"})
        consumer.assign([TopicPartition("shared", 0)])
        got = consume(consumer, 50)
        consumer.close()
        assert sorted(got) == sorted(f"v{i}".encode() for i in range(50))
        assert cluster.topics() == ["shared"]


def test_admin_client_over_tcp_against_a_listening_cluster() -> None:
    with Cluster(listen=True) as cluster:
        admin = AdminClient({"bootstrap.servers": cluster.bootstrap_servers})
        assert admin.create_topics([NewTopic("over-tcp", 3)])["over-tcp"].result(10) is None
        # The topic is the in-process broker's own.
        assert cluster.topics() == ["over-tcp"]
        md = admin.list_topics(timeout=10)
        host, port = cluster.bootstrap_servers.rsplit(":", 1)
        assert [(b.host, b.port) for b in md.brokers.values()] == [(host, int(port))]
        assert md.controller_id in md.brokers and md.cluster_id
        assert sorted(md.topics["over-tcp"].partitions) == [0, 1, 2]
        assert admin.delete_topics(["over-tcp"])["over-tcp"].result(10) is None
        assert cluster.topics() == []
        admin.close()
