"""The harness's self-test: deliberate deviations injected into the unified code.

Each :class:`Mutant` patches one behavior of ``unified`` (or ``unified.compat``) at run
time, the way a careless change would, and names the scenarios whose parity must then
FAIL. :func:`run_mutant` runs the parity suite (``suite`` globs) under one mutant,
reusing the legacy reference observations (mutants change only unified code), and
reports which mutants were detected. ``suites/harness/parity/test_mutants.py`` asserts every
mutant is caught; the detection rate goes to ``reports/mutants.json`` and the parity
report.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

__all__ = ["Mutant", "CATALOGUE", "MutantResult", "run_mutant",
           "write_mutants_report"]

Patcher = Callable[[ExitStack], None]


@dataclass(frozen=True)
class Mutant:
    """A deliberate deviation and the scenarios that must catch it."""

    name: str
    description: str
    apply: Patcher
    expect: tuple[str, ...]
    suite: tuple[str, ...] = ("*",)


@dataclass
class MutantResult:
    """What the parity suite reported under one mutant."""

    name: str
    description: str
    expected: list[str]
    failed: list[str]

    @property
    def detected(self) -> bool:
        """Every expected scenario reported FAIL."""
        return set(self.expected) <= set(self.failed)


def _wrap(stack: ExitStack, owner: Any, name: str,
          make: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
    original = getattr(owner, name)
    stack.enter_context(mock.patch.object(owner, name, make(original)))


def _module(path: str) -> Any:
    import importlib

    return importlib.import_module(path)


def _retry_off_by_one(stack: ExitStack) -> None:
    from unified._config import RetryConfig

    stack.enter_context(mock.patch.object(RetryConfig, "attempts",
                                          property(lambda self: self.max_retries + 2)))


def _cache_key_drops_messages(stack: ExitStack) -> None:
    cache = _module("unified._features.cache")
    _wrap(stack, cache, "cache_key", lambda orig: lambda request, identity, **kw: orig(
        dataclasses.replace(request, messages=()), identity, **kw))


def _default_temperature(stack: ExitStack) -> None:
    lm = _module("unified._lm")
    _wrap(stack, lm, "build_dspy_lm", lambda orig: lambda pipeline, model, **kw: orig(
        pipeline, model, **{**kw, "temperature": kw.get("temperature") or 0.5}))


def _validation_order_swapped(stack: ExitStack) -> None:
    validation = _module("unified._features.validation")

    def make(orig: Callable[..., Any]) -> Callable[..., Any]:
        def swapped(text: str, config: Any) -> tuple[bool, str]:
            if config.forbidden_keywords and any(k.lower() in text.lower()
                                                 for k in config.forbidden_keywords):
                return False, "contains_forbidden_keywords"
            return orig(text, config)  # type: ignore[no-any-return]
        return swapped

    _wrap(stack, validation, "validate_text", make)


def _retry_after_ignored(stack: ExitStack) -> None:
    from unified._features.retry import Retrying

    stack.enter_context(mock.patch.object(
        Retrying, "delay", lambda self, k, error: self.config.backoff(k)))


def _fallback_dict_raises(stack: ExitStack) -> None:
    gateway = _module("unified.compat.dspy_gateway_backend")

    def make(orig: Callable[..., Any]) -> Callable[..., Any]:
        def query(self: Any, *args: Any, **kwargs: Any) -> Any:
            answer = orig(self, *args, **kwargs)
            if answer.get("fallback"):
                raise RuntimeError(answer["error"])
            return answer
        return query

    _wrap(stack, gateway.TidyLLMGatewayBackend, "query", make)


def _usage_not_counted(stack: ExitStack) -> None:
    from unified._backends.base import BaseBackend
    from unified._types import Usage

    _wrap(stack, BaseBackend, "response", lambda orig: lambda self, *a, **kw: dataclasses.replace(
        orig(self, *a, **kw), usage=Usage(0, 0)))


def _system_prompt_changed(stack: ExitStack) -> None:
    lm = _module("unified._lm")
    _wrap(stack, lm, "to_lm_request", lambda orig: lambda request, model: (lambda r: (
        dataclasses.replace(r, system=(r.system or "") + "\nBe brief.")))(orig(request, model)))


def _cache_disabled(stack: ExitStack) -> None:
    from unified._features.cache import ResponseCache

    stack.enter_context(mock.patch.object(ResponseCache, "lookup", lambda self, key: None))


def _permanent_errors_retried(stack: ExitStack) -> None:
    from unified._errors import UnifiedError
    from unified._features.retry import Retrying

    def make(orig: Callable[..., Any]) -> Callable[..., Any]:
        def init(self: Any, inner: Any, config: Any = None, **kwargs: Any) -> None:
            orig(self, inner, config, **kwargs)
            self.config = dataclasses.replace(self.config, retry_on=(UnifiedError,))
        return init

    _wrap(stack, Retrying, "__init__", make)


def _backoff_factor_ignored(stack: ExitStack) -> None:
    from unified._config import RetryConfig

    stack.enter_context(mock.patch.object(RetryConfig, "backoff",
                                          lambda self, k: min(self.base_delay, self.max_delay)))


def _batch_order_reversed(stack: ExitStack) -> None:
    from unified._wrapper import UnifiedDSPyWrapper

    _wrap(stack, UnifiedDSPyWrapper, "batch",
          lambda orig: lambda self, *a, **kw: list(reversed(orig(self, *a, **kw))))


def _bedrock_invoke_max_tokens(stack: ExitStack) -> None:
    bedrock = _module("unified._backends.bedrock")
    stack.enter_context(mock.patch.dict(bedrock._INVOKE_DEFAULTS, {"max_tokens": 1024}))


def _legacy_route_lost(stack: ExitStack) -> None:
    from unified._config import GatewayRoute

    mapping = _module("unified.compat.mapping")
    _wrap(stack, mapping, "_gateway_fields", lambda orig: lambda *a, **kw: {
        **orig(*a, **kw), "gateway_route": GatewayRoute.ENDPOINTS})


def _circuit_threshold_off_by_one(stack: ExitStack) -> None:
    shim = _module("unified.compat.dspy_wrapper")

    def make(orig: Callable[..., Any]) -> Callable[..., Any]:
        def init(self: Any, failure_threshold: int = 5, *args: Any, **kwargs: Any) -> None:
            orig(self, failure_threshold + 1, *args, **kwargs)
        return init

    _wrap(stack, shim.CircuitBreaker, "__init__", make)


def _budget_check_skipped(stack: ExitStack) -> None:
    shim = _module("unified.compat.dspy_wrapper")
    stack.enter_context(mock.patch.object(shim.Budgeted, "admit",
                                          lambda self, request: None))


def _prompt_not_flattened(stack: ExitStack) -> None:
    gateway = _module("unified.compat.dspy_gateway_backend")
    stack.enter_context(mock.patch.object(gateway, "flatten_request", lambda request: request))


CATALOGUE: tuple[Mutant, ...] = (
    Mutant("retry-off-by-one", "one attempt too many", _retry_off_by_one,
           ("enhanced-direct-retries-exhausted", "bedrock-retries-exhausted"),
           ("*retries-exhausted",)),
    Mutant("cache-key-drops-messages", "the prompt is left out of the cache key",
           _cache_key_drops_messages, ("enhanced-direct-cache-changed-input",),
           ("*cache*",)),
    Mutant("default-temperature", "a default temperature of 0.5 sneaks into every call",
           _default_temperature, ("enhanced-direct-plain", "enhanced-direct-chain"),
           ("enhanced-direct-plain", "enhanced-direct-chain", "dynamic-*")),
    Mutant("validation-order-swapped", "forbidden keywords checked before length",
           _validation_order_swapped, ("enhanced-direct-validation-order",),
           ("*validation*",)),
    Mutant("retry-after-ignored", "Retry-After hints are ignored", _retry_after_ignored,
           ("enhanced-direct-429-retry-after",), ("*429*",)),
    Mutant("fallback-dict-raises", "the gateway shim raises instead of the fallback dict",
           _fallback_dict_raises, ("gateway-fallback-dict",), ("gateway-*",)),
    Mutant("usage-not-counted", "backends report zero usage", _usage_not_counted,
           ("simple-predict-plain",), ("simple-*",)),
    Mutant("system-prompt-changed", "the system prompt gets an extra line",
           _system_prompt_changed, ("enhanced-direct-system-prompt", "gateway-system-prompt"),
           ("*system-prompt",)),
    Mutant("cache-disabled", "the cache never hits", _cache_disabled,
           ("enhanced-direct-cache-repeat", "bedrock-cache-repeat", "simple-cache-repeat"),
           ("*cache-repeat",)),
    Mutant("permanent-errors-retried", "401 and AccessDenied are retried",
           _permanent_errors_retried, ("enhanced-direct-401-permanent", "bedrock-access-denied"),
           ("*401*", "*access-denied")),
    Mutant("backoff-factor-ignored", "every retry waits base_delay", _backoff_factor_ignored,
           ("enhanced-direct-503-then-success", "bedrock-retries-exhausted"),
           ("*503*", "*retries-exhausted")),
    Mutant("batch-order-reversed", "batch results come back reversed", _batch_order_reversed,
           ("enhanced-direct-batch-8",), ("*batch*",)),
    Mutant("bedrock-invoke-max-tokens", "the legacy invoke body asks for 1024 tokens",
           _bedrock_invoke_max_tokens, ("bedrock-predict-plain", "bedrock-cache-repeat"),
           ("bedrock-*",)),
    Mutant("legacy-route-lost", "the gateway shims call /endpoints instead of /gateway",
           _legacy_route_lost, ("gateway-predict-plain", "simple-predict-plain"),
           ("gateway-predict-plain", "simple-predict-plain")),
    Mutant("circuit-threshold-off-by-one", "the circuit opens one failure late",
           _circuit_threshold_off_by_one, ("simple-circuit-opens",), ("simple-*",)),
    Mutant("budget-check-skipped", "the budget is never enforced", _budget_check_skipped,
           ("simple-budget-refusal",), ("simple-*",)),
    Mutant("prompt-not-flattened", "the gateway shims stop flattening the legacy prompt",
           _prompt_not_flattened, ("gateway-predict-plain", "simple-predict-plain",
                                   "enhanced-gateway-plain"),
           ("gateway-predict-plain", "simple-predict-plain", "enhanced-gateway-plain")),
)


@contextmanager
def applied(mutant: Mutant) -> Iterator[None]:
    """Within the block, ``mutant``'s patches are in place."""
    with ExitStack() as stack:
        mutant.apply(stack)
        yield


def run_mutant(mutant: Mutant, references: dict[str, Any]) -> MutantResult:
    """Run the mutant's suite with the mutant applied; which scenarios FAILed."""
    from .run import run_parity

    with applied(mutant):
        run = run_parity(mutant.suite, references=references)
    failed = [s.scenario for s in run.scenarios if s.failed]
    return MutantResult(mutant.name, mutant.description, list(mutant.expect), failed)


def write_mutants_report(results: Sequence[MutantResult], path: Path) -> dict[str, Any]:
    """Write ``mutants.json`` (detection rate and per-mutant results); return it."""
    detected = sum(r.detected for r in results)
    data = {"detected": detected, "total": len(results),
            "detection_rate": detected / len(results) if results else 0.0,
            "mutants": [{**dataclasses.asdict(r), "detected": r.detected} for r in results]}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return data
