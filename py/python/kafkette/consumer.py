"""Consumer, with confluent-kafka's API: manually assigned partitions (``assign``,
``incremental_assign``, ``seek``, ``position``, ``poll``, ``consume``) and consumer groups
(``subscribe`` with ``on_assign`` / ``on_revoke`` / ``on_lost``, ``commit``, ``store_offsets``,
``committed``, ``consumer_group_metadata``, ``close`` leaving the group); ``error_cb`` gets
connection problems (``_TRANSPORT``, ``_ALL_BROKERS_DOWN``) from ``poll``/``consume``."""

from __future__ import annotations

import re
from typing import Any, Callable, Mapping, Optional, Sequence

from . import _native
from ._config import to_pairs
from .error import KafkaError, KafkaException
from .message import Message
from .producer import _timeout
from .types import OFFSET_BEGINNING, OFFSET_INVALID, ConsumerGroupMetadata, TopicPartition
from ._health import Health

_CALLBACKS = frozenset({"error_cb", "on_commit"})

RebalanceCallback = Callable[["Consumer", list[TopicPartition]], Any]


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
        self._on_commit = callbacks.get("on_commit")
        self._native = _native.Consumer(pairs)
        self._on_assign: Optional[RebalanceCallback] = None
        self._on_revoke: Optional[RebalanceCallback] = None
        self._on_lost: Optional[RebalanceCallback] = None
        self._in_rebalance = False
        self._skip_revoke = False
        self._native.set_handler(self._handle, False)
        self._health = Health(self._error_cb)

    # ---- groups -------------------------------------------------------------------

    def subscribe(
        self,
        topics: Sequence[str],
        on_assign: Optional[RebalanceCallback] = None,
        on_revoke: Optional[RebalanceCallback] = None,
        on_lost: Optional[RebalanceCallback] = None,
    ) -> None:
        """Join the group ``group.id`` for ``topics`` (names; a name starting with ``^`` is
        a regular expression). The callbacks run inside poll/consume/close with
        ``(consumer, partitions)``: on_assign after partitions were given (an ``assign()``
        there only sets start offsets), on_revoke before partitions go away (commits
        there still count), on_lost when they were lost (on_revoke if no on_lost)."""
        if isinstance(topics, str) or not isinstance(topics, (list, tuple)):
            raise TypeError(f"subscribe() expects a list of topic names, got {type(topics).__name__}")
        for t in topics:
            if not isinstance(t, str):
                raise TypeError(f"subscribe() expects a list of topic names, got an item of type {type(t).__name__}")
        for name, cb in (("on_assign", on_assign), ("on_revoke", on_revoke), ("on_lost", on_lost)):
            if cb is not None and not callable(cb):
                raise TypeError(f"{name} must be callable")
        if not topics:
            raise KafkaException(KafkaError(KafkaError._INVALID_ARG, "subscribe() needs at least one topic"))
        self._on_assign, self._on_revoke, self._on_lost = on_assign, on_revoke, on_lost
        self._native.set_handler(self._handle, on_revoke is not None)
        if any(t.startswith("^") for t in topics):
            pattern = "|".join(f"(?:{t[1:]})" if t.startswith("^") else re.escape(t) for t in topics)
            self._native.subscribe([], pattern)
        else:
            self._native.subscribe(list(topics))

    def unsubscribe(self) -> None:
        """Leave the group's subscription; on_revoke runs first for the assigned partitions
        (while they are still owned, so a commit there counts)."""
        self._revoke_before_leaving()
        self._skip_revoke = True
        try:
            self._native.unsubscribe()
        finally:
            self._skip_revoke = False

    def _revoke_before_leaving(self) -> None:
        if self._on_revoke is None:
            return
        try:
            assigned = self.assignment()
        except RuntimeError:
            return
        if assigned:
            self._handle("revoke", [(tp.topic, tp.partition) for tp in assigned])

    def subscription(self) -> list[str]:
        return self._native.subscription()

    def _handle(self, kind: str, arg: Any) -> None:
        if kind == "commit":
            if self._on_commit is not None:
                err, done = arg
                self._on_commit(err, [TopicPartition(t, p, o) for t, p, o in done])
            return
        if kind == "revoke" and self._skip_revoke:
            return
        cb = {"assign": self._on_assign, "revoke": self._on_revoke, "lost": self._on_lost}[kind]
        if kind == "lost" and cb is None:
            cb = self._on_revoke
        if cb is None:
            return
        self._in_rebalance = True
        try:
            cb(self, [TopicPartition(t, p) for t, p in arg])
        finally:
            self._in_rebalance = False

    def commit(
        self,
        message: Optional[Message] = None,
        offsets: Optional[Sequence[TopicPartition]] = None,
        asynchronous: bool = True,
    ) -> Optional[list[TopicPartition]]:
        """Commit the positions of the assignment, or ``message``'s offset + 1, or ``offsets``
        (the next offsets to read). Asynchronous (the default, as confluent-kafka): returns
        None, ``on_commit(err, partitions)`` reports the outcome from a later poll;
        synchronous: returns the committed partitions or raises KafkaException."""
        if message is not None and offsets is not None:
            raise ValueError("commit() takes message or offsets, not both")
        given: Optional[list[tuple[str, int, int, Optional[str]]]] = None
        if message is not None:
            if not isinstance(message, Message):
                raise TypeError(f"commit() message must be a Message, got {type(message).__name__}")
            if message.error() is not None or message.topic() is None:
                raise KafkaException(KafkaError(KafkaError._INVALID_ARG, "cannot commit an error message"))
            given = [(message.topic(), message.partition(), message.offset() + 1, None)]  # type: ignore[list-item,operator]
        elif offsets is not None:
            given = [(tp.topic, tp.partition, tp.offset, tp.metadata) for tp in _tps("commit()", offsets)]
            for t, p, o, _ in given:
                if o < 0:
                    raise KafkaException(KafkaError(KafkaError._INVALID_ARG, f"{t} [{p}]: invalid offset {o}"))
        done = self._native.commit(given, bool(asynchronous), -1.0)
        if done is None:
            return None
        return [TopicPartition(t, p, o) for t, p, o in done]

    def store_offsets(
        self, message: Optional[Message] = None, offsets: Optional[Sequence[TopicPartition]] = None
    ) -> None:
        """Store ``message``'s offset + 1, or ``offsets`` (the next offsets to read), for the
        next ``commit()`` without arguments and for auto-commit. Needs
        ``enable.auto.offset.store=false`` (as librdkafka): then only stored offsets are
        committed, so a record counts as done when the application says so. A partition not
        assigned raises KafkaException (_STATE); as librdkafka, the others are stored."""
        if (message is None) == (offsets is None):
            raise ValueError("store_offsets() takes message or offsets, exactly one")
        given: list[tuple[str, int, int, Optional[str]]]
        if message is not None:
            if not isinstance(message, Message):
                raise TypeError(f"store_offsets() message must be a Message, got {type(message).__name__}")
            if message.error() is not None or message.topic() is None:
                raise KafkaException(KafkaError(KafkaError._INVALID_ARG, "cannot store the offset of an error message"))
            given = [(message.topic(), message.partition(), message.offset() + 1, None)]  # type: ignore[list-item,operator]
        else:
            given = [(tp.topic, tp.partition, tp.offset, tp.metadata) for tp in _tps("store_offsets()", offsets)]
            for t, p, o, _ in given:
                if o < 0:
                    raise KafkaException(KafkaError(KafkaError._INVALID_ARG, f"{t} [{p}]: invalid offset {o}"))
        self._native.store_offsets(given)

    def committed(self, partitions: Sequence[TopicPartition], timeout: Optional[float] = None) -> list[TopicPartition]:
        """The group's committed offsets (OFFSET_INVALID where none), with their metadata."""
        pairs = _pairs("committed()", partitions)
        got = self._native.committed(pairs, _timeout(timeout))
        out = []
        for (t, p), c in zip(pairs, got):
            if c is None:
                out.append(TopicPartition(t, p))
            else:
                out.append(TopicPartition(t, p, c[0], c[1]))
        return out

    def consumer_group_metadata(self) -> ConsumerGroupMetadata:
        """The group, generation and member, for ``Producer.send_offsets_to_transaction``."""
        md = self._native.group_metadata()
        if md is None:
            raise KafkaException(KafkaError(KafkaError._INVALID_ARG, "the consumer has no group.id"))
        return ConsumerGroupMetadata(*md)

    # ---- partitions ---------------------------------------------------------------

    def assign(self, partitions: Sequence[TopicPartition]) -> None:
        """Consume exactly these partitions, each from its ``offset`` (OFFSET_BEGINNING,
        OFFSET_END, an offset, or OFFSET_INVALID / OFFSET_STORED for ``auto.offset.reset``).
        Inside on_assign the group has assigned already: this only seeks the partitions
        given an offset."""
        tps = _tps("assign()", partitions)
        if self._in_rebalance:
            for tp in tps:
                if tp.offset >= OFFSET_BEGINNING:
                    self._native.seek(tp.topic, tp.partition, tp.offset)
            return
        self._native.assign([(tp.topic, tp.partition, tp.offset) for tp in tps])

    def unassign(self) -> None:
        """Drop the manual assignment (inside on_revoke / on_lost: nothing to do, the group does it)."""
        if self._in_rebalance:
            return
        self._native.unassign()

    def incremental_assign(self, partitions: Sequence[TopicPartition]) -> None:
        """Add partitions to the assignment (each from its ``offset``, as ``assign``), keeping
        the others where they are. Inside on_assign (the cooperative-sticky way confluent-kafka
        asks for) the group has added them already: this only seeks those given an offset."""
        tps = _tps("incremental_assign()", partitions)
        if self._in_rebalance:
            self.assign(tps)
            return
        current = {(tp.topic, tp.partition) for tp in self.assignment()}
        again = [tp for tp in tps if (tp.topic, tp.partition) in current]
        if again:
            raise KafkaException(KafkaError(KafkaError._INVALID_ARG, f"already assigned: {again}"))
        keep = [(t, p, OFFSET_INVALID) for t, p in sorted(current)]
        self._native.assign(keep + [(tp.topic, tp.partition, tp.offset) for tp in tps])

    def incremental_unassign(self, partitions: Sequence[TopicPartition]) -> None:
        """Remove partitions from the assignment, the others keep their positions. Inside
        on_revoke / on_lost the group removes them itself: nothing to do."""
        drop = set(_pairs("incremental_unassign()", partitions))
        if self._in_rebalance:
            return
        current = {(tp.topic, tp.partition) for tp in self.assignment()}
        missing = sorted(drop - current)
        if missing:
            raise KafkaException(KafkaError(KafkaError._INVALID_ARG, f"not assigned: {missing}"))
        self._native.assign([(t, p, OFFSET_INVALID) for t, p in sorted(current - drop)])

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
        got: Optional[Message] = self._sliced(lambda t: self._native.poll(t), _timeout(timeout), None)
        return got

    def consume(self, num_messages: int = 1, timeout: Optional[float] = -1) -> list[Message]:
        """Up to ``num_messages`` (1 to 1000000) messages within ``timeout`` seconds."""
        if isinstance(num_messages, bool) or not isinstance(num_messages, int):
            raise TypeError(f"num_messages must be int, got {type(num_messages).__name__}")
        if not 1 <= num_messages <= 1_000_000:
            raise ValueError("num_messages must be between 1 and 1000000 (1M)")
        got: list[Message] = self._sliced(lambda t: self._native.consume(num_messages, t), _timeout(timeout), [])
        return got

    def _sliced(self, wait: Callable[[float], Any], timeout: float, nothing: Any) -> Any:
        return self._health.sliced(self._native, wait, timeout, lambda got: bool(got != nothing))

    def close(self) -> None:
        """Leave the group (on_revoke runs first, auto-commit commits, LeaveGroup is sent)
        and close; later calls raise RuntimeError (closing twice is fine)."""
        self._revoke_before_leaving()
        self._native.close()

    def config(self) -> dict[str, str]:
        """The effective configuration, all keys, Kafka's names."""
        return dict(self._native.config())
