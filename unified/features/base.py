"""What every layer shares: the handler signature and the per-call record."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..types import BackendIdentity, LMRequest, LMResponse

__all__ = ["Attempt", "CallRecord", "Handler"]


@dataclass(frozen=True)
class Attempt:
    """One try of a backend: which backend, what failed (None = success), the wait before
    it, and whether it retried the same backend (a fallback's first try is no retry)."""

    backend: str
    error: str | None
    delay_before: float
    retry: bool = False


@dataclass
class CallRecord:
    """What the layers did during one call; read by metrics and the parity harness."""

    request: LMRequest
    attempts: list[Attempt] = field(default_factory=list)
    retry_sleep: float = 0.0
    cache: str = "off"                 # off | hit | miss | bypass
    validation: str | None = None      # reason code, None when not validated
    answered_by: BackendIdentity | None = None
    fallback_used: bool = False
    latency: float = 0.0
    response: LMResponse | None = None
    error: BaseException | None = None

    @property
    def retries(self) -> int:
        """Attempts that retried the backend before them (a fallback's first try is
        not one)."""
        return sum(attempt.retry for attempt in self.attempts)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (no raw payloads, no secrets)."""
        return {
            "attempts": [{"backend": a.backend, "error": a.error, "delay_before": a.delay_before}
                         for a in self.attempts],
            "retry_sleep": self.retry_sleep, "cache": self.cache, "validation": self.validation,
            "answered_by": self.answered_by.to_dict() if self.answered_by else None,
            "fallback_used": self.fallback_used, "latency": self.latency,
            "error": type(self.error).__name__ if self.error else None,
        }


Handler = Callable[[LMRequest, CallRecord], LMResponse]
