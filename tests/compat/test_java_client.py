"""The Java client (org.apache.kafka:kafka-clients 4.1.1 from Maven Central, unmodified) against kafkette.

java/Compat.java does the work in one JVM per broker: for each compression it creates a 6-partition
topic (AdminClient), produces 10,000 keyed records with headers (KafkaProducer), reads them all back by
assign() (KafkaConsumer, no group) and checks keys, values, headers, offsets and partitions (as the
producer reported them, and as Java's murmur2 partitioner chooses). The same program against Apache
Kafka proves the checks themselves. What does not pass yet: java/FINDINGS.md.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import uuid

import pytest

from brokers import COMPAT, java_classpath

SOURCE = COMPAT / "java" / "Compat.java"
CLASSES = COMPAT / ".work" / "java"
ALL = ["none", "gzip", "snappy", "lz4", "zstd"]


@pytest.fixture(scope="session")
def compat_classes() -> str:
    """Compat.java compiled against the client jars (again only when the source is newer)."""
    built = CLASSES / "Compat.class"
    if not built.exists() or built.stat().st_mtime < SOURCE.stat().st_mtime:
        CLASSES.mkdir(parents=True, exist_ok=True)
        javac = shutil.which("javac") or "javac"
        out = subprocess.run(
            [javac, "-d", str(CLASSES), "-cp", java_classpath(), str(SOURCE)],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert out.returncode == 0, out.stderr
    return f"{java_classpath()}:{CLASSES}"


def run_compat(classpath: str, bootstrap: str, compressions: list[str]) -> None:
    java = shutil.which("java") or "java"
    prefix = f"java-{uuid.uuid4().hex[:8]}"
    out = subprocess.run(
        [java, "-cp", classpath, "Compat", bootstrap, prefix, ",".join(compressions)],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert out.returncode == 0, f"Java client failed:\n{out.stderr[-4000:]}\n{out.stdout[-2000:]}"
    results = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
    assert [r["compression"] for r in results] == compressions
    assert all(r["ok"] and r["records"] == 10_000 for r in results)


def test_java_client_roundtrip(compat_classes, kafkette_target):
    run_compat(compat_classes, kafkette_target, ALL)


def test_java_client_three_brokers(compat_classes, kafkette_serve):
    run_compat(compat_classes, kafkette_serve(brokers=3), ["lz4"])


def test_java_client_apache_kafka(compat_classes, apache_kafka):
    """The same checks pass against Apache Kafka: they test the broker, not our expectations."""
    try:
        run_compat(compat_classes, apache_kafka, ALL)
    except AssertionError as e:
        raise AssertionError(f"{e}\n--- Apache Kafka's log, last lines ---\n{apache_kafka.log_tail()}") from None
