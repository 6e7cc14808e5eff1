"""pytest plugin (entry point ``pytest11``): a fresh in-process broker per test.

    def test_orders(kafka_cluster):
        p = Producer({"bootstrap.servers": kafka_cluster.bootstrap_servers})
"""

from __future__ import annotations

from typing import Iterator

import pytest

from .cluster import Cluster


@pytest.fixture
def kafka_cluster() -> Iterator[Cluster]:
    """A running in-process kafkette broker, closed after the test."""
    with Cluster() as cluster:
        yield cluster
