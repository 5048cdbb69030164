"""Legacy ``dspy_enhanced``: the enhanced DSPy wrapper (spec legacy-patterns.md section 1).

Retry, file cache, output validation, batch, chain and metrics around ``dspy.Predict``.

[chosen] decisions followed exactly: ``RetryConfig.max_delay=60.0``; delay before retry k
is ``min(base_delay * backoff_factor ** (k - 1), max_delay)`` without jitter; cache key =
canonical JSON (sorted keys, no spaces) of ``{"signature", "inputs", "model"}``; the
validated text is the output fields' string values joined by newlines in signature
order; a failed validation raises :class:`ValidationError`, is counted and not cached;
``custom_validators`` default ``()``.

Decided here (the spec is silent):
- Error classification lives in :func:`is_retryable_error` (see there). Unknown errors
  are not retried.
- Metrics: a cache hit counts as a successful request and is timed; a validation
  failure counts in ``validation_failures`` and ``failed_requests``; ``cache_hits`` and
  ``cache_misses`` are counted only while the module's cache is enabled. Each
  ``track_*`` flag of :class:`MetricsConfig` switches its counters off;
  ``enabled=False`` records nothing.
- The model id in the cache key is the ``.model`` of the module's LM (the module's own,
  else the wrapper's, else the globally configured one) or ``"default"``.
- Presets are module-level functions returning the wrapper's keyword arguments, used as
  ``DSPyEnhancedWrapper(**production(), lm=lm)``. ``debug`` only raises the log level of
  the wrapper's messages from DEBUG to INFO.
- ``chain`` passes each module only its own input fields out of the merged values and
  returns the last module's prediction.
- A cache entry that cannot be written (unserialisable output, read-only dir) is logged
  and skipped.

The file cache and the metrics counters live in :mod:`harness.legacy._enhanced_store`
(re-exported here) only to keep files small.

Test seams (keyword-only, defaults = real behavior): ``sleep``, ``now`` (cache
timestamps and ``last_updated``), ``timer`` (response times), ``metrics_config``,
``debug``; ``create_module(..., lm=...)`` gives one module its own LM.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import dspy
import httpx

from ._enhanced_store import MetricsConfig, MetricsRecorder, ResponseCache, canonical_json

__all__ = [
    "DEFAULT_MODEL", "SECURITY_FORBIDDEN_KEYWORDS", "CacheConfig", "DSPyEnhancedWrapper",
    "EnhancedModule", "MetricsConfig", "ResponseCache", "RetryConfig", "ValidationConfig",
    "ValidationError", "canonical_json", "compliance", "development", "is_retryable_error",
    "production", "signature_text",
]

logger = logging.getLogger(__name__)

DEFAULT_MODEL = "anthropic.claude-3-sonnet-20240229-v1:0"
SECURITY_FORBIDDEN_KEYWORDS: tuple[str, ...] = (
    "<script>", "javascript:", "eval(", "exec(", "__import__", "'; DROP TABLE", "../", "${jndi:",
)
RETRYABLE_STATUS_CODES = frozenset({429, 500, 502, 503, 504})
RETRYABLE_AWS_CODES = frozenset({"ThrottlingException", "ServiceUnavailableException",
                                 "ModelTimeoutException"})
RETRYABLE_ERROR_NAMES = RETRYABLE_AWS_CODES | frozenset({
    "Timeout", "APITimeoutError", "APIConnectionError", "RateLimitError", "InternalServerError",
    "ServiceUnavailableError", "BadGatewayError", "EndpointConnectionError", "ConnectTimeoutError",
    "ReadTimeoutError", "LMTransportError", "LMTimeoutError", "LMRateLimitError", "LMServerError",
})

Validator = Callable[[str], bool]


@dataclass
class RetryConfig:
    """Retry policy: ``max_retries + 1`` attempts with exponential backoff."""

    max_retries: int = 3
    base_delay: float = 1.0
    backoff_factor: float = 2.0
    max_delay: float = 60.0

    def delay(self, retry_number: int) -> float:
        """Seconds to wait before retry ``retry_number`` (1, 2, …)."""
        return min(self.base_delay * self.backoff_factor ** (retry_number - 1), self.max_delay)


@dataclass
class CacheConfig:
    """File cache settings; note the legacy field is ``ttl`` (seconds)."""

    enabled: bool = True
    ttl: int = 3600
    cache_dir: str = ".tidydspy_cache"


@dataclass
class ValidationConfig:
    """Output validation rules, checked in the order of the fields."""

    min_length: int | None = None
    max_length: int | None = None
    required_keywords: list[str] | None = None
    forbidden_keywords: list[str] | None = None
    custom_validators: Sequence[Validator] = ()

    def validate(self, text: str) -> tuple[bool, str]:
        """Return ``(ok, reason)``; the first failing check names the reason."""
        lowered = text.lower()
        if self.min_length is not None and len(text) < self.min_length:
            return False, "too_short"
        if self.max_length is not None and len(text) > self.max_length:
            return False, "too_long"
        if self.required_keywords and not all(k.lower() in lowered for k in self.required_keywords):
            return False, "missing_required_keywords"
        if self.forbidden_keywords and any(k.lower() in lowered for k in self.forbidden_keywords):
            return False, "contains_forbidden_keywords"
        if not all(check(text) for check in self.custom_validators):
            return False, "custom_validator_failed"
        return True, "all_validations_passed"


class ValidationError(Exception):
    """An answer failed validation; ``reason`` is the validation code."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def development() -> dict[str, Any]:
    """Preset: debug on, one retry, cache on, no validation."""
    return {"retry_config": RetryConfig(max_retries=1), "cache_config": CacheConfig(),
            "validation_config": ValidationConfig(), "debug": True}


def production() -> dict[str, Any]:
    """Preset: three retries, cache on, validation not strict (no rules)."""
    return {"retry_config": RetryConfig(max_retries=3), "cache_config": CacheConfig(),
            "validation_config": ValidationConfig(), "debug": False}


def compliance() -> dict[str, Any]:
    """Preset: five retries, cache on, strict validation (non-empty, security keywords)."""
    return {"retry_config": RetryConfig(max_retries=5), "cache_config": CacheConfig(),
            "validation_config": ValidationConfig(
                min_length=1, forbidden_keywords=list(SECURITY_FORBIDDEN_KEYWORDS)),
            "debug": False}


def _status_code(exc: BaseException) -> int | None:
    for candidate in (getattr(exc, "status_code", None), getattr(exc, "status", None),
                      getattr(getattr(exc, "response", None), "status_code", None)):
        if isinstance(candidate, int) and not isinstance(candidate, bool):
            return candidate
    return None


def _aws_error(exc: BaseException) -> tuple[str | None, int | None]:
    response = getattr(exc, "response", None)
    if not isinstance(response, Mapping):
        return None, None
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return response.get("Error", {}).get("Code"), status if isinstance(status, int) else None


def is_retryable_error(exc: BaseException) -> bool:
    """Whether the enhanced retry loop retries ``exc``.

    Retried: timeouts and connection errors (builtin ``TimeoutError``/``ConnectionError``,
    ``httpx.TimeoutException``/``httpx.NetworkError``), HTTP 429/500/502/503/504 (from
    ``httpx.HTTPStatusError`` or a ``.status_code``/``.status`` attribute, as litellm and
    dspy errors carry), botocore ``ClientError`` codes ``ThrottlingException``,
    ``ServiceUnavailableException`` and ``ModelTimeoutException``, and errors whose class
    name is a known transient one (e.g. ``RateLimitError``, ``ReadTimeoutError``). Not
    retried: other statuses (400, 401/403, 404, …), :class:`ValidationError` and anything
    unrecognised. A wrapper exception is judged by its ``__cause__`` when it says nothing.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ValidationError):
            return False
        code, aws_status = _aws_error(current)
        if code in RETRYABLE_AWS_CODES:
            return True
        status = _status_code(current) or aws_status
        if status is not None:
            return status in RETRYABLE_STATUS_CODES
        if isinstance(current, TimeoutError | ConnectionError | httpx.TimeoutException
                      | httpx.NetworkError):
            return True
        if type(current).__name__ in RETRYABLE_ERROR_NAMES:
            return True
        current = current.__cause__
    return False


def signature_text(signature: type[dspy.Signature]) -> str:
    """The ``"a, b -> c"`` form of a DSPy signature."""
    return f"{', '.join(signature.input_fields)} -> {', '.join(signature.output_fields)}"


class EnhancedModule:
    """A named ``dspy.Predict`` with the wrapper's retry, cache, validation and metrics."""

    def __init__(self, name: str, signature: str | type[dspy.Signature],
                 wrapper: DSPyEnhancedWrapper, retry_config: RetryConfig,
                 cache_config: CacheConfig, validation_config: ValidationConfig,
                 lm: dspy.BaseLM | None = None) -> None:
        self.name = name
        self.wrapper = wrapper
        self.retry_config = retry_config
        self.cache_config = cache_config
        self.validation_config = validation_config
        self.predictor = dspy.Predict(signature)
        self.signature = self.predictor.signature
        self.signature_text = signature_text(self.signature)
        self.input_fields = list(self.signature.input_fields)
        self.output_fields = list(self.signature.output_fields)
        self.cache = ResponseCache(cache_config.cache_dir, cache_config.ttl, now=wrapper.now)
        self._lm = lm

    @property
    def lm(self) -> dspy.BaseLM | None:
        """The LM this module calls (its own, else the wrapper's; ``None``: the global one)."""
        return self._lm if self._lm is not None else self.wrapper.lm

    def model_id(self) -> str:
        """The model id in cache keys: the LM's ``.model`` or ``"default"``."""
        lm = self.lm if self.lm is not None else dspy.settings.lm
        return str(getattr(lm, "model", None) or "default")

    def predict(self, **inputs: Any) -> dspy.Prediction:
        """Run the module on keyword inputs; raise the last error when every attempt failed."""
        metrics, start = self.wrapper.metrics, self.wrapper.timer()
        metrics.add("total_requests")
        key = ResponseCache.make_key(self.signature_text, inputs, self.model_id())
        if self.cache_config.enabled:
            cached = self.cache.get(key)
            if cached is not None:
                metrics.add("cache_hits")
                metrics.add("successful_requests", elapsed=self.wrapper.timer() - start)
                self.wrapper.log("%s: cache hit", self.name)
                return dspy.Prediction(**cached)
            metrics.add("cache_misses")
        try:
            outputs = self._validated(self._call_with_retry(inputs))
        except Exception:
            metrics.add("failed_requests")
            raise
        metrics.add("successful_requests", elapsed=self.wrapper.timer() - start)
        if self.cache_config.enabled:
            self.cache.set(key, outputs)
        return dspy.Prediction(**outputs)

    def process(self, inputs: Mapping[str, Any]) -> dspy.Prediction:
        """:meth:`predict` taking one dict of inputs."""
        return self.predict(**inputs)

    __call__ = predict

    def _call_with_retry(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        attempts = max(1, self.retry_config.max_retries + 1)
        lm = self.lm
        for attempt in range(1, attempts + 1):
            try:
                with dspy.context(lm=lm) if lm is not None else contextlib.nullcontext():
                    prediction = self.predictor(**inputs)
                return {name: prediction[name] for name in self.output_fields}
            except Exception as exc:
                if attempt == attempts or not is_retryable_error(exc):
                    self.wrapper.log("%s: attempt %d failed, giving up: %r", self.name, attempt, exc)
                    raise
                self.wrapper.metrics.add("retry_count")
                delay = self.retry_config.delay(attempt)
                self.wrapper.log("%s: attempt %d failed (%r); retrying in %.1fs",
                                 self.name, attempt, exc, delay)
                self.wrapper.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _validated(self, outputs: dict[str, Any]) -> dict[str, Any]:
        text = "\n".join(str(outputs[name]) for name in self.output_fields)
        ok, reason = self.validation_config.validate(text)
        if not ok:
            self.wrapper.metrics.add("validation_failures")
            raise ValidationError(reason)
        return outputs


class DSPyEnhancedWrapper:
    """The enhanced wrapper: creates :class:`EnhancedModule`s sharing configs and metrics."""

    def __init__(self, retry_config: RetryConfig | None = None,
                 cache_config: CacheConfig | None = None,
                 validation_config: ValidationConfig | None = None,
                 lm: dspy.BaseLM | None = None, *,
                 metrics_config: MetricsConfig | None = None, debug: bool = False,
                 sleep: Callable[[float], None] = time.sleep,
                 now: Callable[[], datetime] = datetime.now,
                 timer: Callable[[], float] = time.perf_counter) -> None:
        self.retry_config = retry_config or RetryConfig()
        self.cache_config = cache_config or CacheConfig()
        self.validation_config = validation_config or ValidationConfig()
        self.lm = lm
        self.debug, self.sleep, self.now, self.timer = debug, sleep, now, timer
        self.metrics = MetricsRecorder(metrics_config or MetricsConfig(), now)
        self.modules: dict[str, EnhancedModule] = {}

    def log(self, message: str, *args: Any) -> None:
        """Log at INFO in debug mode, else at DEBUG."""
        logger.log(logging.INFO if self.debug else logging.DEBUG, message, *args)

    def create_module(self, name: str, signature: str | type[dspy.Signature],
                      retry_config: RetryConfig | None = None,
                      cache_config: CacheConfig | None = None,
                      validation_config: ValidationConfig | None = None, *,
                      lm: dspy.BaseLM | None = None) -> EnhancedModule:
        """Create (and register under ``name``) a module; given configs override the wrapper's."""
        module = EnhancedModule(name, signature, self, retry_config or self.retry_config,
                                cache_config or self.cache_config,
                                validation_config or self.validation_config, lm=lm)
        self.modules[name] = module
        return module

    def batch_process(self, module: EnhancedModule, inputs_list: Iterable[Mapping[str, Any]],
                      max_workers: int = 4) -> list[dspy.Prediction | Exception]:
        """Run ``module`` on each inputs dict in a thread pool; results (or the raised
        exception) in input order. Each task runs in a copy of the caller's context."""
        items = list(inputs_list)

        def run(inputs: Mapping[str, Any]) -> dspy.Prediction | Exception:
            try:
                return module.process(inputs)
            except Exception as exc:  # reported per item, as the legacy did
                return exc

        with ThreadPoolExecutor(max_workers=max_workers) as pool:
            futures = [pool.submit(contextvars.copy_context().run, run, item) for item in items]
            return [future.result() for future in futures]

    def chain(self, *modules: EnhancedModule) -> Callable[..., dspy.Prediction]:
        """A callable running ``modules`` in turn, each given its input fields out of the
        initial inputs merged with every earlier module's outputs."""
        if not modules:
            raise ValueError("chain() needs at least one module")

        def run(**inputs: Any) -> dspy.Prediction:
            values = dict(inputs)
            prediction = dspy.Prediction()
            for module in modules:
                prediction = module.predict(**{k: values[k] for k in module.input_fields if k in values})
                values.update({k: prediction[k] for k in module.output_fields})
            return prediction

        return run

    def get_metrics(self) -> dict[str, Any]:
        """The metrics dict (keys and formulas of spec section 1)."""
        return self.metrics.snapshot()

    def reset_metrics(self) -> None:
        """Zero every counter."""
        self.metrics.reset()

    def clear_cache(self) -> int:
        """Remove the wrapper cache directory's entries; return how many were removed."""
        return ResponseCache(self.cache_config.cache_dir, self.cache_config.ttl, now=self.now).clear()
