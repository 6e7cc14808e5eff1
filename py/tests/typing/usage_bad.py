"""Misuse that the stubs must reject: each line marked with an E comment is a mypy error."""

from __future__ import annotations

from kafkette import Consumer, Producer, TopicPartition

p = Producer({"bootstrap.servers": "inproc://cluster-1"})
p.produce(42, b"v")  # E: topic is a str
p.produce("t", 3.5)  # E: value is bytes or str
left: str = p.flush()  # E: flush returns int
c = Consumer({"bootstrap.servers": "inproc://cluster-1"})
c.assign(["t"])  # E: assign takes TopicPartitions
offset: int = c.poll(1.0).offset()  # E: poll may return None
TopicPartition("t", "0")  # E: partition is an int
