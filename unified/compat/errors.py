"""Errors only the legacy shims raise: the simple wrapper's circuit breaker and budget.

They derive from :class:`unified.UnifiedError` like every error of the library, but the
unified wrapper itself never raises them, so they live here, beside the shims
(``from unified.compat import CircuitOpenError, BudgetExceededError``).
"""

from __future__ import annotations

from .._errors import UnifiedError

__all__ = ["BudgetExceededError", "CircuitOpenError"]


class CircuitOpenError(UnifiedError):
    """The circuit breaker is open: calls fail fast until it resets."""


class BudgetExceededError(UnifiedError):
    """The configured spending budget would be exceeded by this call."""
