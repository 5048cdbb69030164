"""Legacy ``dspy_gateway_backend``: DSPy through the TidyLLM/MLflow gateway (spec section 2).

[chosen] decisions followed exactly: none are tagged [chosen] in section 2; every [doc]
item (config defaults, URL, body, headers, ``max_retries`` tries in all with
``2 ** attempt`` sleeps, the fallback dict, response-text rule, the memory cache,
``get_metrics`` keys, the flattened single user message, ``RuntimeError`` on fallback,
``configure_dspy_with_gateway``) is built as written.

Decided here (the spec is silent):
- Retried: every ``httpx.TransportError`` (connection errors *and* timeouts) and HTTP
  5xx. A 4xx answer or a non-JSON / non-object body is not retried: it ends in the
  fallback dict at once. ``max_retries < 1`` still makes one try.
- The request body is serialised with ``json.dumps`` (default separators) and sent with
  ``timeout=config.timeout``; httpx adds its usual transport headers (Host, Accept, …).
- The memory cache holds successful answers only, keyed by
  ``(route, canonical JSON of the body)``; it keeps the newest ``cache_size`` (256)
  entries. A hit still counts in ``total_requests`` and returns a copy.
- ``get_metrics()["endpoints_used"]`` is the sorted list of distinct routes queried.
- ``DSPyGatewayLM.model`` is ``"gateway/<route>"``; its backend uses the route given.
  Of the DSPy call's keyword arguments only explicit, non-None ``temperature`` and
  ``max_tokens`` are forwarded (as body params overriding the config's); a bare prompt
  string is flattened as one user message (``"User: <prompt>"``). The LM records each
  ``(flattened prompt, answer text)`` in ``.exchanges`` (last 64), which the simple
  wrapper uses for cost tracking. A malformed answer (no text) raises ``RuntimeError``.
- dspy 3.4 deprecates ``forward()``-based ``BaseLM`` subclasses and warns per call; see
  :mod:`harness.legacy._lm_base` for how that one warning is silenced for these LMs.

Test seams (keyword-only): ``http_client`` (an ``httpx.Client``, e.g. over
``httpx.MockTransport``), ``sleep``, ``now`` (fallback timestamps), ``cache_size``;
``DSPyGatewayLM(..., backend=...)`` shares a backend.
"""

from __future__ import annotations

import copy
import json
import logging
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import dspy
import httpx

from ._lm_base import (
    LegacyForwardLM,
    call_params,
    completion_response,
    flatten_messages,
    prompt_messages,
)

__all__ = ["DEFAULT_GATEWAY_URI", "FALLBACK_CONTENT", "DSPyGatewayConfig", "DSPyGatewayLM",
           "TidyLLMGatewayBackend", "configure_dspy_with_gateway", "extract_content",
           "flatten_messages"]

logger = logging.getLogger(__name__)

DEFAULT_GATEWAY_URI = "http://localhost:5000"
FALLBACK_CONTENT = "I apologize, but I'm temporarily unavailable..."
USER_AGENT = "TidyLLM-Gateway/1.0"


@dataclass
class DSPyGatewayConfig:
    """Where and how the backend calls the gateway."""

    gateway_uri: str = DEFAULT_GATEWAY_URI
    route: str = "claude-3-sonnet"
    temperature: float = 0.1
    max_tokens: int = 1000
    timeout: float = 30.0
    max_retries: int = 3
    api_key: str | None = None


def extract_content(response: Mapping[str, Any]) -> str:
    """The answer text: ``response["content"]`` if present, else the first choice's
    message content. Raise ``ValueError`` when neither is there."""
    if "content" in response:
        return str(response["content"])
    try:
        return str(response["choices"][0]["message"]["content"])
    except (KeyError, IndexError, TypeError) as exc:
        raise ValueError(f"gateway response has no content: {exc!r}") from exc


class TidyLLMGatewayBackend:
    """HTTP client of the gateway's ``/gateway/<route>/invocations`` endpoint; never raises."""

    def __init__(self, config: DSPyGatewayConfig | None = None, *,
                 http_client: httpx.Client | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 now: Callable[[], datetime] = datetime.now, cache_size: int = 256) -> None:
        self.config = config or DSPyGatewayConfig()
        self._owns_client = http_client is None
        self.http_client = http_client or httpx.Client()
        self.sleep, self.now, self.cache_size = sleep, now, cache_size
        self.cache: OrderedDict[tuple[str, str], dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._total = self._failed = 0
        self._endpoints: set[str] = set()

    def url_for(self, route: str) -> str:
        """The invocation URL of ``route``."""
        return f"{self.config.gateway_uri.rstrip('/')}/gateway/{route}/invocations"

    def headers(self) -> dict[str, str]:
        """The request headers (``Authorization`` only with an API key)."""
        headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT}
        if self.config.api_key:
            headers["Authorization"] = f"Bearer {self.config.api_key}"
        return headers

    def query(self, route: str, messages: list[dict[str, Any]], **params: Any) -> dict[str, Any]:
        """POST ``messages`` to ``route``; the gateway's JSON answer, or the fallback dict
        when every try failed."""
        body = {"messages": messages, "temperature": self.config.temperature,
                "max_tokens": self.config.max_tokens, **params}
        key = (route, json.dumps(body, sort_keys=True, separators=(",", ":"), default=str))
        with self._lock:
            self._total += 1
            self._endpoints.add(route)
            if key in self.cache:
                self.cache.move_to_end(key)
                return copy.deepcopy(self.cache[key])
        answer, error = self._post(route, json.dumps(body))
        with self._lock:
            if answer is None:
                self._failed += 1
            elif self.cache_size > 0:
                self.cache[key] = copy.deepcopy(answer)
                while len(self.cache) > self.cache_size:
                    self.cache.popitem(last=False)
        return answer if answer is not None else self.fallback(route, error)

    def _post(self, route: str, payload: str) -> tuple[dict[str, Any] | None, str]:
        tries = max(1, self.config.max_retries)
        error = "no attempt made"
        for attempt in range(tries):
            retryable = True
            try:
                response = self.http_client.post(self.url_for(route), content=payload,
                                                 headers=self.headers(), timeout=self.config.timeout)
            except httpx.TransportError as exc:
                error = f"{type(exc).__name__}: {exc}"
            else:
                if response.status_code < 400:
                    try:
                        answer = response.json()
                    except ValueError:
                        answer = None
                    if isinstance(answer, dict):
                        return answer, ""
                    error, retryable = "gateway returned a non-JSON-object body", False
                else:
                    error = f"HTTP {response.status_code}: {response.text[:200]}"
                    retryable = response.status_code >= 500
            logger.warning("gateway %s try %d/%d failed: %s", route, attempt + 1, tries, error)
            if not retryable:
                break
            if attempt < tries - 1:
                self.sleep(2 ** attempt)
        return None, error

    def fallback(self, route: str, error: str) -> dict[str, Any]:
        """The dict ``query`` returns instead of raising."""
        return {"error": error, "endpoint": route, "timestamp": self.now().isoformat(),
                "fallback": True, "content": FALLBACK_CONTENT}

    def get_metrics(self) -> dict[str, Any]:
        """``total_requests``, ``failed_requests`` and the sorted ``endpoints_used``."""
        with self._lock:
            return {"total_requests": self._total, "failed_requests": self._failed,
                    "endpoints_used": sorted(self._endpoints)}

    def clear_cache(self) -> None:
        """Empty the memory cache."""
        with self._lock:
            self.cache.clear()

    def close(self) -> None:
        """Close the HTTP client if this backend created it."""
        if self._owns_client:
            self.http_client.close()


class DSPyGatewayLM(LegacyForwardLM):
    """A DSPy LM answering through :class:`TidyLLMGatewayBackend` (one flattened user message)."""

    def __init__(self, route: str = "claude-3-sonnet", gateway_uri: str | None = None, *,
                 backend: TidyLLMGatewayBackend | None = None,
                 http_client: httpx.Client | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.route = route
        self.backend = backend or TidyLLMGatewayBackend(
            DSPyGatewayConfig(gateway_uri=gateway_uri or DEFAULT_GATEWAY_URI, route=route),
            http_client=http_client, sleep=sleep)
        super().__init__(model=f"gateway/{route}", temperature=self.backend.config.temperature,
                         max_tokens=self.backend.config.max_tokens, cache=False)
        self.exchanges: deque[tuple[str, str]] = deque(maxlen=64)

    def forward(self, prompt: str | None = None, messages: list[dict[str, Any]] | None = None,
                **kwargs: Any) -> dict[str, Any]:
        """Send the flattened conversation; an OpenAI-shaped completion of the answer."""
        text = flatten_messages(prompt_messages(prompt, messages))
        answer = self.backend.query(self.route, [{"role": "user", "content": text}],
                                    **call_params(kwargs))
        if answer.get("fallback"):
            raise RuntimeError(f"gateway route {self.route!r} unavailable: {answer.get('error')}")
        try:
            content = extract_content(answer)
        except ValueError as exc:
            raise RuntimeError(str(exc)) from exc
        self.exchanges.append((text, content))
        usage = answer.get("usage")
        return completion_response(content, self.model, usage if isinstance(usage, Mapping) else None)


def configure_dspy_with_gateway(route: str = "claude-3-sonnet", gateway_uri: str | None = None, *,
                                http_client: httpx.Client | None = None,
                                sleep: Callable[[float], None] = time.sleep) -> DSPyGatewayLM:
    """Create a :class:`DSPyGatewayLM`, make it DSPy's global LM and return it."""
    lm = DSPyGatewayLM(route, gateway_uri, http_client=http_client, sleep=sleep)
    dspy.configure(lm=lm)
    return lm
