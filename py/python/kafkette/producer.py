"""Producer, with confluent-kafka's API: ``produce`` enqueues, ``poll`` and ``flush``
serve delivery callbacks ``cb(err, msg)`` on the calling thread."""

from __future__ import annotations

from typing import Any, Callable, Mapping, Optional, Union

from . import _native
from ._config import to_pairs
from ._health import Health
from .error import KafkaError, KafkaException
from .message import Message
from .types import ConsumerGroupMetadata, TopicPartition

DeliveryCallback = Callable[[Optional[KafkaError], Message], Any]
Payload = Union[str, bytes, bytearray, memoryview, None]
HeaderValue = Union[str, bytes, None]
Headers = Union[Mapping[str, HeaderValue], list[tuple[str, HeaderValue]], None]

_CALLBACKS = frozenset({"on_delivery", "error_cb"})


def _payload(what: str, v: object) -> Optional[bytes]:
    if v is None or isinstance(v, bytes):
        return v
    if isinstance(v, str):
        return v.encode("utf-8")
    if isinstance(v, (bytearray, memoryview)):
        return bytes(v)
    raise TypeError(f"{what} must be str, bytes or None, got {type(v).__name__}")


def _headers(headers: object) -> list[tuple[str, Optional[bytes]]]:
    if headers is None:
        return []
    if isinstance(headers, Mapping):
        items = list(headers.items())
    elif isinstance(headers, (list, tuple)):
        items = list(headers)
    else:
        raise TypeError(f"headers must be a dict or a list of (key, value) tuples, got {type(headers).__name__}")
    out: list[tuple[str, Optional[bytes]]] = []
    for item in items:
        if not isinstance(item, tuple) or len(item) != 2:
            raise TypeError(f"each header must be a (key, value) tuple, got {item!r}")
        key, value = item
        if not isinstance(key, str):
            raise TypeError(f"header keys must be str, got {type(key).__name__}")
        out.append((key, _payload(f"header `{key}` value", value)))
    return out


def _int(name: str, v: object) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise TypeError(f"{name} must be int, got {type(v).__name__}")
    return v


class Producer:
    """A producer of an in-process cluster (``bootstrap.servers`` = ``Cluster.bootstrap_servers``).

    Config keys are Kafka's (``acks``, ``linger.ms``, ``compression.type``...), plus
    ``on_delivery`` (a default delivery callback) and ``error_cb`` (called from ``poll`` and
    ``flush`` with connection problems: ``_TRANSPORT``, ``_ALL_BROKERS_DOWN``).
    """

    def __init__(self, config: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> None:
        pairs, callbacks = to_pairs(config, kwargs, _CALLBACKS)
        self._on_delivery = callbacks.get("on_delivery")
        self._error_cb = callbacks.get("error_cb")
        self._native = _native.Producer(pairs)
        self._health = Health(self._error_cb)

    def produce(
        self,
        topic: str,
        value: Payload = None,
        key: Payload = None,
        partition: int = -1,
        on_delivery: Optional[DeliveryCallback] = None,
        timestamp: int = 0,
        headers: Headers = None,
        *,
        callback: Optional[DeliveryCallback] = None,
    ) -> None:
        """Enqueue a record. Raises BufferError when ``queue.buffering.max.messages`` /
        ``buffer.memory`` is used up (poll or flush, then retry), KafkaException for
        Kafka errors, TypeError for arguments of the wrong type."""
        if not isinstance(topic, str):
            raise TypeError(f"topic must be str, got {type(topic).__name__}")
        partition = _int("partition", partition)
        timestamp = _int("timestamp", timestamp)
        if partition < -1:
            raise KafkaException(KafkaError(KafkaError._INVALID_ARG, f"invalid partition {partition}"))
        if timestamp < 0:
            raise KafkaException(KafkaError(KafkaError._INVALID_ARG, f"invalid timestamp {timestamp}"))
        cb = on_delivery if on_delivery is not None else callback
        if cb is None:
            cb = self._on_delivery
        elif not callable(cb):
            raise TypeError("on_delivery must be callable")
        self._native.produce(
            topic, _payload("value", value), _payload("key", key), partition, cb, timestamp, _headers(headers)
        )

    def poll(self, timeout: Optional[float] = None) -> int:
        """Serve delivery callbacks, waiting up to ``timeout`` seconds (None or
        negative: forever) for the first; returns the number of events served."""
        return self._sliced(self._native.poll, _timeout(timeout), lambda served: served > 0)

    def _sliced(self, wait: Callable[[float], int], timeout: float, done: Callable[[int], bool]) -> int:
        return self._health.sliced(self._native, wait, timeout, done)

    def flush(self, timeout: Optional[float] = None) -> int:
        """Deliver everything queued, serving callbacks, for up to ``timeout`` seconds;
        returns the number of records (and reports) still queued."""
        return self._sliced(self._native.flush, _timeout(timeout), lambda left: left == 0)

    def __len__(self) -> int:
        return len(self._native)

    def __bool__(self) -> bool:
        # A producer is an object, not a container: `if producer:` must not depend on its queue.
        return True

    def close(self) -> None:
        """Release the producer; records not yet delivered are dropped (flush first)."""
        self._native.close()

    def config(self) -> dict[str, str]:
        """The effective configuration, all keys, Kafka's names."""
        return dict(self._native.config())

    # ---- transactions (``transactional.id`` set): errors raise KafkaException whose
    # KafkaError says retriable() (call again), txn_requires_abort() (abort, then retry
    # the transaction) or fatal() (the producer is fenced or broken: close it).

    def init_transactions(self, timeout: Optional[float] = None) -> None:
        """Register ``transactional.id`` with its coordinator, fencing older producers
        with the same id and finishing their open transaction. Call once, first."""
        self._native.init_transactions(_timeout(timeout))

    def begin_transaction(self) -> None:
        """Start a transaction: records produced until commit or abort belong to it."""
        self._native.begin_transaction()

    def send_offsets_to_transaction(
        self,
        positions: list[TopicPartition],
        group_metadata: ConsumerGroupMetadata,
        timeout: Optional[float] = None,
    ) -> None:
        """Commit the consumer positions ``positions`` (the next offsets to read) for the
        group of ``group_metadata`` (``Consumer.consumer_group_metadata()``) as part of
        the transaction: they become visible only if it commits."""
        if not isinstance(positions, (list, tuple)) or not all(isinstance(tp, TopicPartition) for tp in positions):
            raise TypeError("send_offsets_to_transaction() expects a list of TopicPartition")
        if not isinstance(group_metadata, ConsumerGroupMetadata):
            raise TypeError(
                f"group_metadata must be a ConsumerGroupMetadata, got {type(group_metadata).__name__}"
            )
        for tp in positions:
            if tp.offset < 0:
                raise KafkaException(
                    KafkaError(KafkaError._INVALID_ARG, f"{tp.topic} [{tp.partition}]: invalid offset {tp.offset}")
                )
        offsets = [(tp.topic, tp.partition, tp.offset, tp.metadata) for tp in positions]
        self._native.send_offsets_to_transaction(offsets, group_metadata._tuple(), _timeout(timeout))

    def commit_transaction(self, timeout: Optional[float] = None) -> None:
        """Flush the transaction's records, then commit it (delivery callbacks are
        served by the next poll/flush). A KafkaException with txn_requires_abort() means
        a record failed: call abort_transaction()."""
        self._native.commit_transaction(_timeout(timeout))

    def abort_transaction(self, timeout: Optional[float] = None) -> None:
        """Abort the transaction: its records are never seen by read_committed consumers."""
        self._native.abort_transaction(_timeout(timeout))


def _timeout(timeout: Optional[float]) -> float:
    if timeout is None:
        return -1.0
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise TypeError(f"timeout must be a number of seconds, got {type(timeout).__name__}")
    return float(timeout)
