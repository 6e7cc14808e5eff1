"""Types and calls of ``AdminClient.describe_configs``, ``describe_cluster``,
``create_partitions`` and ``delete_records``, as confluent-kafka names them."""

from __future__ import annotations

import enum
from typing import Any, Optional, Union

from .error import KafkaError, KafkaException
from .types import TopicPartition


class ResourceType(enum.IntEnum):
    """Kafka's resource types (only TOPIC and BROKER have configurations here)."""

    UNKNOWN = 0
    ANY = 1
    TOPIC = 2
    GROUP = 3
    BROKER = 4
    TRANSACTIONAL_ID = 5


class ConfigSource(enum.IntEnum):
    """Where a configuration value comes from."""

    UNKNOWN_CONFIG = 0
    DYNAMIC_TOPIC_CONFIG = 1
    DYNAMIC_BROKER_CONFIG = 2
    DYNAMIC_DEFAULT_BROKER_CONFIG = 3
    STATIC_BROKER_CONFIG = 4
    DEFAULT_CONFIG = 5
    DYNAMIC_BROKER_LOGGER_CONFIG = 6
    CLIENT_METRICS_CONFIG = 7
    GROUP_CONFIG = 8


def _source(code: int) -> Union[ConfigSource, int]:
    try:
        return ConfigSource(code)
    except ValueError:
        return code


class ConfigResource:
    """A topic or broker whose configuration is asked for; equal and hashed by type and name."""

    def __init__(self, restype: Union[ResourceType, str, int], name: str) -> None:
        if isinstance(restype, str):
            try:
                restype = ResourceType[restype.upper()]
            except KeyError:
                raise ValueError(f"unknown resource type {restype!r}") from None
        self.restype = ResourceType(restype)
        if not isinstance(name, str):
            raise TypeError("ConfigResource name must be a str")
        self.name = name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ConfigResource) and (self.restype, self.name) == (other.restype, other.name)

    def __hash__(self) -> int:
        return hash((self.restype, self.name))

    def __repr__(self) -> str:
        return f"ConfigResource({self.restype.name},{self.name})"


class ConfigEntry:
    """One configuration value; ``synonyms`` maps each synonym's name to its entry."""

    def __init__(
        self,
        name: str,
        value: Optional[str],
        source: Union[ConfigSource, int] = ConfigSource.UNKNOWN_CONFIG,
        is_read_only: bool = False,
        is_default: bool = False,
        is_sensitive: bool = False,
        is_synonym: bool = False,
        synonyms: Optional[dict[str, ConfigEntry]] = None,
    ) -> None:
        self.name = name
        self.value = value
        self.source = source
        self.is_read_only = is_read_only
        self.is_default = is_default
        self.is_sensitive = is_sensitive
        self.is_synonym = is_synonym
        self.synonyms = synonyms or {}

    def __repr__(self) -> str:
        return f"ConfigEntry({self.name}=\"{self.value}\")"


class NewPartitions:
    """Grow ``topic`` to ``new_total_count`` partitions."""

    def __init__(self, topic: str, new_total_count: int, replica_assignment: Optional[list[list[int]]] = None) -> None:
        if not isinstance(topic, str) or not isinstance(new_total_count, int) or isinstance(new_total_count, bool):
            raise TypeError("NewPartitions(topic: str, new_total_count: int)")
        self.topic = topic
        self.new_total_count = new_total_count
        self.replica_assignment = replica_assignment

    def __repr__(self) -> str:
        return f"NewPartitions(topic={self.topic},new_total_count={self.new_total_count})"


class DeletedRecords:
    """What ``delete_records`` left: the partition's new low watermark (log start offset)."""

    def __init__(self, low_watermark: int) -> None:
        self.low_watermark = low_watermark

    def __repr__(self) -> str:
        return f"DeletedRecords(low_watermark={self.low_watermark})"


class Node:
    def __init__(self, id: int, host: str, port: int, rack: Optional[str] = None) -> None:
        self.id = id
        self.id_string = str(id)
        self.host = host
        self.port = port
        self.rack = rack

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Node) and (self.id, self.host, self.port) == (other.id, other.host, other.port)

    def __hash__(self) -> int:
        return hash((self.id, self.host, self.port))

    def __repr__(self) -> str:
        return f"Node({self.id},{self.host}:{self.port})"


class DescribeClusterResult:
    def __init__(
        self,
        controller: Optional[Node],
        nodes: list[Node],
        cluster_id: Optional[str] = None,
        authorized_operations: Optional[list[int]] = None,
    ) -> None:
        self.controller = controller
        self.nodes = nodes
        self.cluster_id = cluster_id
        self.authorized_operations = authorized_operations

    def __repr__(self) -> str:
        return f"DescribeClusterResult(cluster_id={self.cluster_id},controller={self.controller},nodes={self.nodes})"


def config_entries(entries: list[tuple[str, Optional[str], int, bool, bool, list[tuple[str, Optional[str], int]]]]) -> dict[str, ConfigEntry]:
    """The native describe_configs entries as ``{name: ConfigEntry}``."""
    out: dict[str, ConfigEntry] = {}
    for name, value, source, read_only, sensitive, synonyms in entries:
        syn = {
            n: ConfigEntry(n, v, _source(s), is_read_only=read_only, is_default=s == ConfigSource.DEFAULT_CONFIG, is_sensitive=sensitive, is_synonym=True)
            for n, v, s in synonyms
        }
        out[name] = ConfigEntry(
            name,
            value,
            _source(source),
            is_read_only=read_only,
            is_default=source == ConfigSource.DEFAULT_CONFIG,
            is_sensitive=sensitive,
            synonyms=syn,
        )
    return out


def cluster_result(native: tuple[str, Optional[int], list[tuple[int, str, int, Optional[str]]], Optional[int]]) -> DescribeClusterResult:
    cluster_id, controller, nodes, ops = native
    node_list = [Node(i, h, p, r) for i, h, p, r in nodes]
    ctrl = next((n for n in node_list if n.id == controller), None)
    operations = None if ops is None else [bit for bit in range(32) if ops & (1 << bit)]
    return DescribeClusterResult(ctrl, node_list, cluster_id, operations)


def check_resources(resources: Any) -> list[ConfigResource]:
    if not isinstance(resources, (list, tuple)):
        raise TypeError("describe_configs() expects a list of ConfigResource")
    if not resources:
        raise ValueError("describe_configs() expects a non-empty list of ConfigResource")
    for r in resources:
        if not isinstance(r, ConfigResource):
            raise TypeError(f"describe_configs() expects ConfigResource objects, got {type(r).__name__}")
        if r.restype not in (ResourceType.TOPIC, ResourceType.BROKER):
            raise KafkaException(KafkaError(KafkaError._INVALID_ARG, f"{r}: only TOPIC and BROKER resources have configurations"))
    return list(resources)


def check_new_partitions(new_partitions: Any) -> list[NewPartitions]:
    if not isinstance(new_partitions, (list, tuple)):
        raise TypeError("create_partitions() expects a list of NewPartitions")
    if not new_partitions:
        raise ValueError("create_partitions() expects a non-empty list of NewPartitions")
    for p in new_partitions:
        if not isinstance(p, NewPartitions):
            raise TypeError(f"create_partitions() expects NewPartitions objects, got {type(p).__name__}")
        if p.replica_assignment is not None:
            raise KafkaException(KafkaError(KafkaError._INVALID_ARG, "replica_assignment is not supported: leaders are placed by the broker"))
    return list(new_partitions)


def check_offsets(topic_partition_offsets: Any) -> list[TopicPartition]:
    if not isinstance(topic_partition_offsets, (list, tuple)):
        raise TypeError("delete_records() expects a list of TopicPartition")
    if not topic_partition_offsets:
        raise ValueError("delete_records() expects a non-empty list of TopicPartition")
    for tp in topic_partition_offsets:
        if not isinstance(tp, TopicPartition):
            raise TypeError(f"delete_records() expects TopicPartition objects, got {type(tp).__name__}")
        if tp.partition < 0 or tp.offset < -1:
            raise KafkaException(KafkaError(KafkaError._INVALID_ARG, f"invalid partition or offset in {tp}"))
    return list(topic_partition_offsets)
