"""Real clients for the group admin tests (core/tests/apache_kafka_admin_groups.rs and
test_groups_tool.py): a confluent-kafka consumer that joins a group and commits given offsets,
or a transactional producer that leaves a transaction open. Each prints ``ready`` once in place
and stays until its stdin closes, then leaves cleanly (the consumer closes, leaving the group; the
producer aborts) and prints ``closed``.

    group_member.py member BOOTSTRAP TOPIC GROUP '{"0": 3, "1": 10}'
    group_member.py open-txn BOOTSTRAP TOPIC RECORDS
"""

from __future__ import annotations

import json
import sys
import threading
import time

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition

WAIT_S = 60


def wait_for_stdin_eof(poll) -> None:
    done = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), done.set()), daemon=True).start()
    while not done.is_set():
        poll()


def member(bootstrap: str, topic: str, group: str, commits: dict[str, int]) -> None:
    assigned: list[TopicPartition] = []
    c = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": group,
            "client.id": "kafkette-test-member",
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
            "session.timeout.ms": 10000,
        }
    )
    c.subscribe([topic], on_assign=lambda _c, parts: assigned.extend(parts))
    deadline = time.time() + WAIT_S
    while not assigned:
        if time.time() > deadline:
            raise SystemExit("no assignment")
        c.poll(0.2)
    if commits:
        offsets = [TopicPartition(topic, int(p), o) for p, o in commits.items()]
        c.commit(offsets=offsets, asynchronous=False)
    print("ready", flush=True)
    wait_for_stdin_eof(lambda: c.poll(0.2))
    c.close()
    print("closed", flush=True)


def open_txn(bootstrap: str, topic: str, records: int) -> None:
    p = Producer({"bootstrap.servers": bootstrap, "transactional.id": f"kafkette-open-{topic}"})
    p.init_transactions(WAIT_S)
    p.begin_transaction()
    for i in range(records):
        p.produce(topic, value=f"open-{i}".encode(), partition=0)
    if p.flush(WAIT_S) != 0:
        raise KafkaException("records not delivered")
    print("ready", flush=True)
    wait_for_stdin_eof(lambda: time.sleep(0.2))
    p.abort_transaction(WAIT_S)
    print("closed", flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "member":
        member(sys.argv[2], sys.argv[3], sys.argv[4], json.loads(sys.argv[5]))
    elif sys.argv[1] == "open-txn":
        open_txn(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        raise SystemExit(f"unknown mode {sys.argv[1]!r}")
