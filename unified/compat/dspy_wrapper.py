"""Shim of the legacy ``dspy_wrapper`` module (spec section 4): the simple gateway wrapper.

``DSPyWrapper(DSPyConfig)`` maps its config onto a gateway ``UnifiedConfig``
(:func:`unified.compat.mapping.dspy_config_to_unified`: legacy route ``model``,
``max_retries`` tries in all, an in-memory cache of ``cache_size`` answers) and runs
every call through one :class:`~unified.UnifiedDSPyWrapper`.

Kept from the legacy contract (the native unified API raises instead):

- ``predict(signature, **inputs) -> DSPyResult(success, outputs, error, cost_usd,
  cached, latency_s)`` never raises for a failed call (DIFFERENCES.md D002): ``error``
  is ``"<ErrorClass>: <message>"`` (D018), ``"budget_exceeded"`` or
  ``"circuit_open"``. A bad signature (a programming error) still raises.
- ``.circuit_breaker``: closed -> open after ``circuit_failure_threshold`` consecutive
  failed calls -> half-open after ``circuit_reset_seconds`` -> closed on one success (a
  half-open failure re-opens). While open, calls fail fast (``CircuitOpenError``
  inside, ``error="circuit_open"`` outside) without reaching the backend.
- Cost: each call's backend usage priced per 1k tokens (D016); ``total_cost_usd`` is
  the running total. With ``budget_usd``, a call whose estimated input cost (whitespace
  tokens of the input values) would take the total past the budget is refused with
  ``error="budget_exceeded"``.
- The cache is consulted first, as in the legacy order (cache, budget, circuit): a cached
  answer is served even while over budget or open, costs nothing and does not touch the
  breaker. Budget and circuit are two layers of the unified stack (:class:`Budgeted`,
  :class:`Breaker`) inserted inside its cache (``guards``), so the cache layer is the
  unified one. ``.cache`` is its memory LRU (D019).
- MCP: ``as_mcp_tool(name, signature, description="")`` and ``handle_mcp_call(name,
  arguments)`` through :class:`unified.mcp.MCPToolset` with this wrapper's ``predict``.

Test seams (keyword-only): ``backend`` (a unified Backend, e.g. ``MockBackend``),
``transport`` (an httpx transport for the gateway backend), ``clock`` (a ``Clock`` or,
as in the legacy wrapper, a monotonic callable) and ``sleep``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .._backends.base import count_tokens
from .._features.base import CallRecord, Layer
from .._features.validation import output_text
from .._pipeline import Clock
from .._types import LMRequest, LMResponse
from ..mcp import MCPToolset, ToolCallError
from ._deprecation import legacy_entry, quiet
from ._runtime import ShimRuntime, clock_from
from .configs import DSPyConfig
from .dspy_bedrock_enhanced import estimate_cost
from .dspy_gateway_backend import LegacyPromptBackend, _gateway_factory
from .errors import BudgetExceededError, CircuitOpenError
from .mapping import dspy_config_to_unified

__all__ = ["BUDGET_EXCEEDED", "CIRCUIT_OPEN", "Breaker", "Budgeted", "CircuitBreaker",
           "CircuitOpenError", "DSPyConfig", "DSPyResult", "DSPyWrapper"]

BUDGET_EXCEEDED = "budget_exceeded"
CIRCUIT_OPEN = "circuit_open"


@dataclass
class DSPyResult:
    """Outcome of one ``predict`` call."""

    success: bool
    outputs: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    cost_usd: float = 0.0
    cached: bool = False
    latency_s: float = 0.0


class CircuitBreaker:
    """closed -> open after ``failure_threshold`` consecutive failures -> half_open once
    ``reset_seconds`` have passed -> closed on one success (a half-open failure re-opens).

    The state is derived from ``opened_at`` (None while closed) and the injected
    monotonic ``clock``, so it never needs a timer.
    """

    def __init__(self, failure_threshold: int = 5, reset_seconds: float = 60.0, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.failure_threshold = failure_threshold
        self.reset_seconds = reset_seconds
        self.clock = clock
        self.failures = 0
        self.opened_at: float | None = None
        self._lock = threading.Lock()

    def _state(self) -> str:
        if self.opened_at is None:
            return "closed"
        waited = self.clock() - self.opened_at
        return "half_open" if waited >= self.reset_seconds else "open"

    @property
    def state(self) -> str:
        """``"closed"``, ``"open"`` or ``"half_open"``."""
        with self._lock:
            return self._state()

    def before_call(self) -> None:
        """Raise :class:`~unified.compat.CircuitOpenError` while open."""
        if self.state == "open":
            raise CircuitOpenError(CIRCUIT_OPEN)

    def record_success(self) -> None:
        """A call succeeded: close the circuit."""
        with self._lock:
            self.failures, self.opened_at = 0, None

    def record_failure(self) -> None:
        """A call failed: open after the threshold, at once when half-open."""
        with self._lock:
            self.failures += 1
            if self._state() == "half_open" or self.failures >= self.failure_threshold:
                self.opened_at = self.clock()


def _no_op() -> None:
    """Nothing to note per call."""


class Breaker(Layer):
    """The circuit breaker as a layer: fails fast while open, else counts the wrapped
    call's success or failure."""

    def __init__(self, inner: Any, breaker: CircuitBreaker) -> None:
        super().__init__(inner)
        self.breaker = breaker

    def complete(self, request: LMRequest) -> LMResponse:
        """Refuse while open; otherwise call and note the outcome."""
        self.breaker.before_call()
        try:
            response = self.inner.complete(request)
        except Exception:
            self.breaker.record_failure()
            raise
        self.breaker.record_success()
        return response  # type: ignore[no-any-return]

    async def acomplete(self, request: LMRequest) -> LMResponse:
        """Async variant of :meth:`complete`."""
        self.breaker.before_call()
        try:
            response = await self.inner.acomplete(request)
        except Exception:
            self.breaker.record_failure()
            raise
        self.breaker.record_success()
        return response  # type: ignore[no-any-return]


class Budgeted(Layer):
    """The budget as a layer: refuses a call whose estimated input cost would take
    ``spent()`` past ``budget_usd``. The estimate is the legacy one: whitespace tokens
    of the input values (the ChatAdapter sections of the last user message)."""

    def __init__(self, inner: Any, *, model: str, budget_usd: float,
                 spent: Callable[[], float]) -> None:
        super().__init__(inner)
        self.model = model
        self.budget_usd = budget_usd
        self.spent = spent

    def admit(self, request: LMRequest) -> None:
        """Raise :class:`BudgetExceededError` when ``request`` would exceed the budget."""
        users = [m for m in request.messages if m.role == "user"]
        text = output_text(users[-1].text) if users else ""
        estimate = estimate_cost(self.model, count_tokens(text), 0)["total_cost"]
        if self.spent() + estimate > self.budget_usd:
            raise BudgetExceededError(BUDGET_EXCEEDED)

    def complete(self, request: LMRequest) -> LMResponse:
        """Admit, then call the wrapped backend."""
        self.admit(request)
        return self.inner.complete(request)  # type: ignore[no-any-return]

    async def acomplete(self, request: LMRequest) -> LMResponse:
        """Async variant of :meth:`complete`."""
        self.admit(request)
        return await self.inner.acomplete(request)  # type: ignore[no-any-return]


class DSPyWrapper:
    """Deprecated: use ``UnifiedDSPyWrapper()`` with the gateway backend (module docstring)."""

    def __init__(self, config: DSPyConfig | Mapping[str, Any] | None = None, *,
                 backend: Any = None, transport: Any = None,
                 clock: Clock | Callable[[], float] | None = None,
                 sleep: Callable[[float], None] | None = None) -> None:
        with legacy_entry("DSPyWrapper", "unified.UnifiedDSPyWrapper(UnifiedConfig("
                          "backend='gateway', model=..., gateway_uri=...))"):
            with quiet():
                self.config = DSPyConfig.from_value(config)
            unified_config = dspy_config_to_unified(self.config)
            self.clock = clock_from(clock, sleep=sleep)
            if backend is None:
                from .._backends.auto import build_backend

                factory = _gateway_factory(transport)
                backend = (factory(unified_config) if factory is not None
                           else build_backend(unified_config.backend, unified_config))
            self.circuit_breaker = CircuitBreaker(self.config.circuit_failure_threshold,
                                                  self.config.circuit_reset_seconds,
                                                  clock=self.clock.monotonic)
            self.total_cost_usd = 0.0
            # The legacy wrapper sent DSPy's prompt flattened, as its gateway LM did.
            self.runtime = ShimRuntime(backend=LegacyPromptBackend(backend, _no_op),
                                       clock=self.clock, guards=self._guards())
            self.unified = self.runtime.wrapper(unified_config)
            cache = self.unified.pipeline.cache
            self.cache = cache.memory if cache is not None else None
            self.mcp = MCPToolset(runner=self._run_tool)
            self._modules: dict[Any, Any] = {}
            self._lock = threading.Lock()

    def _module(self, signature: Any) -> Any:
        key = signature if isinstance(signature, str) else id(signature)
        with self._lock:
            if key not in self._modules:
                self._modules[key] = self.unified.create_module(signature)
            return self._modules[key]

    def _guards(self) -> tuple[Any, ...]:
        """The legacy order inside the cache, outermost first: budget, then circuit."""
        breaker: Any = lambda inner: Breaker(inner, self.circuit_breaker)  # noqa: E731
        budget = self.config.budget_usd
        if budget is None:
            return (breaker,)
        return (lambda inner: Budgeted(inner, model=self.config.model, budget_usd=budget,
                                       spent=lambda: self.total_cost_usd), breaker)

    def _charge(self, records: list[CallRecord]) -> float:
        cost = sum(estimate_cost(self.config.model, r.response.usage.input_tokens,
                                 r.response.usage.output_tokens)["total_cost"]
                   for r in records if r.response is not None and r.cache != "hit")
        with self._lock:
            self.total_cost_usd += cost
        return cost

    def predict(self, signature: Any, **inputs: Any) -> DSPyResult:
        """Run ``signature`` on ``inputs``; a failed call comes back as ``success=False``."""
        start = self.clock.monotonic()
        module = self._module(signature)
        error: Exception | None = None
        with self.runtime.collect() as records:
            try:
                prediction = module.predict(**inputs)
            except Exception as exc:  # the legacy contract: a result, never a raise
                error = exc
        cost = self._charge(records)
        elapsed = self.clock.monotonic() - start
        if isinstance(error, (BudgetExceededError, CircuitOpenError)):
            return DSPyResult(False, error=str(error), latency_s=elapsed)
        if error is not None:
            if not any(r.error is not None for r in records):  # not counted by Breaker
                self.circuit_breaker.record_failure()
            return DSPyResult(False, error=f"{type(error).__name__}: {error}", cost_usd=cost,
                              latency_s=elapsed)
        cached = bool(records) and all(r.cache == "hit" for r in records)
        outputs = {name: prediction[name] for name in module.output_fields}
        return DSPyResult(True, outputs=outputs, cost_usd=cost, cached=cached,
                          latency_s=elapsed)

    def _run_tool(self, signature: Any, arguments: dict[str, Any]) -> dict[str, Any]:
        result = self.predict(signature, **arguments)
        if not result.success:
            raise ToolCallError(result.error or "tool call failed")
        return result.outputs

    def as_mcp_tool(self, name: str, signature: Any, description: str = "") -> dict[str, Any]:
        """Register ``signature`` as MCP tool ``name``; return its tool definition."""
        return self.mcp.add(name, signature, description)

    def handle_mcp_call(self, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
        """Run MCP tool ``name``: an MCP ``tools/call`` result (``content``, ``isError``)."""
        return self.mcp.call(name, arguments)

    def close(self) -> None:
        """Close the unified wrapper (backend connections)."""
        self.runtime.close()
