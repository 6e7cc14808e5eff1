"""``error_cb``, as librdkafka calls it: connection problems (``_TRANSPORT``, once per
failed attempt) and ``_ALL_BROKERS_DOWN`` when no broker can be reached, reported from
the client's ``poll``/``consume``/``flush`` on the calling thread."""

from __future__ import annotations

from typing import Any, Callable, Optional

from .error import KafkaError

#: How long a ``poll`` with an ``error_cb`` waits in the core between two reports.
REPORT_SLICE = 0.5


class Health:
    def __init__(self, error_cb: Optional[Callable[[KafkaError], Any]]) -> None:
        self.error_cb = error_cb
        self._seen = 0
        self._down = False

    def report(self, native: Any) -> None:
        """Call error_cb for what the transport saw since the last report."""
        if self.error_cb is None:
            return
        try:
            errors, all_down, last = native.transport_health()
        except RuntimeError:  # closed
            return
        if errors > self._seen and last is not None:
            self._seen = errors
            self.error_cb(last)
        if all_down and not self._down:
            self._down = True
            self.error_cb(KafkaError(KafkaError._ALL_BROKERS_DOWN, "all brokers are down", False, True))
        elif not all_down:
            self._down = False
