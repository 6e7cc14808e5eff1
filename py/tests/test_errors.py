"""KafkaError / KafkaException, the code mapping, bad config and bad arguments."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import kafkette
from conftest import conf
from kafkette import AdminClient, Cluster, Consumer, KafkaError, KafkaException, Producer, _native


def test_kafka_error_fields_and_equality() -> None:
    e = KafkaError(KafkaError._TIMED_OUT, "poll timed out", fatal=False, retriable=True)
    assert e.code() == -185 and e.name() == "_TIMED_OUT" and e.str() == "poll timed out"
    assert e.retriable() and not e.fatal() and not e.txn_requires_abort()
    assert e == KafkaError._TIMED_OUT and e == KafkaError(-185) and e != KafkaError._QUEUE_FULL
    assert hash(e) == hash(KafkaError(-185))
    assert str(e) == "poll timed out" and "_TIMED_OUT" in repr(e)
    assert KafkaError(KafkaError.OFFSET_OUT_OF_RANGE).str() == "OFFSET_OUT_OF_RANGE"
    fatal = KafkaError(KafkaError.PRODUCER_FENCED, "fenced", fatal=True, txn_requires_abort=True)
    assert fatal.fatal() and fatal.txn_requires_abort()
    exc = KafkaException(e)
    assert exc.args[0] is e and str(exc) == "poll timed out"
    assert KafkaException(KafkaError._FAIL, "x").args[0].code() == KafkaError._FAIL
    with pytest.raises(TypeError):
        KafkaError("bad")  # type: ignore[arg-type]


def test_constants_use_librdkafka_names_and_numbers() -> None:
    expected = {
        "_PARTITION_EOF": -191,
        "_TIMED_OUT": -185,
        "_QUEUE_FULL": -184,
        "_INVALID_ARG": -186,
        "_MSG_TIMED_OUT": -192,
        "_UNKNOWN_PARTITION": -190,
        "_AUTO_OFFSET_RESET": -140,
        "_DESTROY": -197,
        "UNKNOWN": -1,
        "NO_ERROR": 0,
        "OFFSET_OUT_OF_RANGE": 1,
        "UNKNOWN_TOPIC_OR_PART": 3,
        "NOT_LEADER_FOR_PARTITION": 6,
        "MSG_SIZE_TOO_LARGE": 10,
        "TOPIC_ALREADY_EXISTS": 36,
        "INVALID_CONFIG": 40,
        "PRODUCER_FENCED": 90,
    }
    for name, code in expected.items():
        assert getattr(KafkaError, name) == code, name


def test_class_constants_mirror_the_native_table_both_ways() -> None:
    table = dict((name, code) for code, name in _native.error_codes())
    declared = {
        k: v for k, v in vars(KafkaError).items() if re.fullmatch(r"_?[A-Z][A-Z0-9_]*", k) and isinstance(v, int)
    }
    assert declared == table


def test_every_core_local_code_has_its_own_row_in_the_mapping() -> None:
    # The core's local codes are -100 and below; walk them all.
    local = [c for c in range(-100, -300, -1) if not _native.map_core_code(c)[2].startswith("UNKNOWN_CODE")]
    assert len(local) >= 14
    for c in local:
        number, name, ours, mapped = _native.map_core_code(c)
        assert mapped, f"core code {ours} ({c}) is missing from the table in py/src/error.rs"
        assert name.startswith("_") and number <= -100 and getattr(KafkaError, name) == number
    # Kafka's codes keep their numbers.
    for c in (-1, 1, 3, 36, 87, 100):
        assert _native.map_core_code(c)[0] == c
    # The table is documented once, in error.rs, and lists every local code by name.
    doc = (Path(__file__).parents[1] / "src" / "error.rs").read_text()
    for c in local:
        assert f"| {_native.map_core_code(c)[2]} " in doc


def test_unknown_config_key_names_the_key(kafka_cluster: Cluster) -> None:
    for cls in (Producer, Consumer, AdminClient):
        with pytest.raises(KafkaException) as info:
            cls(conf(kafka_cluster, **{"no.such.key": "1"}))
        err = info.value.args[0]
        assert err.code() == KafkaError._INVALID_ARG and "no.such.key" in err.str()
        assert not err.retriable() and not err.fatal()


def test_bad_config_values_and_types(kafka_cluster: Cluster) -> None:
    with pytest.raises(KafkaException) as info:
        Producer(conf(kafka_cluster, acks="sometimes"))
    assert "acks" in str(info.value)
    with pytest.raises(KafkaException) as info:
        Producer(conf(kafka_cluster, linger_ms=-5))
    assert "linger.ms" in str(info.value)
    with pytest.raises(TypeError):
        Producer({"bootstrap.servers": kafka_cluster.bootstrap_servers, "linger.ms": [1]})
    with pytest.raises(TypeError):
        Producer({1: "x"})  # type: ignore[dict-item]
    with pytest.raises(TypeError):
        Producer("bootstrap.servers=x")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Producer(conf(kafka_cluster), on_delivery="not callable")
    with pytest.raises(KafkaException) as info:
        Producer({"bootstrap.servers": "inproc://cluster-999999"})
    assert "bootstrap.servers" in str(info.value)
    with pytest.raises(KafkaException) as info:
        Cluster({"num.partitions": "many"})
    assert "num.partitions" in str(info.value)
    # Booleans and numbers are accepted as Python values.
    p = Producer(conf(kafka_cluster, enable_idempotence=False, linger_ms=5, batch_size=1000.0 if False else 1000))
    cfg = p.config()
    assert cfg["linger.ms"] == "5" and cfg["enable.idempotence"] == "false"


def test_bad_produce_arguments(producer: Producer) -> None:
    with pytest.raises(TypeError):
        producer.produce("t", 123)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        producer.produce("t", b"v", key=object())  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        producer.produce(b"t", b"v")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        producer.produce("t", b"v", partition="0")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        producer.produce("t", b"v", headers=[("k", 1)])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        producer.produce("t", b"v", headers="k=v")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        producer.produce("t", b"v", on_delivery=42)  # type: ignore[arg-type]
    with pytest.raises(KafkaException) as info:
        producer.produce("t", b"v", partition=-2)
    assert info.value.args[0].code() == KafkaError._INVALID_ARG and "partition" in str(info.value)
    with pytest.raises(KafkaException) as info:
        producer.produce("", b"v")
    assert info.value.args[0].code() == KafkaError._INVALID_ARG and "topic" in str(info.value)
    with pytest.raises(KafkaException) as info:
        producer.produce("t", b"x" * (2 * 1024 * 1024))
    assert info.value.args[0].code() == KafkaError.MSG_SIZE_TOO_LARGE


def test_public_names() -> None:
    for name in ("Cluster", "Producer", "Consumer", "AdminClient", "TopicPartition", "Message", "KafkaError",
                 "KafkaException", "NewTopic", "OffsetSpec"):
        assert name in kafkette.__all__ and hasattr(kafkette, name)
    assert kafkette.Producer.__module__ == "kafkette.producer"
    assert _native.Producer.__name__ == "Producer"


def test_the_plugin_is_registered_by_its_entry_point(pytestconfig: pytest.Config) -> None:
    assert pytestconfig.pluginmanager.has_plugin("kafkette")


def test_kafka_cluster_fixture(kafka_cluster: Cluster) -> None:
    assert kafka_cluster.bootstrap_servers.startswith("inproc://cluster-")
    assert not kafka_cluster.closed
    with Cluster() as other:
        assert other.bootstrap_servers != kafka_cluster.bootstrap_servers
    assert other.closed
