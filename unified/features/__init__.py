"""Feature layers composed around a backend call by :mod:`unified.pipeline`.

Each layer is a small object whose ``wrap(next_handler)`` returns a new handler
``(LMRequest, CallRecord) -> LMResponse``; each has its own config and injected
clock/sleep. Layers know nothing about any backend.
"""

from .base import Attempt, CallRecord, Handler

__all__ = ["Attempt", "CallRecord", "Handler"]
