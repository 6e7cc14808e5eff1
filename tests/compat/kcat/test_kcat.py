"""kcat (Debian; librdkafka inside): produce the scenario's keyed records with headers from stdin, read them
back with a binary-safe format, against kafkette serve, an in-process Cluster, three brokers in one
`kafkette serve`, and Apache Kafka (the proof that the test itself is right).

kcat has no admin commands: confluent-kafka's AdminClient creates the topic. kcat's headers (`-H`) are the
same for every record of one run, so the scenario's per-record header is a fixed one here. librdkafka's
default partitioner is ``consistent_random``; ``-X partitioner=murmur2_random`` is the Java client's.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest
from confluent_kafka.admin import AdminClient, NewTopic

import scenario
from scenario import CODECS, COMPRESSED_RECORDS, PARTITIONS, RECORDS, Read

TIMEOUT = 60
# The bytes of a header value pass through argv: no NUL, and none of the output format's separators.
HEADERS = [("trace", b"kcat"), ("dup", b"first"), ("dup", bytes([1, 2, 0xFE, 0xFF]))]
FORMAT = "%p|%o|%k|%s|%h\n"

pytestmark = pytest.mark.skipif(shutil.which("kcat") is None, reason="kcat missing: run `make compat-tools`")


def headers(_: int) -> list[tuple[str, bytes]]:
    return HEADERS


def create_topic(bootstrap: str) -> str:
    topic = scenario.topic_name("kcat")
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for future in admin.create_topics([NewTopic(topic, PARTITIONS, 1)], operation_timeout=TIMEOUT).values():
        future.result(TIMEOUT)
    return topic


def kcat(args: list[bytes], stdin: bytes = b"") -> tuple[bytes, str]:
    """kcat's stdout and stderr."""
    out = subprocess.run([b"kcat", *args], input=stdin, capture_output=True, timeout=TIMEOUT)
    stderr = out.stderr.decode(errors="replace")
    assert out.returncode == 0, stderr
    return out.stdout, stderr


def produce(bootstrap: str, topic: str, count: int, compression: str) -> None:
    """Produce records 0..count-1 from stdin; with a codec, check that kcat sent batches compressed with it."""
    lines = b"".join(scenario.key(i) + b"\t" + scenario.value(i) + b"\n" for i in range(count))
    args = [b"-b", bootstrap.encode(), b"-P", b"-t", topic.encode(), b"-K", b"\t", b"-z", compression.encode()]
    linger = b"linger.ms=5" if compression == "none" else b"linger.ms=50"  # compressed: batches that shrink
    args += [b"-X", b"partitioner=murmur2_random", b"-X", linger, b"-X", b"max.in.flight=1"]
    for name, val in HEADERS:
        args += [b"-H", name.encode() + b"=" + val]
    if compression != "none":
        args += [b"-d", b"msg"]
    _, log = kcat(args, lines)
    if compression != "none":
        # A batch that would not shrink is sent uncompressed; the bigger ones must carry the codec.
        codecs = scenario.librdkafka_codecs(log.splitlines())
        assert compression in codecs, f"batches sent as {codecs}, none as {compression}"


def parse(line: bytes) -> Read:
    partition, offset, key, value, hdrs = line.split(b"|", 4)
    pairs = [h.split(b"=", 1) for h in hdrs.split(b",")] if hdrs else []
    return Read(int(partition), int(offset), key, value, [(n.decode(), v) for n, v in pairs])


def consume(bootstrap: str, topic: str) -> list[Read]:
    """Every partition from the beginning to its end (`-e`)."""
    out, _ = kcat([b"-b", bootstrap.encode(), b"-C", b"-t", topic.encode(), b"-o", b"beginning", b"-e", b"-q",
                b"-f", FORMAT.encode()])
    return [parse(line) for line in out.split(b"\n") if line]


def round_trip(bootstrap: str, count: int = RECORDS, compression: str = "none") -> None:
    topic = create_topic(bootstrap)
    produce(bootstrap, topic, count, compression)
    scenario.verify(consume(bootstrap, topic), count, expected_headers=headers)


def test_keyed_records_with_headers(kafkette_target):
    round_trip(kafkette_target)


def test_keyed_records_with_headers_three_brokers(kafkette_serve):
    round_trip(kafkette_serve(brokers=3))


def test_keyed_records_with_headers_apache_kafka(apache_kafka):
    round_trip(apache_kafka)


@pytest.mark.parametrize("codec", CODECS)
def test_compressed(kafkette_target, codec):
    round_trip(kafkette_target, COMPRESSED_RECORDS, codec)


@pytest.mark.parametrize("codec", CODECS)
def test_compressed_apache_kafka(apache_kafka, codec):
    round_trip(apache_kafka, COMPRESSED_RECORDS, codec)
