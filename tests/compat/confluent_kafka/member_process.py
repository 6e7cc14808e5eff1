"""One confluent-kafka consumer in a group, as its own process (test_confluent_groups.py kills it with SIGKILL).

Usage: member_process.py BOOTSTRAP GROUP TOPIC SESSION_TIMEOUT_MS BATCH. It subscribes, and for every batch
(of at most BATCH records) it "processes" the records by printing them and pausing 50 ms, then commits
synchronously (at least once: a record printed and not yet committed when the process dies is read again by
another member). One JSON object a line on stdout: {"assigned": [partitions]}, {"revoked": [partitions]},
{"records": [[partition, offset], ...]}.
"""

from __future__ import annotations

import json
import sys
import time

from confluent_kafka import Consumer, KafkaException


def say(obj: dict) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def main() -> None:
    bootstrap, group, topic, session_ms, batch = sys.argv[1:6]
    c = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": group,
            "session.timeout.ms": int(session_ms),
            "heartbeat.interval.ms": 500,
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    c.subscribe(
        [topic],
        on_assign=lambda _c, parts: say({"assigned": sorted(p.partition for p in parts)}),
        on_revoke=lambda _c, parts: say({"revoked": sorted(p.partition for p in parts)}),
    )
    while True:
        msgs = c.consume(int(batch), 0.2)
        for m in msgs:
            if m.error() is not None:
                raise KafkaException(m.error())
        if msgs:
            say({"records": [[m.partition(), m.offset()] for m in msgs]})
            time.sleep(0.05)
            try:
                c.commit(asynchronous=False)
            except KafkaException as e:  # a rebalance between processing and commit: read again, at least once
                print(f"commit failed: {e}", file=sys.stderr)


if __name__ == "__main__":
    main()
