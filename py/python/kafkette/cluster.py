"""Cluster: an in-process kafkette broker for tests and small programs."""

from __future__ import annotations

from types import TracebackType
from typing import Any, Mapping, Optional

from . import _native
from ._config import to_pairs


class Cluster:
    """A Kafka-protocol broker inside this process.

    >>> with Cluster({"num.partitions": 3}) as c:
    ...     conf = {"bootstrap.servers": c.bootstrap_servers}

    Broker properties use Kafka's names (``num.partitions``, ``log.retention.ms``...).
    The broker lives while this handle is open or any client of it exists.
    """

    def __init__(self, config: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> None:
        pairs, _ = to_pairs(config, kwargs)
        self._native = _native.Cluster(pairs)

    @property
    def bootstrap_servers(self) -> str:
        """The value for clients' ``bootstrap.servers`` (``inproc://cluster-N``)."""
        return self._native.bootstrap_servers

    def client_config(self, config: Optional[Mapping[str, Any]] = None) -> dict[str, Any]:
        """A client config dict: ``{"bootstrap.servers": ...}`` plus ``config``."""
        return {"bootstrap.servers": self.bootstrap_servers, **(config or {})}

    def topics(self) -> list[str]:
        """Names of the topics on the broker, sorted."""
        return self._native.topic_names()

    @property
    def closed(self) -> bool:
        return self._native.closed

    def close(self) -> None:
        self._native.close()

    def __enter__(self) -> Cluster:
        return self

    def __exit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Cluster({self.bootstrap_servers!r}{', closed' if self.closed else ''})"
