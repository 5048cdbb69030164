"""The telemetry layer: OpenTelemetry GenAI spans and metrics of every call (optional).

Built by :meth:`Telemetry.for_config` only when ``UnifiedConfig.telemetry.enabled`` is
set (``opentelemetry-api`` is imported then and not before); with telemetry off the
pipeline holds no trace of this module and a call does no extra work.

Two layers of the stack (:func:`unified._stack.build_stack`): :class:`Traced`, outermost
(``Traced(Metered(...))``, so it sees the call's finished
:class:`~unified._trace.CallTrace`), and :class:`Attempted` around each backend inside
its retry loop (``Checked(Retrying(Attempted(backend)))``). Per call:

- one ``CLIENT`` span ``chat <model>`` following the OpenTelemetry GenAI semantic
  conventions: ``gen_ai.operation.name``, ``gen_ai.system`` (and its newer name
  ``gen_ai.provider.name``), ``gen_ai.request.model``, ``gen_ai.request.temperature`` /
  ``max_tokens`` / ``top_p``, ``gen_ai.response.model``,
  ``gen_ai.response.finish_reasons``, ``gen_ai.usage.input_tokens`` /
  ``output_tokens``, ``error.type``; plus the wrapper's own ``unified.*`` attributes:
  backend kind and endpoint, the backend that answered (kind, endpoint, model),
  attempts, retries and their waits (a fallback's first try is no retry), cache
  outcome, fallback used, validation reason code;
- one child span ``attempt <kind>`` per backend attempt (the retry loop calls the
  backend through :class:`Attempted`), naming the backend tried (kind, endpoint,
  model), with ``error.type`` on a failed one;
- the metrics ``gen_ai.client.operation.duration`` (s) and
  ``gen_ai.client.token.usage`` (histograms), ``unified.client.cache.hits`` /
  ``.misses`` and ``unified.client.retries`` (counters), labelled by backend and model;
- inside an MLflow trace (``mlflow.dspy.autolog()`` or ``mlflow.start_span``), an
  MLflow ``LLM`` span with the same attributes (see :mod:`._mlflow_bridge`).

Prompt and completion text are recorded (``gen_ai.input.messages``,
``gen_ai.system_instructions``, ``gen_ai.output.messages``) only with
``record_content=True``, after :func:`unified._errors.scrub` (the redaction
errors and logs get) removed every configured secret and anything shaped like a key.
"""

from __future__ import annotations

import contextvars
import json
import time
from collections.abc import Callable, Sequence
from typing import Any

from .._config import SECRET_FIELDS, TelemetryConfig, UnifiedConfig
from .._errors import scrub
from .._types import LMRequest, LMResponse
from . import _mlflow_bridge, _otel_setup
from .base import EMPTY_TRACE, CallRecord, Layer, trace_of
from .metrics import Metered

__all__ = ["Telemetry", "Traced", "Attempted", "call_attributes", "system_of"]

#: ``gen_ai.system`` per backend kind (the direct backend names its provider in the model).
_SYSTEMS = {"bedrock": "aws.bedrock", "gateway": "mlflow.gateway", "mock": "unified.mock"}
_REQUEST_PARAMS = ("temperature", "max_tokens", "top_p", "top_k", "seed",
                   "frequency_penalty", "presence_penalty")
#: The call running in this context: its attempt counter and, once the metered layer
#: has finished it, its record (one list per call).
_ATTEMPT_NO: contextvars.ContextVar[list[Any] | None] = contextvars.ContextVar(
    "unified_telemetry_attempt", default=None)


def system_of(kind: str, model: str) -> str:
    """The ``gen_ai.system`` value of a backend ``kind`` serving ``model``."""
    if kind == "direct":
        return model.split("/", 1)[0] if "/" in model else "openai"
    return _SYSTEMS.get(kind, kind)


def request_attributes(request: LMRequest, kind: str, endpoint: str) -> dict[str, Any]:
    """The span attributes known before the call: operation, system, request params."""
    system = system_of(kind, request.model)
    attrs: dict[str, Any] = {
        "gen_ai.operation.name": "chat", "gen_ai.system": system,
        "gen_ai.provider.name": system, "gen_ai.request.model": request.model,
        "unified.backend.kind": kind, "unified.backend.endpoint": endpoint,
    }
    for name in _REQUEST_PARAMS:
        value = request.params.get(name)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            attrs[f"gen_ai.request.{name}"] = value
    stop = request.params.get("stop")
    if stop:
        attrs["gen_ai.request.stop_sequences"] = [str(s) for s in stop]
    return attrs


def call_attributes(record: CallRecord) -> dict[str, Any]:
    """The span attributes known after the call, from its finished record."""
    attrs: dict[str, Any] = {
        "unified.attempts": len(record.attempts), "unified.retries": record.retries,
        "unified.retry.waits": [a.delay_before for a in record.attempts if a.retry],
        "unified.retry.sleep_s": record.retry_sleep, "unified.cache": record.cache,
        "unified.fallback_used": record.fallback_used,
    }
    if record.validation is not None:
        attrs["unified.validation"] = record.validation
    if record.answered_by is not None:
        attrs["unified.answered_by.kind"] = record.answered_by.kind
        attrs["unified.answered_by.endpoint"] = record.answered_by.endpoint
        attrs["unified.answered_by.model"] = record.answered_by.model
    response = record.response
    if response is not None:
        attrs["gen_ai.response.finish_reasons"] = [response.finish_reason]
        attrs["gen_ai.usage.input_tokens"] = response.usage.input_tokens
        attrs["gen_ai.usage.output_tokens"] = response.usage.output_tokens
        if response.model:
            attrs["gen_ai.response.model"] = response.model
    if record.error is not None:
        attrs["error.type"] = type(record.error).__name__
    return attrs


def config_secrets(config: UnifiedConfig) -> tuple[str, ...]:
    """Every secret value configured on ``config`` and its fallbacks."""
    values = [getattr(c, name) for c in (config, *config.fallbacks) for name in SECRET_FIELDS]
    return tuple(sorted({v for v in values if v}, key=len, reverse=True))


class Telemetry:
    """Spans and metrics around one pipeline (see module docstring)."""

    def __init__(self, config: TelemetryConfig, *, identity: Any,
                 secrets: Sequence[str]) -> None:
        self.config = config
        self.identity = identity
        self._secrets = tuple(secrets)
        self._otel = _otel_setup.OTel.for_config(config)
        self._instruments = self._otel.instruments() if config.metrics else None

    @classmethod
    def for_config(cls, config: UnifiedConfig, primary: Any) -> Telemetry | None:
        """The telemetry of ``config`` around the ``primary`` backend, or None when it
        is off (the only check made: a call then does no extra work)."""
        if not config.telemetry.enabled:
            return None
        return cls(config.telemetry, identity=primary.identity(),
                   secrets=config_secrets(config))

    # -- content -------------------------------------------------------------------
    def _text(self, value: str) -> str:
        return scrub(value, self._secrets)

    def _parts(self, parts: Any, text: str | None) -> list[dict[str, Any]]:
        """The conventions' message parts: text (scrubbed) and reasoning as text; any
        other part (media, tool call) by its type only, never its payload."""
        if not parts:
            return [{"type": "text", "content": self._text(text or "")}]
        out: list[dict[str, Any]] = []
        for part in parts:
            kind = getattr(part, "type", type(part).__name__)
            body = getattr(part, "text", None)
            if kind in ("text", "thinking", "reasoning") and isinstance(body, str):
                out.append({"type": "text" if kind == "text" else "reasoning",
                            "content": self._text(body)})
            else:
                out.append({"type": str(kind)})
        return out

    def _content_in(self, request: LMRequest) -> dict[str, Any]:
        messages = [{"role": m.role, "parts": self._parts(m.parts, None)}
                    for m in request.messages]
        out: dict[str, Any] = {"gen_ai.input.messages": json.dumps(messages)}
        system = request.system_text
        if system:
            out["gen_ai.system_instructions"] = json.dumps(self._parts(None, system))
        return out

    def _content_out(self, response: LMResponse) -> dict[str, Any]:
        message = {"role": "assistant", "finish_reason": response.finish_reason,
                   "parts": self._parts(getattr(response, "parts", None), response.text)}
        return {"gen_ai.output.messages": json.dumps([message])}

    # -- one call ----------------------------------------------------------------
    def begin(self, request: LMRequest) -> tuple[Any, dict[str, Any], Any, Any]:
        """Open the call's span (and MLflow span): ``(span context, attrs, mlflow span,
        attempt-counter token)``."""
        attrs = request_attributes(request, self.identity.kind, self.identity.endpoint)
        if self.config.record_content:
            attrs.update(self._content_in(request))
        name = f"chat {request.model}"
        mlflow_span = _mlflow_bridge.start(name, attrs)
        token = _ATTEMPT_NO.set([0, None])
        context = self._otel.tracer.start_as_current_span(
            name, kind=self._otel.span_kind_client, attributes=attrs,
            record_exception=False, set_status_on_exception=False)
        return context, attrs, mlflow_span, token

    def end(self, span: Any, attrs: dict[str, Any], mlflow_span: Any, token: Any,
            record: CallRecord) -> None:
        """Close the call: the finished record's attributes, the metrics, MLflow."""
        _ATTEMPT_NO.reset(token)
        done = call_attributes(record)
        if self.config.record_content and record.response is not None:
            done.update(self._content_out(record.response))
        span.set_attributes(done)
        if record.error is not None:
            self._otel.set_error(span, record.error)
        self._measure(attrs, done, record)
        _mlflow_bridge.end(mlflow_span, done, record.error)

    def _measure(self, before: dict[str, Any], after: dict[str, Any],
                 record: CallRecord) -> None:
        instruments = self._instruments
        if instruments is None:
            return
        labels = {k: before[k] for k in ("gen_ai.operation.name", "gen_ai.system",
                                         "gen_ai.request.model", "unified.backend.kind")}
        if "error.type" in after:
            labels["error.type"] = after["error.type"]
        instruments.duration.record(record.latency, labels)
        if record.response is not None:
            for kind, count in (("input", record.response.usage.input_tokens),
                                ("output", record.response.usage.output_tokens)):
                instruments.tokens.record(count, {**labels, "gen_ai.token.type": kind})
        if record.cache in ("hit", "miss"):
            counter = instruments.cache_hits if record.cache == "hit" else instruments.cache_misses
            counter.add(1, labels)
        if record.retries:
            instruments.retries.add(record.retries, labels)

    def close(self) -> None:
        """Flush and shut down providers the wrapper built itself (never the app's)."""
        self._otel.shutdown()


class Traced(Layer):
    """The outermost layer: a span, metrics and (in an MLflow trace) an MLflow span per
    call, read from the call's trace (see module docstring)."""

    stream_through = True

    def __init__(self, inner: Any, telemetry: Telemetry, *,
                 clock: Callable[[], float] = time.perf_counter) -> None:
        super().__init__(inner)
        self.telemetry = telemetry
        self._clock = clock
        if isinstance(inner, Metered):
            inner.on_record = _heard


    def _finish(self, opened: tuple[Any, dict[str, Any], Any, Any], span: Any,
                request: LMRequest, start: float, response: LMResponse | None,
                error: BaseException | None) -> None:
        call = _ATTEMPT_NO.get()
        record = call[1] if call is not None else None
        if record is None:     # no metered layer inside: the record of our own
            trace = (response.trace or EMPTY_TRACE) if response is not None else trace_of(
                error) if error is not None else EMPTY_TRACE
            record = CallRecord(request, trace, self._clock() - start, response, error)
        self.telemetry.end(span, opened[1], opened[2], opened[3], record)

    def complete(self, request: LMRequest) -> LMResponse:
        """One call in its span."""
        opened = self.telemetry.begin(request)
        start = self._clock()
        with opened[0] as span:
            try:
                response: LMResponse = self.inner.complete(request)
            except Exception as exc:
                self._finish(opened, span, request, start, None, exc)
                raise
            self._finish(opened, span, request, start, response, None)
            return response

    async def acomplete(self, request: LMRequest) -> LMResponse:
        """Async variant of :meth:`complete`."""
        opened = self.telemetry.begin(request)
        start = self._clock()
        with opened[0] as span:
            try:
                response: LMResponse = await self.inner.acomplete(request)
            except Exception as exc:
                self._finish(opened, span, request, start, None, exc)
                raise
            self._finish(opened, span, request, start, response, None)
            return response

    def close(self) -> None:
        """Flush the telemetry the wrapper built, then close the wrapped stack."""
        self.telemetry.close()
        self.inner.close()


def _heard(record: CallRecord) -> None:
    """The metered layer's record of the call running in this context."""
    call = _ATTEMPT_NO.get()
    if call is not None:
        call[1] = record


class Attempted(Layer):
    """One backend whose every call (one attempt of the retry loop around it) runs in
    an ``attempt <kind>`` child span."""

    stream_through = True

    def __init__(self, inner: Any, telemetry: Telemetry) -> None:
        super().__init__(inner)
        self._otel = telemetry._otel
        identity = inner.identity()
        self._name = f"attempt {identity.kind}"
        self._attrs = {"unified.backend.kind": identity.kind,
                       "unified.backend.endpoint": identity.endpoint,
                       "unified.backend.model": identity.model}

    def _span(self) -> Any:
        counter = _ATTEMPT_NO.get()
        number = 1
        if counter is not None:
            counter[0] += 1
            number = counter[0]
        return self._otel.tracer.start_as_current_span(
            self._name, attributes={**self._attrs, "unified.attempt": number},
            record_exception=False, set_status_on_exception=False)

    def _failed(self, span: Any, exc: Exception) -> None:
        span.set_attribute("error.type", type(exc).__name__)
        self._otel.set_error(span, exc)

    def complete(self, request: LMRequest) -> LMResponse:
        """One attempt of the wrapped backend, in its own span."""
        with self._span() as span:
            try:
                response: LMResponse = self.inner.complete(request)
            except Exception as exc:
                self._failed(span, exc)
                raise
            span.set_attribute("gen_ai.response.finish_reasons", [response.finish_reason])
            return response

    async def acomplete(self, request: LMRequest) -> LMResponse:
        """Async variant of :meth:`complete`."""
        with self._span() as span:
            try:
                response: LMResponse = await self.inner.acomplete(request)
            except Exception as exc:
                self._failed(span, exc)
                raise
            span.set_attribute("gen_ai.response.finish_reasons", [response.finish_reason])
            return response
