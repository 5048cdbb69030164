"""The MLflow AI Gateway backend: one HTTP POST per call, over httpx.

``GatewayBackend(config)`` calls the gateway at ``config.gateway_uri`` (else the
``MLFLOW_GATEWAY_URI`` environment variable) on one of its three APIs (``stream``/
``astream``: Server-Sent Events, :mod:`unified._backends.gateway_stream`), chosen by
``config.gateway_route``:

- ``ENDPOINTS`` (default): ``POST {uri}/endpoints/{endpoint}/invocations`` with
  ``{"messages": [...], **params}``;
- ``OPENAI``: ``POST {uri}/v1/chat/completions`` with ``{"model": endpoint, "messages":
  [...], **params}``;
- ``LEGACY``: ``POST {uri}/gateway/{endpoint}/invocations`` (the legacy backend's route).

``params`` are the request's sampling parameters over ``config.temperature`` /
``config.max_tokens``. The system prompt is sent as a first ``{"role": "system"}``
message. ``Authorization: Bearer <gateway_api_key>`` is sent when a key is configured.

**Endpoint name rule**: ``config.gateway_endpoint`` when set; otherwise derived from
``config.model``: the part after the last ``/`` (``gateway/chat`` -> ``chat``), and a
Bedrock model id with a friendly name becomes that name
(``anthropic.claude-3-sonnet-20240229-v1:0`` -> ``claude-3-sonnet``, the legacy route).

**Errors** (one attempt; httpx never retries here): HTTP statuses map through
:func:`unified._classify.error_for_status` (429 -> ``RateLimitError`` with the
``Retry-After`` seconds or HTTP-date, 5xx -> ``ServerError``, 504 -> ``TimeoutError``,
400 -> ``BadRequestError``, 401/403 -> ``AuthError``, 404 -> ``NotFoundError``). httpx
timeouts -> ``TimeoutError``; refused/reset connections and protocol errors ->
``ConnectionError``. A 2xx answer that is not JSON, or lacks ``choices[0].message.content``
(a string), -> ``ServerError`` (transient): the request was accepted, so a broken body is
the server's fault and may not repeat; the gateway itself answers 500 for such upstream
bodies. Empty content and ``finish_reason="length"`` are normal responses: judging them
is the validation layer's job.

One connection pool per backend (sync and async clients, created on first use, keep-alive),
timeout ``config.timeout_seconds``. No key, header value or credential appears in
``repr``, ``get_info()``, log records or error messages.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import httpx

from .._classify import error_for_status
from .._config import GatewayRoute, UnifiedConfig
from .._environment import Environment, environment
from .._errors import ConfigError, ConnectionError, ServerError, TimeoutError
from .._types import BackendIdentity, LMRequest, LMResponse
from .base import BaseBackend, Capabilities
from .bedrock_models import friendly_name
from .common import (
    error_detail,
    parse_retry_after,
    redact,
    request_id_from,
    safe_url,
    sampling_params,
)
from .gateway_stream import GatewayStreaming, _dropped_after
from .openai_answer import answer_logprobs, answer_parts, answer_usage
from .openai_wire import openai_extras, openai_messages
from .wire_support import declared_capabilities, needs_mapping, refuse_details, with_answer

__all__ = ["GatewayBackend", "endpoint_for_model"]

log = logging.getLogger(__name__)
_PLAIN_USAGE = {"prompt_tokens", "completion_tokens", "total_tokens"}
_USER_AGENT = "unified-dspy/0.1 (gateway backend)"


_MAX_CONNECTIONS = 32


def endpoint_for_model(model: str) -> str:
    """The gateway endpoint name derived from a model string (rule in the module doc)."""
    name = model.rsplit("/", 1)[-1]
    return friendly_name(name) or name


class GatewayBackend(GatewayStreaming, BaseBackend):
    """MLflow AI Gateway over HTTP (see module docstring).

    ``transport``/``async_transport`` replace httpx's network transports (tests use
    ``httpx.MockTransport``); ``environ`` (a mapping or an
    :class:`~unified._environment.Environment`) replaces the process environment when
    the config is resolved (``MLFLOW_GATEWAY_URI`` fills an unset ``gateway_uri``).
    """

    kind = "gateway"

    def __init__(self, config: UnifiedConfig, *,
                 environ: Mapping[str, str] | Environment | None = None,
                 transport: httpx.BaseTransport | None = None,
                 async_transport: httpx.AsyncBaseTransport | None = None) -> None:
        config = environment(environ).resolve(config)
        uri = config.gateway_uri
        if not uri:
            raise ConfigError("gateway backend needs config.gateway_uri or MLFLOW_GATEWAY_URI",
                              field="gateway_uri", value=None)
        if not uri.startswith(("http://", "https://")):
            raise ConfigError.for_field("gateway_uri", safe_url(uri), "an http(s) URL")
        self.config = config
        self.uri = uri.rstrip("/")
        self.route = config.gateway_route
        self.endpoint_name = config.gateway_endpoint or endpoint_for_model(config.model)
        self.timeout = config.timeout_seconds
        self._api_key = config.gateway_api_key
        self._transport = transport
        self._async_transport = async_transport
        self._client: httpx.Client | None = None
        self._aclient: httpx.AsyncClient | None = None
        self._aclient_loop: asyncio.AbstractEventLoop | None = None
        self._aslots: asyncio.Semaphore | None = None
        self._lock = threading.Lock()

    # -- wire format ------------------------------------------------------------------
    @property
    def path(self) -> str:
        """The invocation path for the configured route and endpoint."""
        name = quote(self.endpoint_name, safe="")
        if self.route is GatewayRoute.OPENAI:
            return "/v1/chat/completions"
        if self.route is GatewayRoute.LEGACY:
            return f"/gateway/{name}/invocations"
        return f"/endpoints/{name}/invocations"

    @property
    def url(self) -> str:
        """The full invocation URL (may carry user info; shown only through ``safe_url``)."""
        return self.uri + self.path

    #: MLflow's gateway validates every route (``/endpoints``, ``/gateway`` and its
    #: OpenAI-compatible ``/v1/chat/completions``) with one chat schema: no file parts,
    #: and its answers drop reasoning content and logprobs. A gateway that passes
    #: OpenAI's format through declares more with ``config.capabilities_override``.
    @property
    def wire(self) -> str:
        """``mlflow-chat``, or ``openai-chat`` when ``capabilities_override`` says the
        gateway passes OpenAI's format through."""
        return "mlflow-chat" if self.config.capabilities_override is None else "openai-chat"

    def payload(self, request: LMRequest) -> dict[str, Any]:
        """The JSON body sent for ``request`` (parts, tools, … mapped by
        :mod:`unified._backends.openai_wire`; plain text takes the fast path)."""
        defaults = {"temperature": self.config.temperature,
                    "max_tokens": self.config.max_tokens}
        params = sampling_params(defaults, request.params)
        if needs_mapping(request):
            refuse_details(request, self.wire, backend=self.kind, model=self.config.model)
            body: dict[str, Any] = {"messages": openai_messages(request),
                                    **openai_extras(request, params)}
        else:
            body = {"messages": request.chat_messages(), **params}
        if self.route is GatewayRoute.OPENAI:
            body = {"model": self.endpoint_name, **body}
        return body

    def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "Accept": "application/json",
                   "User-Agent": _USER_AGENT}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        return headers

    # -- clients ----------------------------------------------------------------------
    def _client_kwargs(self) -> dict[str, Any]:
        return {"timeout": httpx.Timeout(self.timeout), "headers": self._headers(),
                "follow_redirects": False,
                "limits": httpx.Limits(max_connections=_MAX_CONNECTIONS,
                                       max_keepalive_connections=16)}

    def _sync_client(self) -> httpx.Client:
        with self._lock:
            if self._client is None:
                transport = self._transport or httpx.HTTPTransport(retries=0)
                self._client = httpx.Client(transport=transport, **self._client_kwargs())
            return self._client

    def _async_client(self) -> httpx.AsyncClient:
        loop = asyncio.get_running_loop()
        with self._lock:
            if self._aclient is None or self._aclient_loop is not loop:
                transport = self._async_transport or httpx.AsyncHTTPTransport(retries=0)
                self._aclient = httpx.AsyncClient(transport=transport, **self._client_kwargs())
                self._aclient_loop = loop
                self._aslots = asyncio.Semaphore(_MAX_CONNECTIONS)
            return self._aclient

    # -- calls ------------------------------------------------------------------------
    def complete(self, request: LMRequest) -> LMResponse:
        """One POST to the gateway; errors mapped onto :mod:`unified._errors`."""
        try:
            with self._sync_client().stream("POST", self.url,
                                            json=self.payload(request)) as response:
                if not _dropped_after(response):
                    response.read()
        except httpx.TransportError as exc:
            raise self._transport_error(exc) from exc
        return self._parse(request, response)

    async def acomplete(self, request: LMRequest) -> LMResponse:
        """Async variant of :meth:`complete` (its own async connection pool).

        At most as many calls as the pool has connections are handed to httpx at once;
        the others wait on a semaphore: httpcore's pool scans its whole queue on every
        event, so 500 queued requests cost it seconds of CPU (measured)."""
        client = self._async_client()
        try:
            async with self._aslots:  # type: ignore[union-attr]
                async with client.stream("POST", self.url,
                                         json=self.payload(request)) as response:
                    if not _dropped_after(response):
                        await response.aread()
        except httpx.TransportError as exc:
            raise self._transport_error(exc) from exc
        return self._parse(request, response)

    def _secrets(self) -> tuple[str | None, ...]:
        return (self._api_key,)

    def _transport_error(self, exc: httpx.TransportError) -> Exception:
        endpoint = safe_url(self.url)
        detail = redact(f"{type(exc).__name__}: {exc}", self._secrets())
        context: dict[str, Any] = {"backend": self.kind, "endpoint": endpoint}
        log.debug("gateway call to %s failed: %s", endpoint, detail)
        if isinstance(exc, httpx.TimeoutException):
            return TimeoutError(f"gateway: no answer from {endpoint} within {self.timeout:g} s "
                                f"({detail})", **context)
        return ConnectionError(f"gateway: connection to {endpoint} failed ({detail})", **context)

    def _parse(self, request: LMRequest, response: httpx.Response) -> LMResponse:
        endpoint = safe_url(self.url)
        request_id = request_id_from(response.headers)
        status = response.status_code
        if not 200 <= status < 300:
            content_type = response.headers.get("content-type", "")
            detail = redact(error_detail(response.content, content_type)
                            if response.is_stream_consumed else _unread_detail(response),
                            self._secrets())
            retry_after = parse_retry_after(response.headers.get("retry-after"))
            log.debug("gateway %s answered HTTP %s", endpoint, status)
            raise error_for_status(status, detail, backend=self.kind, endpoint=endpoint,
                                   request_id=request_id, retry_after=retry_after)
        try:
            body = response.json()
            choice = body["choices"][0]
            message = choice["message"]
            parts = answer_parts(message)
            text = message["content"]
            if not isinstance(text, str) and not (text is None and parts):
                raise TypeError("content is not a string")
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            kind = response.headers.get("content-type", "unknown content type")
            raise ServerError(f"gateway: malformed response from {endpoint} (HTTP {status}, "
                              f"{kind}): expected JSON with choices[0].message.content "
                              f"({type(exc).__name__})", backend=self.kind, endpoint=endpoint,
                              status=status, request_id=request_id) from None
        usage = body.get("usage") or {}
        base = self.response(request, text if isinstance(text, str) else "",
                             finish_reason=choice.get("finish_reason") or "stop",
                             input_tokens=_int_or_none(usage.get("prompt_tokens")),
                             output_tokens=_int_or_none(usage.get("completion_tokens")),
                             raw=body)
        if not (parts or usage.keys() - _PLAIN_USAGE or choice.get("logprobs")):
            return base
        return with_answer(base, parts=parts, logprobs=answer_logprobs(choice),
                           usage=answer_usage(usage, estimate=(base.usage.input_tokens,
                                                               base.usage.output_tokens)))

    # -- the rest of the seam ---------------------------------------------------------
    def capabilities(self) -> Capabilities:
        """What the route's wire carries (README: what each backend carries), or
        ``config.capabilities_override`` for an endpoint whose upstream carries less."""
        return declared_capabilities(self.config, self.wire)

    def identity(self) -> BackendIdentity:
        """``gateway`` + the invocation URL (no credentials) and endpoint name + the model.

        On the OpenAI-compatible route the endpoint name is not in the URL but in the
        body (``model=<endpoint>``), so it is appended (``…/v1/chat/completions#<name>``):
        two endpoints behind one URL must never share cache entries.
        """
        url = safe_url(self.url)
        if self.route is GatewayRoute.OPENAI:
            url = f"{url}#{self.endpoint_name}"
        return BackendIdentity(self.kind, url, self.config.model)

    def get_info(self) -> dict[str, Any]:
        """Identity plus route, endpoint name, timeout and whether a key is set."""
        return {**self.identity().to_dict(), "route": self.route.value,
                "gateway_endpoint": self.endpoint_name, "timeout_seconds": self.timeout,
                "auth": "bearer" if self._api_key else None}

    def health(self) -> dict[str, Any]:
        """``GET {uri}/health``: ok when it answers 200; never raises."""
        target = safe_url(self.uri + "/health")
        try:
            response = self._sync_client().get(self.uri + "/health")
        except httpx.HTTPError as exc:
            return {"ok": False, "detail": f"{target}: {type(exc).__name__}"}
        return {"ok": response.status_code == 200,
                "detail": f"{target}: HTTP {response.status_code}"}

    def close(self) -> None:
        """Close both connection pools (the async one best-effort, outside its loop)."""
        with self._lock:
            client, aclient = self._client, self._aclient
            self._client = self._aclient = self._aclient_loop = None
        if client is not None:
            client.close()
        if aclient is not None:
            _close_async(aclient)

    async def aclose(self) -> None:
        """Close both pools from inside an event loop."""
        with self._lock:
            aclient = self._aclient
            self._aclient = self._aclient_loop = None
        if aclient is not None:
            await aclient.aclose()
        self.close()

    def __repr__(self) -> str:
        return (f"GatewayBackend(uri={safe_url(self.uri)!r}, route={self.route.value!r}, "
                f"endpoint={self.endpoint_name!r})")


def _unread_detail(response: httpx.Response) -> str:
    """The summary of a body left unread (as :func:`error_detail` gives for non-JSON)."""
    kind = response.headers.get("content-type", "").split(";", 1)[0].strip()
    size = response.headers.get("content-length", "unknown")
    return f"non-JSON body ({kind or 'unknown content type'}, {size} bytes)"


def _int_or_none(value: Any) -> int | None:
    return int(value) if isinstance(value, (int, float)) else None


def _close_async(client: httpx.AsyncClient) -> None:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        try:
            asyncio.run(client.aclose())
        except Exception:  # noqa: BLE001 - connections bound to a finished loop
            log.debug("async gateway client closed without its event loop")
        return
    asyncio.get_running_loop().create_task(client.aclose())
