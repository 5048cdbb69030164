"""Legacy ``dspy_wrapper``: the simple gateway wrapper with MCP tools (spec section 4).

[chosen] decisions followed exactly: the ``DSPyConfig`` fields and defaults;
``predict(signature, **inputs) -> DSPyResult(success, outputs, error, cost_usd, cached,
latency_s)`` never raises for backend failures.

Decided here (the spec is silent):
- Calls go through :class:`~harness.legacy.dspy_gateway_backend.DSPyGatewayLM` (route =
  ``config.model``) under ``dspy.context`` -- a fresh LM per call over one shared
  :class:`TidyLLMGatewayBackend`. ``config.max_retries`` is handed to the backend as is,
  so it means tries in all there (default 1: no retry). The backend's own memory cache
  is off; the wrapper's LRU (``.cache``) is the only cache, keyed by the canonical JSON
  of ``{"signature": "a, b -> c", "inputs", "model"}``; only successes are stored.
- Cost: whitespace-separated token counts -- the flattened prompt sent as input, the
  answer text as output -- priced with the Bedrock price table (section 3) after
  resolving ``config.model`` as a friendly name. Every LM exchange of a call is charged,
  including one whose answer DSPy then failed to parse. Cache hits cost 0.
- Budget: when ``budget_usd`` is set, a call is refused (``error="budget_exceeded"``,
  nothing sent) if the running total plus the estimated *input* cost of the input values
  would exceed it (the output size is unknown beforehand).
- Failures: any exception of the DSPy call (gateway fallback, parse error, …) gives
  ``success=False`` with ``error="<ExceptionType>: <message>"`` and counts as a
  circuit-breaker failure; a call refused by the open circuit gives
  ``error="circuit_open"``. Signature errors (a programming error) still raise.
- Circuit breaker: a half-open breaker lets calls through; the first success closes it,
  a failure re-opens it (restarting the reset timer).
- MCP: the description is used as given (empty stays empty); input properties are
  ``{"type": "string"}``. Success text is ``json.dumps(outputs)`` in signature order;
  a failed call (``isError: true``) carries ``{"error": <error>}`` as JSON text, and so
  do an unknown tool and missing required arguments.

Test seams (keyword-only): ``http_client``, ``sleep`` (gateway retry waits) and
``clock`` (monotonic: latency and the circuit breaker's reset timer).
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import dspy
import httpx

from .dspy_bedrock_enhanced import estimate_cost
from .dspy_enhanced import ResponseCache, signature_text
from .dspy_gateway_backend import DSPyGatewayConfig, DSPyGatewayLM, TidyLLMGatewayBackend

__all__ = ["BUDGET_EXCEEDED", "CIRCUIT_OPEN", "CircuitBreaker", "CircuitOpenError",
           "DSPyConfig", "DSPyResult", "DSPyWrapper", "LRUCache", "count_tokens"]

BUDGET_EXCEEDED = "budget_exceeded"
CIRCUIT_OPEN = "circuit_open"


@dataclass
class DSPyConfig:
    """Settings of the simple wrapper."""

    model: str = "claude-3-sonnet"
    gateway_uri: str = "http://localhost:5000"
    temperature: float = 0.7
    max_tokens: int = 1000
    cache_enabled: bool = True
    cache_size: int = 128
    max_retries: int = 1
    circuit_failure_threshold: int = 5
    circuit_reset_seconds: float = 60.0
    budget_usd: float | None = None


@dataclass
class DSPyResult:
    """Outcome of one ``predict`` call."""

    success: bool
    outputs: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    cost_usd: float = 0.0
    cached: bool = False
    latency_s: float = 0.0


class CircuitOpenError(RuntimeError):
    """Raised by :meth:`CircuitBreaker.before_call` while the circuit is open."""


def count_tokens(text: str) -> int:
    """The legacy token estimate: whitespace-separated words."""
    return len(text.split())


class LRUCache:
    """A thread-safe in-memory LRU mapping of at most ``maxsize`` entries."""

    def __init__(self, maxsize: int = 128) -> None:
        self.maxsize = maxsize
        self._data: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> Any | None:
        """The value of ``key`` (marked most recent), or ``None``."""
        with self._lock:
            if key not in self._data:
                return None
            self._data.move_to_end(key)
            return self._data[key]

    def put(self, key: str, value: Any) -> None:
        """Store ``value``, evicting the least recently used entries beyond ``maxsize``."""
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > max(self.maxsize, 0):
                self._data.popitem(last=False)

    def clear(self) -> None:
        """Remove every entry."""
        with self._lock:
            self._data.clear()

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data


class CircuitBreaker:
    """closed -> open after ``failure_threshold`` consecutive failures -> half_open after
    ``reset_seconds`` -> closed on one success (a half-open failure re-opens)."""

    def __init__(self, failure_threshold: int = 5, reset_seconds: float = 60.0, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.failure_threshold = failure_threshold
        self.reset_seconds = reset_seconds
        self.clock = clock
        self.failures = 0
        self._state = "closed"
        self._opened_at = 0.0
        self._lock = threading.Lock()

    @property
    def state(self) -> str:
        """``"closed"``, ``"open"`` or ``"half_open"``."""
        with self._lock:
            if self._state == "open" and self.clock() - self._opened_at >= self.reset_seconds:
                self._state = "half_open"
            return self._state

    def before_call(self) -> None:
        """Raise :class:`CircuitOpenError` while open; otherwise let the call through."""
        if self.state == "open":
            raise CircuitOpenError("circuit breaker is open")

    def record_success(self) -> None:
        """A call succeeded: close the circuit."""
        with self._lock:
            self.failures, self._state = 0, "closed"

    def record_failure(self) -> None:
        """A call failed: open after the threshold (at once when half-open)."""
        state = self.state
        with self._lock:
            self.failures += 1
            if state == "half_open" or self.failures >= self.failure_threshold:
                self._state, self._opened_at = "open", self.clock()


class DSPyWrapper:
    """Runs DSPy signatures through the gateway with cache, circuit breaker and budget."""

    def __init__(self, config: DSPyConfig | None = None, *,
                 http_client: httpx.Client | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config or DSPyConfig()
        self.clock = clock
        self.backend = TidyLLMGatewayBackend(
            DSPyGatewayConfig(gateway_uri=self.config.gateway_uri, route=self.config.model,
                              temperature=self.config.temperature,
                              max_tokens=self.config.max_tokens,
                              max_retries=self.config.max_retries),
            http_client=http_client, sleep=sleep, cache_size=0)
        self.cache = LRUCache(self.config.cache_size)
        self.circuit_breaker = CircuitBreaker(self.config.circuit_failure_threshold,
                                              self.config.circuit_reset_seconds, clock=clock)
        self.total_cost_usd = 0.0
        self.mcp_tools: dict[str, str | type[dspy.Signature]] = {}
        self._cost_lock = threading.Lock()

    def predict(self, signature: str | type[dspy.Signature], **inputs: Any) -> DSPyResult:
        """Run ``signature`` on ``inputs``; failures come back as ``success=False``."""
        start = self.clock()
        predictor = dspy.Predict(signature)
        output_fields = list(predictor.signature.output_fields)
        key = ResponseCache.make_key(signature_text(predictor.signature), inputs, self.config.model)

        def result(success: bool, **values: Any) -> DSPyResult:
            return DSPyResult(success, latency_s=self.clock() - start, **values)

        if self.config.cache_enabled:
            hit = self.cache.get(key)
            if hit is not None:
                return result(True, outputs=dict(hit), cached=True)
        if self._over_budget(inputs):
            return result(False, error=BUDGET_EXCEEDED)
        try:
            self.circuit_breaker.before_call()
        except CircuitOpenError:
            return result(False, error=CIRCUIT_OPEN)
        lm = DSPyGatewayLM(self.config.model, backend=self.backend)
        try:
            with dspy.context(lm=lm):
                prediction = predictor(**inputs)
        except Exception as exc:
            self.circuit_breaker.record_failure()
            return result(False, error=f"{type(exc).__name__}: {exc}", cost_usd=self._charge(lm))
        self.circuit_breaker.record_success()
        outputs = {name: prediction[name] for name in output_fields}
        if self.config.cache_enabled:
            self.cache.put(key, outputs)
        return result(True, outputs=dict(outputs), cost_usd=self._charge(lm))

    def _over_budget(self, inputs: dict[str, Any]) -> bool:
        if self.config.budget_usd is None:
            return False
        text = " ".join(str(value) for value in inputs.values())
        estimate = estimate_cost(self.config.model, count_tokens(text), 0)["total_cost"]
        with self._cost_lock:
            return self.total_cost_usd + estimate > self.config.budget_usd

    def _charge(self, lm: DSPyGatewayLM) -> float:
        cost = sum(estimate_cost(self.config.model, count_tokens(prompt), count_tokens(answer))
                   ["total_cost"] for prompt, answer in lm.exchanges)
        with self._cost_lock:
            self.total_cost_usd += cost
        return cost

    def as_mcp_tool(self, name: str, signature: str | type[dspy.Signature],
                    description: str = "") -> dict[str, Any]:
        """Register ``signature`` as MCP tool ``name``; return its tool definition."""
        input_fields = list(dspy.Predict(signature).signature.input_fields)
        self.mcp_tools[name] = signature
        return {"name": name, "description": description,
                "inputSchema": {"type": "object",
                                "properties": {f: {"type": "string"} for f in input_fields},
                                "required": input_fields}}

    def handle_mcp_call(self, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
        """Run MCP tool ``name``; an MCP ``tools/call`` result (``content``, ``isError``)."""
        if name not in self.mcp_tools:
            return _mcp_result({"error": f"unknown tool: {name}"}, is_error=True)
        signature = self.mcp_tools[name]
        required = dspy.Predict(signature).signature.input_fields
        missing = [f for f in required if f not in (arguments or {})]
        if missing:
            return _mcp_result({"error": f"missing required arguments: {', '.join(missing)}"},
                               is_error=True)
        outcome = self.predict(signature, **arguments)
        if outcome.success:
            return _mcp_result(outcome.outputs, is_error=False)
        return _mcp_result({"error": outcome.error}, is_error=True)


def _mcp_result(payload: dict[str, Any], *, is_error: bool) -> dict[str, Any]:
    return {"content": [{"type": "text", "text": json.dumps(payload, default=str)}],
            "isError": is_error}
