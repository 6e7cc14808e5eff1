"""Fixtures for the compatibility tests: the brokers the tests start themselves.

- ``kafkette_serve(brokers=1, config=None)``: a ``kafkette serve`` process (target/debug/kafkette,
  built by ``make compat-bin``) on ephemeral ports; returns its ``bootstrap.servers``.
- ``inproc_cluster(config=None)``: an in-process ``kafkette.Cluster`` in this Python process,
  listening on 127.0.0.1 with an ephemeral port; returns its ``bootstrap.servers``.
- ``kafkette_target``: parametrised over both of those (one broker each), for tests that must pass
  against every way of running kafkette.
- ``apache_kafka``: one single-node Apache Kafka 4.x (KRaft) for the session, from the Maven jars in
  tests/compat/.jars/lib (``make compat-jars``); returns its ``bootstrap.servers``.

Every broker binds 127.0.0.1 only, and is stopped when its test (or the session) ends.
"""

from __future__ import annotations

from typing import Callable, Iterator, Optional

import pytest

from brokers import ApacheKafka, KafketteServe


@pytest.fixture
def kafkette_serve() -> Iterator[Callable[..., str]]:
    started: list[KafketteServe] = []

    def start(brokers: int = 1, config: Optional[dict[str, str]] = None) -> str:
        s = KafketteServe(brokers, config)
        started.append(s)
        return s.bootstrap_servers

    yield start
    for s in started:
        s.stop()


@pytest.fixture
def inproc_cluster() -> Iterator[Callable[..., str]]:
    import kafkette

    started: list[kafkette.Cluster] = []

    def start(config: Optional[dict[str, str]] = None) -> str:
        c = kafkette.Cluster(config or {}, listen="127.0.0.1:0")
        started.append(c)
        return c.bootstrap_servers

    yield start
    for c in started:
        c.close()


@pytest.fixture(params=["serve", "inproc"])
def kafkette_target(request: pytest.FixtureRequest) -> str:
    """bootstrap.servers of a fresh one-broker kafkette: `kafkette serve`, then an in-process Cluster."""
    if request.param == "serve":
        return request.getfixturevalue("kafkette_serve")()
    return request.getfixturevalue("inproc_cluster")()


@pytest.fixture(scope="session")
def apache_kafka() -> Iterator[str]:
    k = ApacheKafka()
    try:
        yield BootstrapWithLog(k.bootstrap_servers, k.log)
    finally:
        k.stop()


class BootstrapWithLog(str):
    """A ``bootstrap.servers`` string that also knows where its broker logs (for failure messages)."""

    def __new__(cls, bootstrap: str, log) -> "BootstrapWithLog":
        s = super().__new__(cls, bootstrap)
        s.log = log
        return s

    def log_tail(self, chars: int = 6000) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError as e:
            return f"(no broker log: {e})"


@pytest.fixture
def broker(request: pytest.FixtureRequest) -> str:
    """bootstrap.servers of the broker named by an indirect parameter (targets.py): "apache" (the
    session's Apache Kafka; KAFKETTE_COMPAT_APACHE names an already running one instead, for quick
    iterations), "serve" (a fresh `kafkette serve`), "serve3" (the same with three brokers) or "inproc" (a
    fresh in-process Cluster)."""
    import os

    if request.param == "apache":
        running = os.environ.get("KAFKETTE_COMPAT_APACHE")
        return running if running else request.getfixturevalue("apache_kafka")
    if request.param == "serve":
        return request.getfixturevalue("kafkette_serve")()
    if request.param == "serve3":
        return request.getfixturevalue("kafkette_serve")(brokers=3)
    if request.param == "inproc":
        return request.getfixturevalue("inproc_cluster")()
    raise ValueError(f"unknown broker {request.param!r}")
