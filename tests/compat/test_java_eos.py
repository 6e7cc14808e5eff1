"""The Java client (kafka-clients 4.1.1, unmodified) in transactions (issue 5) and consumer groups (issue 6),
against Apache Kafka 4.1.1 (the proof that the checks are right) and kafkette (xfail until the coordinators
land). The programs check and exit 1 with the first mismatch:

- java/TxnCopy.java: an exactly-once copy, consume-process-produce with sendOffsetsToTransaction and the
  consumer's groupMetadata(), one transaction aborted and redone; the read_committed output equals the
  input and the group's committed offsets are the input's end offsets.
- java/GroupMembers.java: two consumers share a 6-partition topic with the eager `range` or the
  `cooperative-sticky` assignor, one leaves, the other takes over every partition and reads everything, the
  committed offsets reach the end; with cooperative-sticky the survivor gives nothing up, with range all.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import uuid

import pytest

from brokers import COMPAT, java_classpath
from targets import targets

SOURCES = [COMPAT / "java" / "TxnCopy.java", COMPAT / "java" / "GroupMembers.java"]
CLASSES = COMPAT / ".work" / "java-eos"


@pytest.fixture(scope="session")
def eos_classes() -> str:
    """The programs compiled against the client jars (again only when a source is newer)."""
    built = [CLASSES / f"{s.stem}.class" for s in SOURCES]
    if any(not b.exists() or b.stat().st_mtime < s.stat().st_mtime for b, s in zip(built, SOURCES)):
        CLASSES.mkdir(parents=True, exist_ok=True)
        javac = shutil.which("javac") or "javac"
        cmd = [javac, "-d", str(CLASSES), "-cp", java_classpath(), *map(str, SOURCES)]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, out.stderr
    return f"{java_classpath()}:{CLASSES}"


def run_java(classpath: str, main: str, bootstrap: str, *args: str) -> dict:
    java = shutil.which("java") or "java"
    prefix = f"java-eos-{uuid.uuid4().hex[:8]}"
    out = subprocess.run(
        [java, "-cp", classpath, main, bootstrap, prefix, *args], capture_output=True, text=True, timeout=90
    )
    errors = "\n".join(line for line in out.stderr.splitlines() if "SLF4J" not in line)
    assert out.returncode == 0, f"{main} failed:\n{errors[-4000:]}"
    [result] = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
    assert result["ok"]
    return result


@pytest.mark.parametrize("broker", targets(None), indirect=True)
def test_java_transactional_copy(eos_classes, broker):
    result = run_java(eos_classes, "TxnCopy", broker)
    assert result["records"] == 300 and result["batches"] >= 3


@pytest.mark.parametrize("assignor", ["range", "cooperative-sticky"])
@pytest.mark.parametrize("broker", targets(None), indirect=True)
def test_java_group_member_leaves(eos_classes, broker, assignor):
    result = run_java(eos_classes, "GroupMembers", broker, assignor)
    assert result["records"] == 1200
