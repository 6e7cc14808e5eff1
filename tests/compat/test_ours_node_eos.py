"""Our Node binding (KafkaJS's API) in a consumer group with a transactional producer, over TCP, against
Apache Kafka 4.1.1 (the proof that the checks are right), `kafkette serve` and the in-process Cluster
listening on TCP: tests/compat/ours/groups_eos.js (see its header). An aborted transaction is never read
with read_committed; two copiers one after the other in one group copy the input exactly once (eachBatch,
a transaction per batch with sendOffsets, heartbeat, resolveOffset); the group's committed offsets end
at the input's high watermarks. Needs `make node` (compat-env builds it)."""

from __future__ import annotations

import json
import shutil
import subprocess
import uuid
from collections import Counter

import pytest

from brokers import COMPAT
from targets import targets

SCRIPT = COMPAT / "ours" / "groups_eos.js"
ADDON = COMPAT.parent.parent / "node" / "kafkette.linux-x64-gnu.node"


@pytest.mark.parametrize("broker", targets(None), indirect=True)
def test_our_node_group_and_transactions(broker: str) -> None:
    if not ADDON.exists():
        pytest.fail(f"{ADDON} missing: run `make node`")
    node = shutil.which("node") or "node"
    prefix = f"ours-node-eos-{uuid.uuid4().hex[:8]}"
    out = subprocess.run([node, str(SCRIPT), broker, prefix], capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, f"groups_eos.js failed:\n{out.stderr[-4000:]}"
    r = json.loads(out.stdout)

    inputs = [v for _, _, v in r["input"]]
    assert sorted(inputs, key=lambda v: int(v[1:])) == [f"v{i}" for i in range(60)], "the copiers missed or repeated input"
    assert not [v for v in r["output"] if v.startswith("aborted-")], "read_committed saw an aborted transaction"
    dups = [v for v, n in Counter(r["output"]).items() if n > 1]
    assert not dups, f"copied twice: {dups}"
    assert sorted(r["output"], key=lambda v: int(v[1:])) == [f"v{i}" for i in range(60)]
    # Per partition, the output keeps the input's order (same keys, same partitioner).
    assert dict(map(tuple, r["committed"])) == dict(map(tuple, r["high"])), "the group's offsets are not at the end"
    for name in ("a", "b"):
        assert r["info"][name]["state"] == "Stable" and r["info"][name]["members"] == 1, r["info"]
        assert r["info"][name]["joins"] >= 1
