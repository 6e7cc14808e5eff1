"""kafkette: an embeddable Kafka-compatible event log.

``Cluster`` starts a broker inside this process; ``Producer``, ``Consumer`` and
``AdminClient`` follow confluent-kafka's API::

    from kafkette import Cluster, Producer
    with Cluster() as c:
        p = Producer({"bootstrap.servers": c.bootstrap_servers})
        p.produce("orders", b"hello")
        p.flush()
"""

from __future__ import annotations

from .admin import AdminClient, NewTopic, OffsetSpec
from .cluster import Cluster
from .consumer import Consumer
from .error import KafkaError, KafkaException
from .message import Message
from .producer import Producer
from .types import (
    OFFSET_BEGINNING,
    OFFSET_END,
    OFFSET_INVALID,
    OFFSET_STORED,
    TIMESTAMP_CREATE_TIME,
    TIMESTAMP_LOG_APPEND_TIME,
    TIMESTAMP_NOT_AVAILABLE,
    ConsumerGroupMetadata,
    TopicPartition,
)

__all__ = [
    "AdminClient",
    "Cluster",
    "Consumer",
    "ConsumerGroupMetadata",
    "KafkaError",
    "KafkaException",
    "Message",
    "NewTopic",
    "OFFSET_BEGINNING",
    "OFFSET_END",
    "OFFSET_INVALID",
    "OFFSET_STORED",
    "OffsetSpec",
    "Producer",
    "TIMESTAMP_CREATE_TIME",
    "TIMESTAMP_LOG_APPEND_TIME",
    "TIMESTAMP_NOT_AVAILABLE",
    "TopicPartition",
]
