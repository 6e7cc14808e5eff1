"""``error_cb``, as librdkafka calls it: connection problems (``_TRANSPORT``, once per
failed attempt) and ``_ALL_BROKERS_DOWN`` when no broker can be reached, reported from
the client's ``poll``/``consume``/``flush`` on the calling thread."""

from __future__ import annotations

import time
from typing import Any, Callable, Optional, TypeVar

from .error import KafkaError

T = TypeVar("T")

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

    def sliced(self, native: Any, wait: Callable[[float], T], timeout: float, done: Callable[[T], bool]) -> T:
        """``wait(timeout)``; with an error_cb, in slices with the transport's problems
        reported between them (librdkafka calls error_cb from poll, consume and flush).
        ``timeout`` < 0 waits for ever; ``done(got)`` ends the wait early."""
        if self.error_cb is None:
            return wait(timeout)
        deadline = None if timeout < 0 else time.monotonic() + timeout
        while True:
            left = REPORT_SLICE if deadline is None else min(REPORT_SLICE, max(0.0, deadline - time.monotonic()))
            try:
                got = wait(left)
            finally:
                self.report(native)
            if done(got) or (deadline is not None and time.monotonic() >= deadline):
                return got
