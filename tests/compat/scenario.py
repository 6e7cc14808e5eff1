"""The records every Python-driven client (confluent-kafka, kafka-python, kcat) produces and must read back.

Record i has key ``key-{i % 997}``, a value naming i, and headers in a fixed order with a repeated name and a
binary value. ``verify`` checks what a client read back against what it produced: every record exactly once,
keys, values and headers (order and duplicates) as produced, each record on the partition the Java client's
default partitioner chooses for its key, offsets contiguous from 0 in each partition, in produce order, and
equal to the offsets the delivery reports gave (when the client reports them).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Iterable, Optional

RECORDS = 10_000
PARTITIONS = 6
CODECS = ("gzip", "snappy", "lz4", "zstd")
COMPRESSED_RECORDS = 500

Headers = list[tuple[str, bytes]]


def murmur2(data: bytes) -> int:
    """Apache Kafka's ``Utils.murmur2`` (MurmurHash2, seed 0x9747b28c), as a signed 32-bit int."""
    m, r = 0x5BD1E995, 24
    length = len(data)
    h = (0x9747B28C ^ length) & 0xFFFFFFFF
    whole = length - length % 4
    for i in range(0, whole, 4):
        k = int.from_bytes(data[i : i + 4], "little")
        k = (k * m) & 0xFFFFFFFF
        k ^= k >> r
        k = (k * m) & 0xFFFFFFFF
        h = (h * m) & 0xFFFFFFFF
        h ^= k
    tail = data[whole:]
    if len(tail) >= 3:
        h ^= tail[2] << 16
    if len(tail) >= 2:
        h ^= tail[1] << 8
    if len(tail) >= 1:
        h ^= tail[0]
        h = (h * m) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * m) & 0xFFFFFFFF
    h ^= h >> 15
    return h - (1 << 32) if h & 0x80000000 else h


def java_partition(key: bytes, partitions: int = PARTITIONS) -> int:
    """The Java client's partition for a keyed record: ``toPositive(murmur2(key)) % partitions``."""
    return (murmur2(key) & 0x7FFFFFFF) % partitions


def topic_name(client: str) -> str:
    """A fresh topic name (Apache Kafka is shared by the whole session)."""
    return f"compat-{client}-{uuid.uuid4().hex[:10]}"


def key(i: int) -> bytes:
    return f"key-{i % 997}".encode()


def value(i: int) -> bytes:
    return f"value-{i:05d}".encode()


def index(value_bytes: bytes) -> int:
    """The i a value names."""
    text = value_bytes.decode()
    assert text.startswith("value-"), f"not a scenario value: {value_bytes!r}"
    return int(text[len("value-") :])


def headers(i: int) -> Headers:
    """Three headers: a per-record one, then the name ``dup`` twice, the second with a binary value."""
    return [("trace", f"t-{i}".encode()), ("dup", b"first"), ("dup", bytes([0, 1, 0xFE, 0xFF, i % 256]))]


@dataclass(frozen=True)
class Read:
    """One record as a client read it back."""

    partition: int
    offset: int
    key: Optional[bytes]
    value: bytes
    headers: Headers


def verify(
    read: Iterable[Read],
    count: int = RECORDS,
    delivered: Optional[dict[int, tuple[int, int]]] = None,
    expected_headers=headers,
) -> None:
    """Check the records read back (see the module docstring). ``delivered`` maps i to (partition, offset)."""
    by_index: dict[int, Read] = {}
    for rec in read:
        i = index(rec.value)
        assert i not in by_index, f"record {i} read twice: {by_index[i]} and {rec}"
        by_index[i] = rec
    missing = sorted(set(range(count)) - set(by_index))
    assert not missing, f"{len(missing)} of {count} records not read back, first {missing[:5]}"
    assert len(by_index) == count, f"read {len(by_index)} records, produced {count}"
    per_partition: dict[int, list[tuple[int, int]]] = {}
    for i, rec in sorted(by_index.items()):
        assert rec.key == key(i), f"record {i}: key {rec.key!r}, produced {key(i)!r}"
        assert rec.headers == expected_headers(i), f"record {i}: headers {rec.headers!r}"
        want = java_partition(key(i))
        assert rec.partition == want, f"record {i} key {key(i)!r}: partition {rec.partition}, Java's is {want}"
        if delivered is not None:
            assert delivered[i] == (rec.partition, rec.offset), f"record {i}: delivery report {delivered[i]}, read {rec}"
        per_partition.setdefault(rec.partition, []).append((rec.offset, i))
    assert len(per_partition) == PARTITIONS, f"records on partitions {sorted(per_partition)}, expected all {PARTITIONS}"
    for p, entries in per_partition.items():
        offsets = [o for o, _ in entries]
        assert offsets == list(range(len(entries))), f"partition {p}: offsets not 0..{len(entries) - 1} in produce order"


# librdkafka (confluent-kafka, kcat) with `debug=msg` logs the codec of each batch it sends, "uncompressed"
# when it fell back (also for a batch that compression would not shrink): "... Produce MessageSet with 4 message(s) (131 bytes, ApiVersion 9, ..., snappy)".
LIBRDKAFKA_BATCH_CODEC = re.compile(r"Produce MessageSet with .*, (\w+)\)\s*$")


def librdkafka_codecs(log_lines: Iterable[str]) -> set[str]:
    """The codecs of the batches librdkafka says it sent."""
    return {m.group(1) for line in log_lines if (m := LIBRDKAFKA_BATCH_CODEC.search(line))}


