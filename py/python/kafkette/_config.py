"""Config dicts with Kafka property names → the ``(key, value)`` strings the core parses."""

from __future__ import annotations

from typing import Any, Callable, Mapping, Optional

from .error import KafkaError, KafkaException


def to_pairs(
    config: Optional[Mapping[str, Any]],
    kwargs: Mapping[str, Any],
    callbacks: frozenset[str] = frozenset(),
) -> tuple[list[tuple[str, str]], dict[str, Callable[..., Any]]]:
    """Split a config dict into Kafka properties (as strings) and the callables the
    Python layer serves itself (``on_delivery``, ``error_cb``...). Unknown keys are
    left to the core, which rejects them naming the key (KafkaException _INVALID_ARG)."""
    if config is None:
        config = {}
    if not isinstance(config, Mapping):
        raise TypeError(f"expected a configuration dict, got {type(config).__name__}")
    merged = {**config, **kwargs}
    pairs: list[tuple[str, str]] = []
    found: dict[str, Callable[..., Any]] = {}
    for key, value in merged.items():
        if not isinstance(key, str):
            raise TypeError(f"configuration keys must be str, got {key!r}")
        if key in callbacks:
            if value is not None and not callable(value):
                raise TypeError(f"configuration `{key}` expects a callable, got {type(value).__name__}")
            if value is not None:
                found[key] = value
            continue
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, (int, float, str)):
            text = str(value)
        elif value is None:
            raise KafkaException(KafkaError(KafkaError._INVALID_ARG, f"configuration `{key}`: value is None"))
        else:
            raise TypeError(
                f"configuration `{key}` expects a str, int, float or bool, got {type(value).__name__}"
            )
        pairs.append((key, text))
    return pairs, found
