"""Shared helpers. The `kafka_cluster` fixture itself comes from kafkette's pytest
plugin (entry point `pytest11`), so every test using it also tests the plugin."""

from __future__ import annotations

from typing import Any, Iterator

import pytest

from kafkette import AdminClient, Cluster, Consumer, NewTopic, Producer


def conf(cluster: Cluster, **extra: Any) -> dict[str, Any]:
    return {"bootstrap.servers": cluster.bootstrap_servers, **{k.replace("_", "."): v for k, v in extra.items()}}


@pytest.fixture
def producer(kafka_cluster: Cluster) -> Iterator[Producer]:
    p = Producer(conf(kafka_cluster))
    yield p
    p.close()


@pytest.fixture
def admin(kafka_cluster: Cluster) -> Iterator[AdminClient]:
    a = AdminClient(conf(kafka_cluster))
    yield a
    a.close()


def create(admin: AdminClient, name: str, partitions: int = 1, **config: str) -> None:
    admin.create_topics([NewTopic(name, partitions, config=config)])[name].result(10)


def consumer(cluster: Cluster, **extra: Any) -> Consumer:
    return Consumer(conf(cluster, **extra))
