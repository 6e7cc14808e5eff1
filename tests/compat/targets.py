"""Which brokers the transaction and consumer-group scenarios (issues 5 and 6) run against.

Every scenario runs against Apache Kafka 4.1.1 (the proof that the test itself is right) and against
kafkette: ``kafkette serve`` and, where cheap, the in-process ``Cluster`` listening on TCP. Until the
coordinators land, the kafkette params carry ``xfail(strict=True)``: they must fail today, and the strict
mark turns into a failure the day they pass, so the mark is removed then.

Use with the ``broker`` fixture of conftest.py::

    @pytest.mark.parametrize("broker", targets(TXN), indirect=True)
    def test_x(broker): ...  # broker is a bootstrap.servers string
"""

from __future__ import annotations

import pytest

TXN = "the transaction coordinator is not merged yet (issue 5)"
GROUP = "the group coordinator is not merged yet (issue 6)"
BOTH = "the transaction and group coordinators are not merged yet (issues 5 and 6)"


def targets(pending: str | None, inproc: bool = True, three_brokers: bool = False) -> list:
    """Apache Kafka, then kafkette serve (and the in-process Cluster; and three brokers in one `kafkette serve`,
    where the coordinators are on other nodes than the bootstrap one), those marked xfail(strict) with the
    reason ``pending`` (None: no mark, kafkette is expected to pass)."""
    marks = [pytest.mark.xfail(strict=True, reason=pending)] if pending else []
    params = [pytest.param("apache", id="apache"), pytest.param("serve", marks=marks, id="serve")]
    if inproc:
        params.append(pytest.param("inproc", marks=marks, id="inproc"))
    if three_brokers:
        params.append(pytest.param("serve3", marks=marks, id="serve3"))
    return params
