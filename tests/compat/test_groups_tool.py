"""`kafkette groups` against Apache Kafka's own `kafka-consumer-groups` tool
(org.apache.kafka.tools.consumer.group.ConsumerGroupCommand from the tools jar), on the same
broker and the same groups: a live group of a real confluent-kafka consumer (group_member.py)
and, after it leaves, an empty one. `--describe` (offsets, `--members`, `--state`) must print the
same rows (consumer ids are compared too: both read the same coordinator), `--list` the same
groups, and `--reset-offsets` the same plan; after our `--execute`, Kafka's tool sees the new
offsets.

Known differences: a refused reset (the group has members) exits 1 here, 0 in Kafka's tool (both
say why); `--to-datetime` without a zone is UTC here, the local zone in Kafka's tool; a group that
does not exist is "does not exist" here (DescribeGroups v5 answers Dead), "not found" there (v6).

The broker is Apache Kafka 4.1.1 and `kafkette serve` (the ``broker`` fixture, targets.py): against
kafkette, Kafka's own tool is the reference for what `kafkette groups` prints about a kafkette group.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

from brokers import KAFKETTE_BIN, java_classpath
from targets import targets

COMPAT = Path(__file__).resolve().parent
PARTITIONS = 3
PER_PARTITION = 10


def kafka_tool(bootstrap: str, *args: str) -> subprocess.CompletedProcess:
    java = shutil.which("java") or "java"
    cmd = [java, "-cp", java_classpath(), "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand"]
    return subprocess.run(
        [*cmd, "--bootstrap-server", bootstrap, *args], capture_output=True, text=True, timeout=120
    )


def ours(bootstrap: str, *args: str) -> subprocess.CompletedProcess:
    if not KAFKETTE_BIN.exists():
        pytest.fail(f"{KAFKETTE_BIN} missing: run `make compat-bin`")
    cmd = [str(KAFKETTE_BIN), "groups", "--bootstrap-server", bootstrap, *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def rows(stdout: str, header: str) -> list[list[str]]:
    """The table's rows (whitespace-split, sorted) after the header line starting with `header`."""
    lines = [line.split() for line in stdout.splitlines() if line.strip()]
    start = next(i for i, cols in enumerate(lines) if cols and cols[0] == header)
    return sorted(lines[start + 1 :])


def both(bootstrap: str, *args: str) -> tuple[str, str]:
    theirs, mine = kafka_tool(bootstrap, *args), ours(bootstrap, *args)
    assert theirs.returncode == 0, theirs.stdout + theirs.stderr
    assert mine.returncode == 0, mine.stdout + mine.stderr
    return theirs.stdout, mine.stdout


class Member:
    """A confluent-kafka consumer in the group (group_member.py), until `leave`."""

    def __init__(self, bootstrap: str, topic: str, group: str, commits: str) -> None:
        script = str(COMPAT / "group_member.py")
        self.proc = subprocess.Popen(
            [sys.executable, script, "member", bootstrap, topic, group, commits],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        assert self.proc.stdout.readline().strip() == "ready"

    def leave(self) -> None:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.close()
        assert self.proc.stdout.read().strip() == "closed"
        self.proc.wait(60)


def topic_with_records(bootstrap: str) -> str:
    topic = f"groups-tool-{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(topic, PARTITIONS, 1)])[topic].result(30)
    deadline = time.monotonic() + 30
    while len(admin.list_topics(topic, timeout=10).topics[topic].partitions) != PARTITIONS:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    p = Producer({"bootstrap.servers": bootstrap})
    for i in range(PARTITIONS * PER_PARTITION):
        p.produce(topic, value=f"v{i}".encode(), partition=i % PARTITIONS)
    assert p.flush(30) == 0
    return topic


@pytest.mark.parametrize("broker", targets(None, inproc=False), indirect=True)
def test_describe_list_and_reset_match_kafkas_tool(broker: str) -> None:
    topic = topic_with_records(broker)
    group = f"groups-tool-{uuid.uuid4().hex[:8]}"
    member = Member(broker, topic, group, '{"0": 3, "1": 10}')
    try:
        theirs, mine = both(broker, "--describe", "--group", group)
        want = rows(theirs, "GROUP")
        assert rows(mine, "GROUP") == want, f"Kafka:\n{theirs}\nkafkette:\n{mine}"
        # The rows say what the consumer committed: lag 7 on partition 0, none known on 2.
        assert [r[2:6] for r in want] == [["0", "3", "10", "7"], ["1", "10", "10", "0"], ["2", "-", "10", "-"]]
        assert all(r[7:] == ["/127.0.0.1", "kafkette-test-member"] for r in want)

        for view in ("--members", "--state"):
            theirs, mine = both(broker, "--describe", "--group", group, view)
            assert rows(mine, "GROUP") == rows(theirs, "GROUP"), f"{view}: Kafka:\n{theirs}\nkafkette:\n{mine}"
        assert rows(mine, "GROUP")[0][-2:] == ["Stable", "1"]

        theirs, mine = both(broker, "--list", "--state")
        assert [group, "Stable"] in rows(theirs, "GROUP") and [group, "Stable"] in rows(mine, "GROUP")
        theirs, mine = both(broker, "--list")
        assert group in theirs.split() and group in mine.split()
        theirs, mine = both(broker, "--list", "--state", "Stable")
        assert [group, "Stable"] in rows(theirs, "GROUP") and [group, "Stable"] in rows(mine, "GROUP")

        # Both refuse to reset a group with members (Kafka's tool says so and exits 0; we exit 1).
        args = ("--reset-offsets", "--group", group, "--topic", topic, "--to-earliest", "--execute")
        assert "is inactive, but the current state is Stable" in kafka_tool(broker, *args).stdout
        refused = ours(broker, *args)
        assert refused.returncode != 0 and "inactive" in refused.stderr, refused.stderr
    finally:
        member.leave()

    deadline = time.monotonic() + 30
    while "Empty" not in ours(broker, "--list", "--state", "Empty").stdout:
        assert time.monotonic() < deadline, "the group never became Empty"
        time.sleep(0.2)
    theirs, mine = both(broker, "--describe", "--group", group)
    assert rows(mine, "GROUP") == rows(theirs, "GROUP"), f"Kafka:\n{theirs}\nkafkette:\n{mine}"
    assert all(r[6:] == ["-", "-", "-"] for r in rows(mine, "GROUP"))

    for to in (["--to-earliest"], ["--to-latest"], ["--to-offset", "5"], ["--to-datetime", "2000-01-01T00:00:00.000"]):
        theirs, mine = both(broker, "--reset-offsets", "--group", group, "--topic", f"{topic}:0,2", *to, "--dry-run")
        assert rows(mine, "GROUP") == rows(theirs, "GROUP"), f"{to}: Kafka:\n{theirs}\nkafkette:\n{mine}"

    mine = ours(broker, "--reset-offsets", "--group", group, "--topic", topic, "--to-offset", "4", "--execute")
    assert mine.returncode == 0, mine.stderr
    theirs = kafka_tool(broker, "--describe", "--group", group)
    assert [r[2:6] for r in rows(theirs.stdout, "GROUP")] == [[str(p), "4", "10", "6"] for p in range(PARTITIONS)]

    deleted = ours(broker, "--delete", "--group", group)
    assert deleted.returncode == 0 and "was successful" in deleted.stdout, deleted.stdout
    gone = ours(broker, "--describe", "--group", group)
    assert gone.returncode != 0 and "does not exist" in gone.stderr
    assert group not in kafka_tool(broker, "--list").stdout.split()
