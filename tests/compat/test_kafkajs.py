"""kafkajs 2.2.4 (npm, pinned in kafkajs/package-lock.json, unmodified) against kafkette.

kafkajs/roundtrip.js creates a 6-partition topic with kafkajs's admin client, produces 10,000 keyed
records with headers with kafkajs's producer, lists the offsets with its admin (ListOffsets) and reads the
records back with kafkajs's own Fetch requests and decoding, once per compression (snappy and lz4 through
the pinned kafkajs-snappy and kafkajs-lz4 codecs; zstd through zstd-codec behind the same codec
interface, since @kafkajs/zstd does not build on Node 20). kafkajs's consumer itself needs consumer
groups (issue 6, kafkajs/FINDINGS.md), so the read-back drives the cluster and broker objects it uses.
This test checks the partitions against Java's partitioner (scenario.py's murmur2), and that both
kafkajs and confluent-kafka (by assign()) read every record back with the key, value, headers, partition
and offset kafkajs produced it with. The same run against Apache Kafka proves the checks.
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
from scenario import java_partition

JS = COMPAT / "kafkajs"
ALL = ["none", "gzip", "snappy", "lz4", "zstd"]
PARTITIONS = 6

Record = tuple[bytes, bytes, list[tuple[str, bytes]]]


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


def as_records(reported: list[dict]) -> dict[tuple[int, int], Record]:
    """roundtrip.js's records (base64 values) by (partition, offset)."""
    out: dict[tuple[int, int], Record] = {}
    for r in reported:
        headers = [(name, base64.b64decode(v)) for name, v in r["headers"]]
        out[(r["partition"], r["offset"])] = (r["key"].encode(), base64.b64decode(r["value"]), headers)
    return out


def same(what: str, got: dict[tuple[int, int], Record], want: dict[tuple[int, int], Record]) -> None:
    missing = sorted(set(want) - set(got))
    extra = sorted(set(got) - set(want))
    assert not missing and not extra, f"{what}: {len(missing)} missing (first {missing[:3]}), extra {extra[:3]}"
    for pos, record in want.items():
        assert got[pos] == record, f"{what}: at {pos}: {got[pos]!r} where {record!r}"


def check(bootstrap: str, result: dict) -> None:
    compression, sent = result["compression"], result["records"]
    assert len(sent) == 10_000
    for i, r in enumerate(sent):
        java = java_partition(r["key"].encode(), PARTITIONS)
        assert r["partition"] == java, f"record {i}: kafkajs chose {r['partition']}, Java's partitioner {java}"
    want = as_records(sent)
    assert len(want) == len(sent), f"{compression}: two records reported at one offset"
    per_partition = {p: sum(1 for r in sent if r["partition"] == p) for p in range(PARTITIONS)}
    listed = {o["partition"]: (o["low"], o["high"]) for o in result["offsets"]}
    assert listed == {p: (0, n) for p, n in per_partition.items()}, f"{compression}: kafkajs's fetchTopicOffsets"
    same(f"{compression}, read by kafkajs", as_records(result["read"]), want)
    same(f"{compression}, read by confluent-kafka", read_back(bootstrap, result["topic"], len(sent)), want)


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
