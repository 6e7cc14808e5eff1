"""Message: a consumed record, a delivery report, or an error event (native type)."""

from __future__ import annotations

from ._native import Message

__all__ = ["Message"]
