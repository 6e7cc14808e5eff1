"""kafkajs 2.2.4 (npm, pinned in kafkajs/package-lock.json, unmodified) against kafkette.

kafkajs/roundtrip.js creates a 6-partition topic with kafkajs's admin client and produces 10,000 keyed
records with headers with kafkajs's producer, once per compression (snappy and lz4 through the pinned
kafkajs-snappy and kafkajs-lz4 codecs; zstd through zstd-codec behind the same codec interface, since
@kafkajs/zstd does not build on Node 20). It reports where kafkajs says each record went. This test checks
the partitions against Java's partitioner (murmur2, written out here) and reads every record back by
assign() with confluent-kafka, comparing keys, values, headers, offsets and partitions. kafkajs's own
consumer needs consumer groups (issue 6): kafkajs/FINDINGS.md. The same run against Apache Kafka proves
the checks.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import confluent_kafka as ck
import pytest

from brokers import COMPAT

JS = COMPAT / "kafkajs"
ALL = ["none", "gzip", "snappy", "lz4", "zstd"]
PARTITIONS = 6

Record = tuple[bytes, bytes, list[tuple[str, bytes]]]


def java_partition(key: bytes, partitions: int) -> int:
    """Java's default partitioner for a keyed record: toPositive(murmur2(key)) % partitions."""
    m, mask = 0x5BD1E995, 0xFFFFFFFF
    h = (0x9747B28C ^ len(key)) & mask
    end = len(key) - len(key) % 4
    for i in range(0, end, 4):
        k = (int.from_bytes(key[i : i + 4], "little") * m) & mask
        k ^= k >> 24
        h = ((h * m) & mask) ^ ((k * m) & mask)
    tail = key[end:]
    if tail:
        h ^= int.from_bytes(tail, "little")
        h = (h * m) & mask
    h ^= h >> 13
    h = (h * m) & mask
    h ^= h >> 15
    return (h & 0x7FFFFFFF) % partitions


@pytest.fixture(scope="session")
def node() -> str:
    for pkg in ["kafkajs", "kafkajs-snappy", "kafkajs-lz4", "zstd-codec"]:
        if not (JS / "node_modules" / pkg / "package.json").exists():
            pytest.fail(f"{pkg} missing in {JS / 'node_modules'}: run `make compat-js`")
    return shutil.which("node") or "node"


def produce_with_kafkajs(node: str, bootstrap: str, compressions: list[str], out: Path) -> list[dict]:
    prefix = f"kafkajs-{uuid.uuid4().hex[:8]}"
    run = subprocess.run(
        [node, str(JS / "roundtrip.js"), bootstrap, prefix, ",".join(compressions), str(out)],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert run.returncode == 0, f"kafkajs failed:\n{run.stderr[-4000:]}"
    results = json.loads(out.read_text())
    assert [r["compression"] for r in results] == compressions
    return results


def read_back(bootstrap: str, topic: str, expect: int) -> dict[tuple[int, int], Record]:
    """Every record of the topic by (partition, offset), read by assign() from the beginning."""
    # confluent-kafka insists on a group.id even for assign(); no offsets are committed.
    c = ck.Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"unused-{uuid.uuid4().hex[:8]}",
            "enable.auto.commit": False,
            "enable.auto.offset.store": False,
        }
    )
    got: dict[tuple[int, int], Record] = {}
    try:
        c.assign([ck.TopicPartition(topic, p, ck.OFFSET_BEGINNING) for p in range(PARTITIONS)])
        deadline = time.monotonic() + 60
        while len(got) < expect and time.monotonic() < deadline:
            for m in c.consume(1000, 0.5):
                assert m.error() is None, m.error()
                pos = (m.partition(), m.offset())
                assert pos not in got, f"{pos} read twice"
                got[pos] = (m.key(), m.value(), list(m.headers() or []))
        for m in c.consume(1000, 0.3):  # nothing more should be there
            got[(m.partition(), m.offset())] = (m.key(), m.value(), list(m.headers() or []))
    finally:
        c.close()
    return got


def check(bootstrap: str, result: dict) -> None:
    sent = result["records"]
    assert len(sent) == 10_000
    got = read_back(bootstrap, result["topic"], len(sent))
    assert len(got) == len(sent), f"{result['compression']}: read {len(got)} records back, produced {len(sent)}"
    for i, r in enumerate(sent):
        key = r["key"].encode()
        java = java_partition(key, PARTITIONS)
        assert r["partition"] == java, f"record {i}: kafkajs chose {r['partition']}, Java's partitioner {java}"
        pos = (r["partition"], r["offset"])
        assert pos in got, f"{result['compression']}: record {i} not at {pos}"
        headers = [(name, base64.b64decode(v)) for name, v in r["headers"]]
        want = (key, base64.b64decode(r["value"]), headers)
        assert got[pos] == want, f"{result['compression']}: record {i} at {pos}: {got[pos]!r} where {want!r}"


def roundtrip(node: str, bootstrap: str, compressions: list[str], tmp_path: Path) -> None:
    for result in produce_with_kafkajs(node, bootstrap, compressions, tmp_path / "sent.json"):
        check(bootstrap, result)


def test_kafkajs_roundtrip(node, kafkette_target, tmp_path):
    roundtrip(node, kafkette_target, ALL, tmp_path)


def test_kafkajs_three_brokers(node, kafkette_serve, tmp_path):
    roundtrip(node, kafkette_serve(brokers=3), ["snappy"], tmp_path)


def test_kafkajs_apache_kafka(node, apache_kafka, tmp_path):
    """The same checks pass against Apache Kafka: they test the broker, not our expectations."""
    roundtrip(node, apache_kafka, ALL, tmp_path)
