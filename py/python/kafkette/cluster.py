"""Cluster: an in-process kafkette broker for tests and small programs."""

from __future__ import annotations

from types import TracebackType
from typing import Any, Mapping, Optional, Union

from . import _native
from ._config import to_pairs


class Cluster:
    """A Kafka-protocol broker inside this process.

    >>> with Cluster({"num.partitions": 3}) as c:
    ...     conf = {"bootstrap.servers": c.bootstrap_servers}

    Broker properties use Kafka's names (``num.partitions``, ``log.retention.ms``...).
    The broker lives while this handle is open or any client of it exists.

    ``listen="127.0.0.1:0"`` (or ``listen=True``, the same) also serves the broker on TCP,
    here on an ephemeral port, so that any Kafka client (confluent-kafka, kafka-python,
    kcat...) can reach it; ``bootstrap_servers`` is then ``"127.0.0.1:PORT"``. Our clients
    made with ``client_config()`` use TCP too; the listener stops on ``close()``.
    """

    def __init__(
        self,
        config: Optional[Mapping[str, Any]] = None,
        listen: Union[bool, str, None] = None,
        **kwargs: Any,
    ) -> None:
        pairs, _ = to_pairs(config, kwargs)
        if listen is True:
            listen = "127.0.0.1:0"
        elif listen is False:
            listen = None
        elif listen is not None and not isinstance(listen, str):
            raise TypeError(f"listen must be an address string like '127.0.0.1:0' or True, not {listen!r}")
        self._native = _native.Cluster(pairs, listen)

    @property
    def bootstrap_servers(self) -> str:
        """The value for clients' ``bootstrap.servers``: ``inproc://cluster-N``, or
        ``127.0.0.1:PORT`` when the cluster listens on TCP."""
        return self._native.bootstrap_servers

    @property
    def inproc_name(self) -> str:
        """``inproc://cluster-N``: a ``bootstrap.servers`` that stays in-process (no TCP)
        whether the cluster listens or not."""
        return self._native.inproc_name

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
