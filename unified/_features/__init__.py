"""Feature layers: each a backend wrapping a backend (:class:`~unified._features.base.Layer`).

Retrying, fallback, cached, validated and metered layers each have their own config and
injected clock, know nothing about any backend, and are stacked in one place:
:func:`unified._stack.build_stack`.
"""

from .base import Attempt, CallRecord, CallTrace, Layer

__all__ = ["Attempt", "CallRecord", "CallTrace", "Layer"]
