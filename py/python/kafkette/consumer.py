"""Consumer, with confluent-kafka's API for manually assigned partitions
(``assign``, ``seek``, ``position``, ``poll``, ``consume``); groups come later."""

from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence

from . import _native
from ._config import to_pairs
from .message import Message
from .producer import _timeout
from .types import TopicPartition

_CALLBACKS = frozenset({"error_cb"})


def _tps(what: str, partitions: object) -> list[TopicPartition]:
    if not isinstance(partitions, (list, tuple)):
        raise TypeError(f"{what} expects a list of TopicPartition, got {type(partitions).__name__}")
    for tp in partitions:
        if not isinstance(tp, TopicPartition):
            raise TypeError(f"{what} expects a list of TopicPartition, got an item of type {type(tp).__name__}")
    return list(partitions)


def _pairs(what: str, partitions: object) -> list[tuple[str, int]]:
    return [(tp.topic, tp.partition) for tp in _tps(what, partitions)]


class Consumer:
    """A consumer of an in-process cluster (``bootstrap.servers`` = ``Cluster.bootstrap_servers``).

    Errors and partition EOF (with ``enable.partition.eof``) come from ``poll`` and
    ``consume`` as messages whose ``error()`` is set, as confluent-kafka delivers them.
    After ``close()`` every call raises RuntimeError.
    """

    def __init__(self, config: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> None:
        pairs, callbacks = to_pairs(config, kwargs, _CALLBACKS)
        self._error_cb = callbacks.get("error_cb")
        self._native = _native.Consumer(pairs)

    def assign(self, partitions: Sequence[TopicPartition]) -> None:
        """Consume exactly these partitions, each from its ``offset`` (OFFSET_BEGINNING,
        OFFSET_END, an offset, or OFFSET_INVALID / OFFSET_STORED for ``auto.offset.reset``)."""
        self._native.assign([(tp.topic, tp.partition, tp.offset) for tp in _tps("assign()", partitions)])

    def unassign(self) -> None:
        self._native.unassign()

    def assignment(self) -> list[TopicPartition]:
        return [TopicPartition(t, p) for t, p in self._native.assignment()]

    def seek(self, partition: TopicPartition) -> None:
        """Move an assigned partition's position to ``partition.offset``."""
        if not isinstance(partition, TopicPartition):
            raise TypeError(f"seek() expects a TopicPartition, got {type(partition).__name__}")
        self._native.seek(partition.topic, partition.partition, partition.offset)

    def position(self, partitions: Sequence[TopicPartition]) -> list[TopicPartition]:
        """The offset ``poll`` hands out next per partition (OFFSET_INVALID when unknown yet)."""
        pairs = _pairs("position()", partitions)
        return [TopicPartition(t, p, o) for (t, p), o in zip(pairs, self._native.position(pairs))]

    def pause(self, partitions: Sequence[TopicPartition]) -> None:
        self._native.pause(_pairs("pause()", partitions))

    def resume(self, partitions: Sequence[TopicPartition]) -> None:
        self._native.resume(_pairs("resume()", partitions))

    def poll(self, timeout: Optional[float] = None) -> Optional[Message]:
        """One message within ``timeout`` seconds (None or negative: forever), or None."""
        return self._native.poll(_timeout(timeout))

    def consume(self, num_messages: int = 1, timeout: Optional[float] = -1) -> list[Message]:
        """Up to ``num_messages`` (1 to 1000000) messages within ``timeout`` seconds."""
        if isinstance(num_messages, bool) or not isinstance(num_messages, int):
            raise TypeError(f"num_messages must be int, got {type(num_messages).__name__}")
        if not 1 <= num_messages <= 1_000_000:
            raise ValueError("num_messages must be between 1 and 1000000 (1M)")
        return self._native.consume(num_messages, _timeout(timeout))

    def close(self) -> None:
        """Close the consumer; later calls raise RuntimeError (closing twice is fine)."""
        self._native.close()

    def config(self) -> dict[str, str]:
        """The effective configuration, all keys, Kafka's names."""
        return dict(self._native.config())
