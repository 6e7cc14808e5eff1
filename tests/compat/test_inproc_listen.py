"""An in-process kafkette.Cluster listening on TCP serves one broker to both sides: records a real
client (confluent-kafka, librdkafka) writes over TCP are read by our in-process consumer, and the
reverse."""

import time

import confluent_kafka
import kafkette


def consume_values(consumer, n: int, timeout: float = 20.0) -> list:
    got = []
    deadline = time.monotonic() + timeout
    while len(got) < n and time.monotonic() < deadline:
        m = consumer.poll(0.2)
        if m is None:
            continue
        assert m.error() is None, m.error()
        got.append(m.value())
    return got


def test_confluent_kafka_and_in_process_clients_share_a_listening_cluster():
    with kafkette.Cluster({"num.partitions": 1}, listen=True) as cluster:
        tcp = {"bootstrap.servers": cluster.bootstrap_servers}
        inproc = {"bootstrap.servers": cluster.inproc_name}

        theirs = confluent_kafka.Producer(tcp)
        for i in range(100):
            theirs.produce("to-inproc", value=f"c{i}".encode(), key=f"k{i}".encode())
        assert theirs.flush(20) == 0
        ours = kafkette.Consumer({**inproc, "auto.offset.reset": "earliest"})
        ours.assign([kafkette.TopicPartition("to-inproc", 0)])
        assert sorted(consume_values(ours, 100)) == sorted(f"c{i}".encode() for i in range(100))
        ours.close()

        mine = kafkette.Producer(inproc)
        for i in range(100):
            mine.produce("to-tcp", value=f"k{i}".encode())
        assert mine.flush(10) == 0
        reader = confluent_kafka.Consumer({**tcp, "group.id": "unused", "enable.auto.commit": False})
        reader.assign([confluent_kafka.TopicPartition("to-tcp", 0, confluent_kafka.OFFSET_BEGINNING)])
        assert consume_values(reader, 100) == [f"k{i}".encode() for i in range(100)]
        reader.close()
