"""Shim of the legacy ``dspy_gateway_backend`` module (spec section 2) on the unified wrapper.

- :class:`TidyLLMGatewayBackend` keeps the legacy contract: ``query(route, messages,
  **params)`` returns the gateway's JSON answer and **never raises** -- when every try
  failed it returns the fallback dict ``{"error", "endpoint", "timestamp", "fallback":
  True, "content": "I apologize, but I'm temporarily unavailable..."}``. The native
  unified API raises instead and never hands out fallback text as an answer
  (DIFFERENCES.md D001). Each route gets a unified wrapper (gateway backend, legacy
  route ``/gateway/<route>/invocations``) whose pipeline does the retrying
  (``max_retries`` tries in all, 1 s, 2 s, … between them) and the in-memory caching.
- :class:`DSPyGatewayLM` is a ``dspy.LM`` (a ``dspy.BaseLM``) whose engine is the
  route's unified pipeline; where the legacy LM raised ``RuntimeError`` on the fallback
  dict, it raises ``RuntimeError`` chained from the unified error (D012). Like the
  legacy LM it flattens DSPy's messages into one user message and forwards only
  ``temperature``/``max_tokens`` (:func:`flatten_request`), so the wire request is the
  legacy one; the native gateway backend sends chat messages (D011).
- :func:`configure_dspy_with_gateway` makes such an LM DSPy's global LM.

Test seams (keyword-only): ``backend`` (a unified Backend, e.g. ``MockBackend``; for
``DSPyGatewayLM`` also a ``TidyLLMGatewayBackend``), ``transport`` (an httpx transport
for the real gateway backend, where the legacy code took an ``http_client``), ``clock``
or the legacy ``sleep``/``now``, and ``cache_size`` (memory cache entries, 0 = none).
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import dspy

from .._backends.base import BaseBackend
from .._errors import UnifiedError
from .._lm import AsyncUnifiedEngine, UnifiedEngine
from .._pipeline import Clock
from .._types import BackendIdentity, LMRequest, LMResponse, Message
from .._wrapper import UnifiedDSPyWrapper
from ._deprecation import legacy_entry, quiet
from ._runtime import ShimRuntime, clock_from
from .configs import DSPyGatewayConfig
from .mapping import gateway_to_unified

__all__ = ["DEFAULT_GATEWAY_URI", "FALLBACK_CONTENT", "DSPyGatewayConfig", "DSPyGatewayLM",
           "GatewayUnavailableError", "TidyLLMGatewayBackend", "configure_dspy_with_gateway",
           "extract_content"]

DEFAULT_GATEWAY_URI = "http://localhost:5000"
FALLBACK_CONTENT = "I apologize, but I'm temporarily unavailable..."
_NEW_LM = "UnifiedDSPyWrapper(UnifiedConfig(backend='gateway', model=route)).lm"


def extract_content(response: Mapping[str, Any]) -> str:
    """The answer text: ``response["content"]`` if present, else the first choice's
    message content; ``ValueError`` when neither is there."""
    if "content" not in response:
        choices = response.get("choices") or [{}]
        message = choices[0].get("message") if isinstance(choices[0], Mapping) else None
        if not isinstance(message, Mapping) or "content" not in message:
            raise ValueError(f"gateway response has no content (keys: {sorted(response)})")
        return str(message["content"])
    return str(response["content"])


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(str(part.get("text", "")) if isinstance(part, Mapping) else str(part)
                         for part in content)
    return "" if content is None else str(content)


def _answer(response: LMResponse) -> dict[str, Any]:
    """The gateway's JSON answer; rebuilt in the same OpenAI shape on a cache hit."""
    if isinstance(response.raw, dict):
        return copy.deepcopy(response.raw)
    usage = response.usage
    return {"model": response.model,
            "choices": [{"index": 0, "finish_reason": response.finish_reason,
                         "message": {"role": "assistant", "content": response.text}}],
            "usage": {"prompt_tokens": usage.input_tokens,
                      "completion_tokens": usage.output_tokens,
                      "total_tokens": usage.total_tokens}}


def _gateway_factory(transport: Any) -> Callable[[Any], Any] | None:
    if transport is None:
        return None

    def build(config: Any) -> Any:
        from .._backends.gateway import GatewayBackend

        return GatewayBackend(config, transport=transport)

    return build


class TidyLLMGatewayBackend:
    """Deprecated: use a gateway :class:`~unified.UnifiedDSPyWrapper` (module docstring)."""

    def __init__(self, config: DSPyGatewayConfig | Mapping[str, Any] | None = None, *,
                 backend: Any = None, transport: Any = None, clock: Clock | None = None,
                 sleep: Callable[[float], None] | None = None,
                 now: Callable[[], datetime] | None = None, cache_size: int = 256) -> None:
        with legacy_entry("TidyLLMGatewayBackend", "UnifiedDSPyWrapper(UnifiedConfig("
                          "backend='gateway', gateway_route='legacy', ...))"):
            with quiet():
                self.config = DSPyGatewayConfig.from_value(config)
            self.cache_size = cache_size
            self.runtime = ShimRuntime(backend=backend, backend_factory=_gateway_factory(
                transport), clock=clock_from(clock, sleep=sleep, now=now))
            self.wrapper_for(self.config.route)
            self._routes: set[str] = set()
            self._lock = threading.Lock()

    def wrapper_for(self, route: str) -> UnifiedDSPyWrapper:
        """The unified wrapper serving ``route``."""
        return self.runtime.wrapper(gateway_to_unified(self.config, route=route,
                                                       cache_entries=self.cache_size))

    def note_route(self, route: str) -> None:
        """Count ``route`` in ``endpoints_used`` (every LM call did, through ``query``)."""
        with self._lock:
            self._routes.add(route)

    def url_for(self, route: str) -> str:
        """The invocation URL of ``route``."""
        return f"{self.config.gateway_uri.rstrip('/')}/gateway/{route}/invocations"

    def query(self, route: str, messages: list[dict[str, Any]], **params: Any) -> dict[str, Any]:
        """POST ``messages`` to ``route``: the gateway's JSON answer, or the fallback dict
        when every try failed (never raises)."""
        self.note_route(route)
        try:
            wrapper = self.wrapper_for(route)
            request = LMRequest(model=wrapper.config.model, params=params, messages=tuple(
                Message(str(m.get("role", "user")), _text(m.get("content"))) for m in messages))
            return _answer(wrapper.pipeline.complete(request))
        except Exception as exc:  # the legacy contract: a fallback dict, never an exception
            return self.fallback(route, f"{type(exc).__name__}: {exc}")

    def fallback(self, route: str, error: str) -> dict[str, Any]:
        """The dict ``query`` returns instead of raising."""
        stamp = datetime.fromtimestamp(self.runtime.clock.wall()).isoformat()
        return {"error": error, "endpoint": route, "timestamp": stamp, "fallback": True,
                "content": FALLBACK_CONTENT}

    def get_metrics(self) -> dict[str, Any]:
        """``total_requests``, ``failed_requests`` and the sorted ``endpoints_used``."""
        snapshot = self.runtime.metrics.snapshot()
        with self._lock:
            routes = sorted(self._routes)
        return {"total_requests": snapshot["total_requests"],
                "failed_requests": snapshot["failed_requests"], "endpoints_used": routes}

    def clear_cache(self) -> None:
        """Empty the memory caches."""
        self.runtime.clear_caches()

    def close(self) -> None:
        """Close the unified wrappers' backends."""
        self.runtime.close()


class GatewayUnavailableError(dspy.LMUnexpectedError, RuntimeError):
    """The legacy LM's ``RuntimeError`` when a route is unavailable (a DSPy ``LMError``
    too, so DSPy passes it through unchanged); ``__cause__`` is the unified error."""

    def __init__(self, route: str, error: UnifiedError) -> None:
        dspy.LMUnexpectedError.__init__(self, f"gateway route {route!r} unavailable: {error}",
                                        model=f"gateway/{route}")
        self.route = route



class _GatewayEngine(UnifiedEngine):
    """The unified engine, raising ``RuntimeError`` where the legacy LM did."""

    route = ""

    def complete(self, request: Any) -> Any:
        """Run the pipeline; a unified error becomes the legacy ``RuntimeError``."""
        try:
            return super().complete(request)
        except UnifiedError as exc:
            raise GatewayUnavailableError(self.route, exc) from exc


class _AsyncGatewayEngine(AsyncUnifiedEngine):
    """Async twin of :class:`_GatewayEngine`."""

    route = ""

    async def complete(self, request: Any) -> Any:
        """Run the pipeline; a unified error becomes the legacy ``RuntimeError``."""
        try:
            return await super().complete(request)
        except UnifiedError as exc:
            raise GatewayUnavailableError(self.route, exc) from exc


def flatten_request(request: LMRequest) -> LMRequest:
    """The legacy LM's wire form of ``request``: one user message of ``"System: …"``,
    ``"User: …"``, ``"Assistant: …"`` parts joined by blank lines, carrying only
    ``temperature`` and ``max_tokens`` (what the legacy ``DSPyGatewayLM`` forwarded)."""
    turns = ([("system", request.system)] if request.system else []) + [
        (m.role, m.content) for m in request.messages]
    text = "\n\n".join(f"{role.capitalize()}: {content}" for role, content in turns)
    params = {k: request.params[k] for k in ("temperature", "max_tokens") if k in request.params}
    return LMRequest(model=request.model, messages=(Message("user", text),), params=params)


class LegacyPromptBackend(BaseBackend):
    """The route's gateway backend behind the legacy LM's prompt flattening.

    Used by the compat ``DSPyGatewayLM`` (and by compat wrappers given that LM), so the
    wire request is the legacy one; ``on_call`` notes the route as ``query`` did.
    """

    def __init__(self, inner: Any, on_call: Callable[[], None]) -> None:
        self.inner = inner
        self.kind = inner.kind
        self._on_call = on_call

    def complete(self, request: LMRequest) -> LMResponse:
        """Flatten, note the route, then one call of the gateway backend."""
        self._on_call()
        return self.inner.complete(flatten_request(request))  # type: ignore[no-any-return]

    async def acomplete(self, request: LMRequest) -> LMResponse:
        """Async variant of :meth:`complete` (the gateway backend's async client)."""
        self._on_call()
        return await self.inner.acomplete(flatten_request(request))  # type: ignore[no-any-return]

    def identity(self) -> BackendIdentity:
        """The gateway backend's identity (kind, endpoint, model)."""
        return self.inner.identity()  # type: ignore[no-any-return]

    def get_info(self) -> dict[str, Any]:
        """The gateway backend's info."""
        return {**self.inner.get_info(), "prompt": "flattened (legacy DSPyGatewayLM)"}

    def health(self) -> dict[str, Any]:
        """The gateway backend's health."""
        return self.inner.health()  # type: ignore[no-any-return]

    def close(self) -> None:
        """Close the gateway backend."""
        self.inner.close()


class DSPyGatewayLM(dspy.LM):
    """Deprecated: a DSPy LM answering through the gateway route (module docstring).

    ``.unified_wrapper`` is the route's unified wrapper; the compat wrappers given this
    LM use its backend directly.
    """

    def __init__(self, route: str = "claude-3-sonnet", gateway_uri: str | None = None, *,
                 backend: Any = None, transport: Any = None, clock: Clock | None = None,
                 sleep: Callable[[float], None] | None = None) -> None:
        with legacy_entry("DSPyGatewayLM", _NEW_LM):
            if not isinstance(backend, TidyLLMGatewayBackend):
                with quiet():
                    backend = TidyLLMGatewayBackend(
                        DSPyGatewayConfig(gateway_uri=gateway_uri or DEFAULT_GATEWAY_URI,
                                          route=route),
                        backend=backend, transport=transport, clock=clock, sleep=sleep)
            route_wrapper = backend.wrapper_for(route)
            flattening = LegacyPromptBackend(route_wrapper.backend,
                                              lambda: backend.note_route(route))
            wrapper = backend.runtime.wrapper(route_wrapper.config, flattening)
            engine = _GatewayEngine(wrapper.pipeline, wrapper.config.model)
            async_engine = _AsyncGatewayEngine(wrapper.pipeline, wrapper.config.model)
            engine.route = async_engine.route = route
            super().__init__(f"gateway/{route}", engine=engine, async_engine=async_engine,
                             cache=False, num_retries=0)
            self.route = route
            self.backend = backend
            self.unified_wrapper = wrapper


def configure_dspy_with_gateway(route: str = "claude-3-sonnet", gateway_uri: str | None = None,
                                **seams: Any) -> DSPyGatewayLM:
    """Create a :class:`DSPyGatewayLM`, make it DSPy's global LM and return it
    (``seams``: the LM's keyword-only test seams)."""
    with legacy_entry("configure_dspy_with_gateway", f"dspy.configure(lm={_NEW_LM})"):
        lm = DSPyGatewayLM(route, gateway_uri, **seams)
        dspy.configure(lm=lm)
        return lm
