"""TopicPartition and the constants of confluent-kafka's top-level module."""

from __future__ import annotations

from typing import Final, Optional

from .error import KafkaError

#: Timestamp types of ``Message.timestamp()``.
TIMESTAMP_NOT_AVAILABLE: Final = 0
TIMESTAMP_CREATE_TIME: Final = 1
TIMESTAMP_LOG_APPEND_TIME: Final = 2

#: Logical offsets.
OFFSET_BEGINNING: Final = -2
OFFSET_END: Final = -1
OFFSET_STORED: Final = -1000
OFFSET_INVALID: Final = -1001


class TopicPartition:
    """A topic's partition, with an offset where one matters (assign, seek, position).
    Equal and hashed by topic and partition, as confluent-kafka's."""

    __slots__ = ("topic", "partition", "offset", "metadata", "leader_epoch", "error")

    def __init__(
        self,
        topic: str,
        partition: int = -1,
        offset: int = OFFSET_INVALID,
        metadata: Optional[str] = None,
        leader_epoch: Optional[int] = None,
    ) -> None:
        if not isinstance(topic, str):
            raise TypeError(f"TopicPartition topic must be str, got {type(topic).__name__}")
        for name, v in (("partition", partition), ("offset", offset)):
            if isinstance(v, bool) or not isinstance(v, int):
                raise TypeError(f"TopicPartition {name} must be int, got {type(v).__name__}")
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.metadata = metadata
        self.leader_epoch = leader_epoch
        self.error: Optional[KafkaError] = None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TopicPartition):
            return NotImplemented
        return (self.topic, self.partition) == (other.topic, other.partition)

    def __hash__(self) -> int:
        return hash((self.topic, self.partition))

    def __lt__(self, other: TopicPartition) -> bool:
        return (self.topic, self.partition) < (other.topic, other.partition)

    def __repr__(self) -> str:
        err = f",error={self.error!r}" if self.error is not None else ""
        return f"TopicPartition{{topic={self.topic},partition={self.partition},offset={self.offset}{err}}}"

    __str__ = __repr__


class ConsumerGroupMetadata:
    """What ``Consumer.consumer_group_metadata()`` returns and
    ``Producer.send_offsets_to_transaction`` takes: the group, generation and member
    (KIP-447), so the coordinator fences a zombie consumer's transactional commits."""

    __slots__ = ("group_id", "generation_id", "member_id", "group_instance_id")

    def __init__(
        self,
        group_id: str,
        generation_id: int = -1,
        member_id: str = "",
        group_instance_id: Optional[str] = None,
    ) -> None:
        if not isinstance(group_id, str):
            raise TypeError(f"group_id must be str, got {type(group_id).__name__}")
        self.group_id = group_id
        self.generation_id = generation_id
        self.member_id = member_id
        self.group_instance_id = group_instance_id

    def _tuple(self) -> tuple[str, int, str, Optional[str]]:
        return (self.group_id, self.generation_id, self.member_id, self.group_instance_id)

    def __repr__(self) -> str:
        return (
            f"ConsumerGroupMetadata(group_id={self.group_id!r}, generation_id={self.generation_id}, "
            f"member_id={self.member_id!r})"
        )
