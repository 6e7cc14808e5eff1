"""kafkajs 2.2.4 transactions (issue 5) and consumer groups (issue 6), against Apache Kafka 4.1.1 (the proof that
the checks are right) and kafkette (xfail until the coordinators land).

kafkajs/transactions.js: a producer({ transactionalId, idempotent: true, maxInFlightRequests: 1 }) commits,
aborts and commits a transaction; a readUncommitted: false consumer (in a group, run({ eachMessage })) sees
the committed records only, a readUncommitted: true one all of them; a copier copies an input topic to an
output topic with producer.transaction() (send, sendOffsets, commit; and one aborted), and the output equals
the input exactly with the copier group's offsets at the end.
kafkajs/groups.js: two consumers({ groupId }) share a topic, one disconnects, the other takes over, every
record is read and the group's committed offsets are at the end.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import uuid
from collections import defaultdict

import pytest

from brokers import COMPAT
from targets import targets

JS = COMPAT / "kafkajs"


@pytest.fixture(scope="session")
def node() -> str:
    if not (JS / "node_modules" / "kafkajs" / "package.json").exists():
        pytest.fail(f"kafkajs missing in {JS / 'node_modules'}: run `make compat-js`")
    return shutil.which("node") or "node"


def run(node: str, script: str, bootstrap: str) -> dict:
    prefix = f"kafkajs-eos-{uuid.uuid4().hex[:8]}"
    out = subprocess.run([node, str(JS / script), bootstrap, prefix], capture_output=True, text=True, timeout=90)
    assert out.returncode == 0, f"{script} failed:\n{out.stderr[-4000:]}"
    return json.loads(out.stdout)


def by_partition(rows: list[list]) -> dict[int, list[tuple]]:
    """[partition, (offset,) key, value] rows as partition -> [(key, value)] in the order given."""
    out: dict[int, list[tuple]] = defaultdict(list)
    for r in rows:
        out[r[0]].append((r[-2], r[-1]))
    return dict(out)


@pytest.mark.parametrize("broker", targets(None), indirect=True)
def test_kafkajs_transactions(node, broker):
    r = run(node, "transactions.js", broker)
    committed, aborted = r["sent"]["committed"], r["sent"]["aborted"]
    half = len(committed) // 2
    assert by_partition(r["readCommitted"]) == by_partition(committed), "readUncommitted: false saw other records"
    assert by_partition(r["readUncommitted"]) == by_partition(committed[:half] + aborted + committed[half:]), (
        "readUncommitted: true did not see the committed and the aborted records in produce order"
    )
    # The copy: every input record once, in order per partition; the group's offsets at the end of the input.
    assert len({(p, o) for p, o, _, _ in r["input"]}) == len(r["input"]), "the copier read a record twice"
    assert by_partition(r["output"]) == by_partition(r["input"]), "the copy differs from the input"
    ends = {p: len(rows) for p, rows in by_partition(r["input"]).items()}
    assert dict(map(tuple, r["copierOffsets"])) == ends, "the copier group's committed offsets are not at the end"


@pytest.mark.parametrize("broker", targets(None), indirect=True)
def test_kafkajs_group_takeover(node, broker):
    r = run(node, "groups.js", broker)
    a, b = r["assignments"]["a"], r["assignments"]["b"]
    shared = [(x, y) for x in a for y in b if x and y and not set(x) & set(y) and len(x) + len(y) == 4]
    assert shared, f"the two members never shared the partitions: a {a}, b {b}"
    assert b[-1] == [0, 1, 2, 3], f"b did not take over every partition: {b}"
    high = dict(map(tuple, r["high"]))
    everything = {(p, o) for p, h in high.items() for o in range(h)}
    read = {tuple(x) for rows in r["processed"].values() for x in rows}
    assert read == everything, f"{len(everything - read)} records never read, {len(read - everything)} unknown"
    assert r["processed"]["a"] and r["processed"]["b"], "one member read nothing"
    assert dict(map(tuple, r["committed"])) == high, "the group's committed offsets are not at the end"
