"""AdminClient and its types, with confluent-kafka's API (``confluent_kafka.admin``):
calls return ``concurrent.futures.Future``s, completed by a worker thread."""

from __future__ import annotations

import concurrent.futures
import enum
import threading
from typing import Any, Callable, Mapping, Optional, Sequence, TypeVar

from . import _native
from ._config import to_pairs
from .error import KafkaError, KafkaException
from .types import TopicPartition

# describe_configs, describe_cluster, create_partitions, delete_records (admin_cluster.py).
from . import admin_cluster as _cl
from . import admin_groups as _gr
from .admin_groups import (  # noqa: F401  (re-exported as confluent_kafka.admin does)
    ConsumerGroupDescription as ConsumerGroupDescription,
    ConsumerGroupLag as ConsumerGroupLag,
    ConsumerGroupListing as ConsumerGroupListing,
    ConsumerGroupState as ConsumerGroupState,
    ConsumerGroupTopicPartitions as ConsumerGroupTopicPartitions,
    ListConsumerGroupsResult as ListConsumerGroupsResult,
    MemberAssignment as MemberAssignment,
    MemberDescription as MemberDescription,
    PartitionLag as PartitionLag,
)
from .admin_cluster import (  # noqa: F401  (re-exported as confluent_kafka.admin does)
    ConfigEntry,
    ConfigResource,
    ConfigSource,
    DeletedRecords,
    DescribeClusterResult,
    NewPartitions,
    Node,
    ResourceType,
)

T = TypeVar("T")


class NewTopic:
    """A topic to create: ``num_partitions`` / ``replication_factor`` -1 take the broker's defaults."""

    def __init__(
        self,
        topic: str,
        num_partitions: int = -1,
        replication_factor: int = -1,
        replica_assignment: Optional[list[list[int]]] = None,
        config: Optional[Mapping[str, str]] = None,
    ) -> None:
        if not isinstance(topic, str):
            raise TypeError(f"NewTopic topic must be str, got {type(topic).__name__}")
        for name, v in (("num_partitions", num_partitions), ("replication_factor", replication_factor)):
            if isinstance(v, bool) or not isinstance(v, int):
                raise TypeError(f"NewTopic {name} must be int, got {type(v).__name__}")
        if replica_assignment is not None:
            raise KafkaException(
                KafkaError(KafkaError._INVALID_ARG, "replica_assignment is not supported by a single in-process broker")
            )
        self.topic = topic
        self.num_partitions = num_partitions
        self.replication_factor = replication_factor
        self.replica_assignment = replica_assignment
        self.config: dict[str, str] = {str(k): str(v) for k, v in (config or {}).items()}

    def __repr__(self) -> str:
        return f"NewTopic(topic={self.topic},num_partitions={self.num_partitions})"


class OffsetSpec:
    """Which offset ``list_offsets`` asks for: earliest, latest, max timestamp, or by timestamp."""

    __slots__ = ("_value",)

    def __init__(self, value: int) -> None:
        self._value = value

    @classmethod
    def earliest(cls) -> OffsetSpec:
        return cls(-2)

    @classmethod
    def latest(cls) -> OffsetSpec:
        return cls(-1)

    @classmethod
    def max_timestamp(cls) -> OffsetSpec:
        return cls(-3)

    @classmethod
    def for_timestamp(cls, timestamp: int) -> OffsetSpec:
        if isinstance(timestamp, bool) or not isinstance(timestamp, int) or timestamp < 0:
            raise ValueError(f"for_timestamp expects a timestamp in ms >= 0, got {timestamp!r}")
        return cls(timestamp)

    def __repr__(self) -> str:
        names = {-2: "earliest", -1: "latest", -3: "max_timestamp"}
        return f"OffsetSpec.{names.get(self._value, f'for_timestamp({self._value})')}"


class IsolationLevel(enum.IntEnum):
    READ_UNCOMMITTED = 0
    READ_COMMITTED = 1


class ListOffsetsResultInfo:
    def __init__(self, offset: int, timestamp: int, leader_epoch: Optional[int] = None) -> None:
        self.offset = offset
        self.timestamp = timestamp
        self.leader_epoch = leader_epoch

    def __repr__(self) -> str:
        return f"ListOffsetsResultInfo(offset={self.offset},timestamp={self.timestamp})"


class BrokerMetadata:
    def __init__(self, id: int, host: str, port: int) -> None:
        self.id = id
        self.host = host
        self.port = port

    def __repr__(self) -> str:
        return f"BrokerMetadata({self.id}, {self.host}:{self.port})"


class PartitionMetadata:
    def __init__(self, id: int, leader: int, replicas: list[int], isrs: list[int]) -> None:
        self.id = id
        self.leader = leader
        self.replicas = replicas
        self.isrs = isrs
        self.error: Optional[KafkaError] = None

    def __repr__(self) -> str:
        return f"PartitionMetadata({self.id})"


class TopicMetadata:
    def __init__(self, topic: str, partitions: dict[int, PartitionMetadata], error: Optional[KafkaError] = None) -> None:
        self.topic = topic
        self.partitions = partitions
        self.error = error

    def __repr__(self) -> str:
        return f"TopicMetadata({self.topic}, {len(self.partitions)} partitions)"


class ClusterMetadata:
    def __init__(self) -> None:
        self.cluster_id: Optional[str] = None
        self.controller_id = -1
        self.brokers: dict[int, BrokerMetadata] = {}
        self.topics: dict[str, TopicMetadata] = {}
        self.orig_broker_id = -1
        self.orig_broker_name: Optional[str] = None

    def __repr__(self) -> str:
        return f"ClusterMetadata({self.cluster_id})"


class AdminClient:
    """Admin operations on an in-process cluster (``bootstrap.servers``). Per-call
    timeouts are governed by the client's ``default.api.timeout.ms`` (the keyword
    arguments of confluent-kafka are accepted for compatibility)."""

    def __init__(self, conf: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> None:
        pairs, _ = to_pairs(conf, kwargs, frozenset({"error_cb"}))
        self._native = _native.AdminClient(pairs)
        self._lock = threading.Lock()
        self._executor: Optional[concurrent.futures.ThreadPoolExecutor] = None

    def _submit(self, job: Callable[[], None]) -> None:
        with self._lock:
            if self._executor is None:
                self._executor = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="kafkette-admin")
            self._executor.submit(job)

    def _fan_out(
        self,
        keys: Sequence[T],
        call: Callable[[], list[tuple[T, Any, Optional[KafkaError]]]],
    ) -> dict[T, concurrent.futures.Future[Any]]:
        """One future per key, completed from `call`'s per-key outcomes on the worker."""
        futures: dict[T, concurrent.futures.Future[Any]] = {k: concurrent.futures.Future() for k in keys}
        for f in futures.values():
            f.set_running_or_notify_cancel()

        def job() -> None:
            try:
                outcomes = call()
            except BaseException as e:  # the whole operation failed: every future gets it
                for f in futures.values():
                    f.set_exception(e)
                return
            for key, value, err in outcomes:
                future = futures.get(key)
                if future is None or future.done():
                    continue
                if err is not None:
                    future.set_exception(KafkaException(err))
                else:
                    future.set_result(value)
            for f in futures.values():
                if not f.done():
                    f.set_exception(KafkaException(KafkaError(KafkaError._FAIL, "no result for this item")))

        self._submit(job)
        return futures

    def create_topics(
        self,
        new_topics: Sequence[NewTopic],
        operation_timeout: float = 0,
        request_timeout: float = -1,
        validate_only: bool = False,
    ) -> dict[str, concurrent.futures.Future[None]]:
        """Create topics; returns ``{name: Future}`` whose result is None or raises
        KafkaException (e.g. TOPIC_ALREADY_EXISTS, INVALID_CONFIG)."""
        if not isinstance(new_topics, (list, tuple)):
            raise TypeError("create_topics() expects a list of NewTopic")
        if not new_topics:
            raise ValueError("create_topics() expects a non-empty list of NewTopic")
        for t in new_topics:
            if not isinstance(t, NewTopic):
                raise TypeError(f"create_topics() expects NewTopic objects, got {type(t).__name__}")
        spec = [(t.topic, t.num_partitions, t.replication_factor, list(t.config.items())) for t in new_topics]
        only = bool(validate_only)

        def call() -> list[tuple[str, Any, Optional[KafkaError]]]:
            return [(n, None, e) for n, e in self._native.create_topics(spec, only)]

        return self._fan_out([t.topic for t in new_topics], call)

    def delete_topics(
        self, topics: Sequence[str], operation_timeout: float = 0, request_timeout: float = -1
    ) -> dict[str, concurrent.futures.Future[None]]:
        if not isinstance(topics, (list, tuple)) or not all(isinstance(t, str) for t in topics):
            raise TypeError("delete_topics() expects a list of topic names")
        if not topics:
            raise ValueError("delete_topics() expects a non-empty list of topic names")
        names = list(topics)

        def call() -> list[tuple[str, Any, Optional[KafkaError]]]:
            return [(n, None, e) for n, e in self._native.delete_topics(names)]

        return self._fan_out(names, call)

    def list_topics(self, topic: Optional[str] = None, timeout: float = -1) -> ClusterMetadata:
        """Brokers and topics (with their partitions) of the cluster, synchronously."""
        cluster_id, controller, brokers, topics = self._native.list_topics()
        md = ClusterMetadata()
        md.cluster_id = cluster_id
        md.controller_id = controller
        md.brokers = {b: BrokerMetadata(b, host, port) for b, host, port in brokers}
        if brokers:
            md.orig_broker_id = brokers[0][0]
            md.orig_broker_name = f"{brokers[0][1]}:{brokers[0][2]}/{brokers[0][0]}"
        leader = controller
        for name, n, _internal in topics:
            if topic is not None and name != topic:
                continue
            parts = {p: PartitionMetadata(p, leader, [leader], [leader]) for p in range(n)}
            md.topics[name] = TopicMetadata(name, parts)
        if topic is not None and topic not in md.topics:
            err = KafkaError(KafkaError.UNKNOWN_TOPIC_OR_PART, f"topic `{topic}` does not exist")
            md.topics[topic] = TopicMetadata(topic, {}, err)
        return md

    def list_offsets(
        self,
        topic_partition_offsets: Mapping[TopicPartition, OffsetSpec],
        isolation_level: Optional[IsolationLevel] = None,
        request_timeout: Optional[float] = None,
    ) -> dict[TopicPartition, concurrent.futures.Future[ListOffsetsResultInfo]]:
        """Offsets per partition; ``{TopicPartition: Future[ListOffsetsResultInfo]}``."""
        if not isinstance(topic_partition_offsets, Mapping):
            raise TypeError("list_offsets() expects a dict of TopicPartition to OffsetSpec")
        if not topic_partition_offsets:
            raise ValueError("list_offsets() expects a non-empty dict")
        request: list[tuple[str, int, int]] = []
        for tp, spec in topic_partition_offsets.items():
            if not isinstance(tp, TopicPartition) or not isinstance(spec, OffsetSpec):
                raise TypeError("list_offsets() expects a dict of TopicPartition to OffsetSpec")
            if tp.partition < 0:
                raise KafkaException(KafkaError(KafkaError._INVALID_ARG, f"invalid partition in {tp}"))
            request.append((tp.topic, tp.partition, spec._value))
        committed = isolation_level == IsolationLevel.READ_COMMITTED
        keys = list(topic_partition_offsets)

        def call() -> list[tuple[TopicPartition, Any, Optional[KafkaError]]]:
            out: list[tuple[TopicPartition, Any, Optional[KafkaError]]] = []
            for topic, p, offset, ts, err in self._native.list_offsets(request, committed):
                out.append((TopicPartition(topic, p), ListOffsetsResultInfo(offset, ts), err))
            return out

        return self._fan_out(keys, call)

    def close(self) -> None:
        """Finish queued operations and release the client."""
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True)
        self._native.close()

    # ---- describe_configs, describe_cluster, create_partitions, delete_records ----

    def describe_configs(
        self, resources: Sequence[ConfigResource], **kwargs: Any
    ) -> dict[ConfigResource, concurrent.futures.Future[dict[str, ConfigEntry]]]:
        """Configuration of topics and brokers: ``{ConfigResource: Future[{name: ConfigEntry}]}``.
        A broker resource is named by its node id. Keyword arguments of confluent-kafka
        (``request_timeout``, ``include_synonyms``) are accepted; synonyms are always described."""
        wanted = _cl.check_resources(resources)
        request = [(int(r.restype), r.name) for r in wanted]

        def call() -> list[tuple[ConfigResource, Any, Optional[KafkaError]]]:
            out: list[tuple[ConfigResource, Any, Optional[KafkaError]]] = []
            for kind, name, entries, err in _native.admin_describe_configs(self._native, request, True):
                value = None if entries is None else _cl.config_entries(entries)
                out.append((ConfigResource(kind, name), value, err))
            return out

        return self._fan_out(wanted, call)

    def describe_cluster(self, **kwargs: Any) -> concurrent.futures.Future[DescribeClusterResult]:
        """The cluster id, controller and nodes (``include_authorized_operations`` as confluent-kafka)."""
        ops = bool(kwargs.get("include_authorized_operations", False))
        key = "cluster"

        def call() -> list[tuple[str, Any, Optional[KafkaError]]]:
            return [(key, _cl.cluster_result(_native.admin_describe_cluster(self._native, ops)), None)]

        return self._fan_out([key], call)[key]

    def create_partitions(
        self,
        new_partitions: Sequence[NewPartitions],
        operation_timeout: float = 0,
        request_timeout: float = -1,
        validate_only: bool = False,
    ) -> dict[str, concurrent.futures.Future[None]]:
        """Grow topics to new total partition counts; ``{topic: Future}`` whose result is None or
        raises KafkaException (INVALID_PARTITIONS, UNKNOWN_TOPIC_OR_PART...)."""
        wanted = _cl.check_new_partitions(new_partitions)
        counts = [(p.topic, p.new_total_count) for p in wanted]
        only = bool(validate_only)

        def call() -> list[tuple[str, Any, Optional[KafkaError]]]:
            return [(t, None, e) for t, e in _native.admin_create_partitions(self._native, counts, only)]

        return self._fan_out([p.topic for p in wanted], call)

    def delete_records(
        self, topic_partition_offsets: Sequence[TopicPartition], **kwargs: Any
    ) -> dict[TopicPartition, concurrent.futures.Future[DeletedRecords]]:
        """Delete each partition's records before its offset (OFFSET_END, -1: all of them);
        ``{TopicPartition: Future[DeletedRecords]}`` with the new low watermark."""
        wanted = _cl.check_offsets(topic_partition_offsets)
        request = [(tp.topic, tp.partition, tp.offset) for tp in wanted]
        keys = {(tp.topic, tp.partition): tp for tp in wanted}

        def call() -> list[tuple[TopicPartition, Any, Optional[KafkaError]]]:
            out: list[tuple[TopicPartition, Any, Optional[KafkaError]]] = []
            for topic, p, low, err in _native.admin_delete_records(self._native, request):
                out.append((keys.get((topic, p), TopicPartition(topic, p)), DeletedRecords(low), err))
            return out

        return self._fan_out(wanted, call)

    # ---- consumer groups ----------------------------------------------------------

    def list_consumer_groups(self, **kwargs: Any) -> concurrent.futures.Future[ListConsumerGroupsResult]:
        """Every broker's groups (``states``: a set of ConsumerGroupState to keep);
        ``Future[ListConsumerGroupsResult]`` with ``valid`` listings and ``errors``."""
        states = _gr.state_names(kwargs.get("states"))
        key = "groups"

        def call() -> list[tuple[str, Any, Optional[KafkaError]]]:
            groups, errors = _native.admin_list_groups(self._native, states)
            valid = [_gr.ConsumerGroupListing(g, simple, _gr.state_of(st)) for g, simple, st in groups]
            return [(key, _gr.ListConsumerGroupsResult(valid, errors), None)]

        return self._fan_out([key], call)[key]

    def describe_consumer_groups(
        self, group_ids: Sequence[str], **kwargs: Any
    ) -> dict[str, concurrent.futures.Future[ConsumerGroupDescription]]:
        """Members (with assignments), assignor and state per group: ``{group_id: Future}``."""
        ids = _gr.group_ids("describe_consumer_groups()", group_ids)

        def call() -> list[tuple[str, Any, Optional[KafkaError]]]:
            out: list[tuple[str, Any, Optional[KafkaError]]] = []
            for g, d, err in _native.admin_describe_groups(self._native, ids):
                out.append((g, None if d is None else _gr.description(d), err))
            return out

        return self._fan_out(ids, call)

    def list_consumer_group_offsets(
        self, list_consumer_group_offsets_request: Sequence[ConsumerGroupTopicPartitions], **kwargs: Any
    ) -> dict[str, concurrent.futures.Future[ConsumerGroupTopicPartitions]]:
        """A group's committed offsets (its given partitions, or all): ``{group_id: Future}``
        whose TopicPartitions carry offset (OFFSET_INVALID: none), metadata and error."""
        req = _gr.one_request("list_consumer_group_offsets()", list_consumer_group_offsets_request)
        parts = None if req.topic_partitions is None else [(tp.topic, tp.partition) for tp in req.topic_partitions]
        stable = bool(kwargs.get("require_stable", False))
        group = req.group_id

        def call() -> list[tuple[str, Any, Optional[KafkaError]]]:
            tps = []
            for topic, p, offset, metadata, err in _native.admin_list_group_offsets(self._native, group, parts, stable):
                tp = TopicPartition(topic, p, offset, metadata)
                tp.error = err
                tps.append(tp)
            return [(group, _gr.ConsumerGroupTopicPartitions(group, tps), None)]

        return self._fan_out([group], call)

    def alter_consumer_group_offsets(
        self, alter_consumer_group_offsets_request: Sequence[ConsumerGroupTopicPartitions], **kwargs: Any
    ) -> dict[str, concurrent.futures.Future[ConsumerGroupTopicPartitions]]:
        """Commit offsets for a group without members: ``{group_id: Future}``; a partition
        that failed carries its ``error``, as confluent-kafka reports it."""
        req = _gr.one_request("alter_consumer_group_offsets()", alter_consumer_group_offsets_request)
        if not req.topic_partitions:
            raise ValueError("alter_consumer_group_offsets() needs topic_partitions with offsets")
        for tp in req.topic_partitions:
            if tp.offset < 0:
                raise KafkaException(KafkaError(KafkaError._INVALID_ARG, f"invalid offset in {tp}"))
        offsets = [(tp.topic, tp.partition, tp.offset) for tp in req.topic_partitions]
        group = req.group_id

        def call() -> list[tuple[str, Any, Optional[KafkaError]]]:
            tps = []
            for topic, p, err in _native.admin_alter_group_offsets(self._native, group, offsets):
                tp = TopicPartition(topic, p, dict(((t, q), o) for t, q, o in offsets).get((topic, p), -1001))
                tp.error = err
                tps.append(tp)
            return [(group, _gr.ConsumerGroupTopicPartitions(group, tps), None)]

        return self._fan_out([group], call)

    def delete_consumer_group_offsets(
        self, delete_consumer_group_offsets_request: Sequence[ConsumerGroupTopicPartitions], **kwargs: Any
    ) -> dict[str, concurrent.futures.Future[ConsumerGroupTopicPartitions]]:
        """Delete a group's committed offsets of the given partitions (librdkafka's
        DeleteConsumerGroupOffsets, Kafka's OffsetDelete): ``{group_id: Future}`` whose
        TopicPartitions carry their ``error`` (GROUP_SUBSCRIBED_TO_TOPIC while a member
        consumes the topic). kafkette's addition: confluent-kafka has no such call."""
        req = _gr.one_request("delete_consumer_group_offsets()", delete_consumer_group_offsets_request)
        if not req.topic_partitions:
            raise ValueError("delete_consumer_group_offsets() needs topic_partitions")
        parts = [(tp.topic, tp.partition) for tp in req.topic_partitions]
        group = req.group_id

        def call() -> list[tuple[str, Any, Optional[KafkaError]]]:
            tps = []
            for topic, p, err in _native.admin_delete_group_offsets(self._native, group, parts):
                tp = TopicPartition(topic, p)
                tp.error = err
                tps.append(tp)
            return [(group, _gr.ConsumerGroupTopicPartitions(group, tps), None)]

        return self._fan_out([group], call)

    def describe_consumer_group_lag(
        self, group_id: str, isolation_level: IsolationLevel = IsolationLevel.READ_UNCOMMITTED, **kwargs: Any
    ) -> concurrent.futures.Future[ConsumerGroupLag]:
        """kafkette's addition (confluent-kafka has no lag call): the group's lag per partition
        as ``kafka-consumer-groups --describe`` computes it, ``Future[ConsumerGroupLag]``. With
        ``IsolationLevel.READ_COMMITTED`` the log end is the last stable offset, so transaction
        markers and open transactions do not count as lag."""
        if not isinstance(group_id, str):
            raise TypeError(f"group_id must be str, got {type(group_id).__name__}")
        if not isinstance(isolation_level, IsolationLevel):
            raise TypeError(f"isolation_level must be IsolationLevel, got {type(isolation_level).__name__}")
        committed = isolation_level == IsolationLevel.READ_COMMITTED

        def call() -> list[tuple[str, Any, Optional[KafkaError]]]:
            native = _native.admin_describe_group_lag(self._native, group_id, committed)
            return [(group_id, _gr.lag_of(group_id, native), None)]

        return self._fan_out([group_id], call)[group_id]

    def delete_consumer_groups(
        self, group_ids: Sequence[str], **kwargs: Any
    ) -> dict[str, concurrent.futures.Future[None]]:
        """Delete groups without members (and their offsets): ``{group_id: Future[None]}``."""
        ids = _gr.group_ids("delete_consumer_groups()", group_ids)

        def call() -> list[tuple[str, Any, Optional[KafkaError]]]:
            return [(g, None, err) for g, err in _native.admin_delete_groups(self._native, ids)]

        return self._fan_out(ids, call)
