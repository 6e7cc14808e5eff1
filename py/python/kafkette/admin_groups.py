"""Types of ``AdminClient``'s consumer group calls (``list_consumer_groups``,
``describe_consumer_groups``, ``list_consumer_group_offsets``,
``alter_consumer_group_offsets``, ``delete_consumer_groups``), as confluent-kafka names them,
and kafkette's ``PartitionLag`` / ``ConsumerGroupLag`` (``describe_consumer_group_lag``)."""

from __future__ import annotations

import enum
from typing import Any, Optional, Sequence

from .admin_cluster import Node
from .error import KafkaError
from .types import TopicPartition


class ConsumerGroupState(enum.IntEnum):
    UNKNOWN = 0
    PREPARING_REBALANCING = 1
    COMPLETING_REBALANCING = 2
    STABLE = 3
    DEAD = 4
    EMPTY = 5


_STATES = {
    "PreparingRebalance": ConsumerGroupState.PREPARING_REBALANCING,
    "CompletingRebalance": ConsumerGroupState.COMPLETING_REBALANCING,
    "Stable": ConsumerGroupState.STABLE,
    "Dead": ConsumerGroupState.DEAD,
    "Empty": ConsumerGroupState.EMPTY,
}
_NAMES = {v: k for k, v in _STATES.items()}


def state_of(name: Optional[str]) -> ConsumerGroupState:
    return _STATES.get(name or "", ConsumerGroupState.UNKNOWN)


def state_names(states: Any) -> list[str]:
    if states is None:
        return []
    out = []
    for s in states:
        if not isinstance(s, ConsumerGroupState):
            raise TypeError(f"states must be ConsumerGroupState values, got {type(s).__name__}")
        if s in _NAMES:
            out.append(_NAMES[s])
    return out


class ConsumerGroupListing:
    def __init__(self, group_id: str, is_simple_consumer_group: bool, state: ConsumerGroupState) -> None:
        self.group_id = group_id
        self.is_simple_consumer_group = is_simple_consumer_group
        self.state = state

    def __repr__(self) -> str:
        return f"ConsumerGroupListing({self.group_id},{self.state.name})"


class ListConsumerGroupsResult:
    def __init__(self, valid: list[ConsumerGroupListing], errors: list[KafkaError]) -> None:
        self.valid = valid
        self.errors = errors


class MemberAssignment:
    def __init__(self, topic_partitions: Optional[list[TopicPartition]] = None) -> None:
        self.topic_partitions = topic_partitions or []


class MemberDescription:
    def __init__(
        self,
        member_id: str,
        client_id: str,
        host: str,
        assignment: MemberAssignment,
        group_instance_id: Optional[str] = None,
    ) -> None:
        self.member_id = member_id
        self.client_id = client_id
        self.host = host
        self.assignment = assignment
        self.group_instance_id = group_instance_id


class ConsumerGroupDescription:
    def __init__(
        self,
        group_id: str,
        is_simple_consumer_group: bool,
        members: list[MemberDescription],
        partition_assignor: str,
        state: ConsumerGroupState,
        coordinator: Node,
    ) -> None:
        self.group_id = group_id
        self.is_simple_consumer_group = is_simple_consumer_group
        self.members = members
        self.partition_assignor = partition_assignor
        self.state = state
        self.coordinator = coordinator


class ConsumerGroupTopicPartitions:
    """A group and some of its partitions (with offsets, for alter; None: all, for list)."""

    def __init__(self, group_id: str, topic_partitions: Optional[list[TopicPartition]] = None) -> None:
        if not isinstance(group_id, str):
            raise TypeError(f"group_id must be str, got {type(group_id).__name__}")
        if topic_partitions is not None and (
            not isinstance(topic_partitions, (list, tuple))
            or not all(isinstance(tp, TopicPartition) for tp in topic_partitions)
        ):
            raise TypeError("topic_partitions must be a list of TopicPartition")
        self.group_id = group_id
        self.topic_partitions = None if topic_partitions is None else list(topic_partitions)

    def __repr__(self) -> str:
        return f"ConsumerGroupTopicPartitions({self.group_id},{self.topic_partitions})"


class PartitionLag:
    """One row of ``kafka-consumer-groups --describe``: the committed offset, the log end
    (the last stable offset for read_committed) and their difference; None where unknown
    (nothing committed, a partition no member owns)."""

    def __init__(
        self,
        topic: str,
        partition: int,
        committed_offset: Optional[int],
        log_end_offset: Optional[int],
        lag: Optional[int],
        consumer_id: Optional[str],
        host: Optional[str],
        client_id: Optional[str],
    ) -> None:
        self.topic = topic
        self.partition = partition
        self.committed_offset = committed_offset
        self.log_end_offset = log_end_offset
        self.lag = lag
        self.consumer_id = consumer_id
        self.host = host
        self.client_id = client_id

    def __repr__(self) -> str:
        return f"PartitionLag({self.topic} [{self.partition}] committed={self.committed_offset} end={self.log_end_offset} lag={self.lag})"


class ConsumerGroupLag:
    """A group's state and its partitions' lag, as ``kafkette groups --describe`` prints it."""

    def __init__(self, group_id: str, state: ConsumerGroupState, partitions: list[PartitionLag]) -> None:
        self.group_id = group_id
        self.state = state
        self.partitions = partitions

    @property
    def total_lag(self) -> int:
        return sum(p.lag for p in self.partitions if p.lag is not None)

    def __repr__(self) -> str:
        return f"ConsumerGroupLag({self.group_id},{self.state.name},{self.partitions})"


def lag_of(group_id: str, native: tuple[str, list[Any]]) -> ConsumerGroupLag:
    state, rows = native
    def known(v: int) -> Optional[int]:
        return None if v < 0 else v

    parts = [
        PartitionLag(t, p, known(cur), known(end), known(lag) if cur >= 0 and end >= 0 else None, cid, host, client)
        for t, p, cur, end, lag, cid, host, client in rows
    ]
    return ConsumerGroupLag(group_id, state_of(state), parts)


def description(native: tuple[str, str, str, str, list[Any], int]) -> ConsumerGroupDescription:
    group_id, state, protocol_type, assignor, members, coordinator = native
    ms = [
        MemberDescription(mid, client, host, MemberAssignment([TopicPartition(t, p) for t, p in parts]), instance)
        for mid, instance, client, host, parts in members
    ]
    return ConsumerGroupDescription(group_id, protocol_type == "", ms, assignor, state_of(state), Node(coordinator, "", -1))


def group_ids(what: str, ids: Any) -> list[str]:
    if not isinstance(ids, (list, tuple)) or not all(isinstance(g, str) for g in ids):
        raise TypeError(f"{what} expects a list of group ids")
    if not ids:
        raise ValueError(f"{what} expects a non-empty list of group ids")
    return list(ids)


def one_request(what: str, requests: Sequence[ConsumerGroupTopicPartitions]) -> ConsumerGroupTopicPartitions:
    if not isinstance(requests, (list, tuple)) or not all(isinstance(r, ConsumerGroupTopicPartitions) for r in requests):
        raise TypeError(f"{what} expects a list of ConsumerGroupTopicPartitions")
    if len(requests) != 1:
        raise ValueError(f"{what} takes exactly one ConsumerGroupTopicPartitions (as confluent-kafka)")
    return requests[0]
