"""Adapters for the five legacy patterns, written once and run against two namespaces.

A :class:`PatternAdapter` drives a legacy API purely through its public names
(``DSPyEnhancedWrapper``, ``DSPyGatewayLM``, ``DSPyWrapper``, …). Given the legacy
reference module (or an original tidyllm module, via ``PARITY_LEGACY_PACKAGE``) it is
the ``legacy`` implementation; given ``unified.compat`` it is the ``compat``
implementation. Running the same driver code against both is what proves the shims are
drop-in replacements.
"""

from __future__ import annotations

import functools
import importlib
import json
from collections.abc import Callable
from types import ModuleType
from typing import Any

from ..observation import CallOutcome, Observation, error_category
from ..scenarios import Scenario
from .base import (
    DEFAULT_ROUTE,
    DIRECT_MODEL,
    FAKE_API_KEY,
    RunEnv,
    as_is,
    batch_outcomes,
    outcomes,
    seams,
)

__all__ = ["PatternAdapter", "LEGACY_MODULE_OF", "METRIC_KEYS", "direct_dspy_lm",
           "scenario_model"]

#: Which legacy module holds each pattern's public API.
LEGACY_MODULE_OF = {"enhanced": "dspy_enhanced", "gateway": "dspy_gateway_backend",
                    "bedrock": "dspy_bedrock_enhanced", "simple": "dspy_wrapper",
                    "dynamic": "base_module"}
#: Counters compared between a shim and its reference (times are not compared).
METRIC_KEYS = ("total_requests", "successful_requests", "failed_requests", "cache_hits",
               "cache_misses", "retry_count", "validation_failures", "endpoints_used")
DEFAULT_BEDROCK_MODEL = "anthropic.claude-3-sonnet-20240229-v1:0"


def direct_dspy_lm(api_base: str, scenario: Scenario | None = None) -> Any:
    """The plain DSPy LM legacy code passed for direct (litellm) calls (an imported
    scenario's model and ``config.sampling`` parameters when it names them)."""
    import dspy

    sampling = (scenario.section("sampling") if scenario is not None else None) or {}
    return dspy.LM(scenario_model(scenario) or DIRECT_MODEL, engine="litellm",
                   api_base=api_base, api_key=FAKE_API_KEY, cache=False, num_retries=0,
                   **{k: v for k, v in sampling.items() if v is not None})


def scenario_model(scenario: Scenario | None) -> str | None:
    """The litellm model a direct scenario names in ``config.model`` (imported calls),
    else None (the harness's default model)."""
    if scenario is None or scenario.backend != "direct" or not scenario.config.get("model"):
        return None
    return f"openai/{scenario.config['model']}"


class PatternAdapter:
    """Runs a scenario through one pattern's public API from ``namespace``."""

    def __init__(self, kind: str, pattern: str) -> None:
        self.kind, self.pattern = kind, pattern
        self.name = f"{kind}:{pattern}"
        self._namespace = namespace_loader(kind, pattern)
        self.ns: Any = None
        self.target: Any = None
        self.env: RunEnv | None = None
        self._lm: Any = None

    # -- set-up ---------------------------------------------------------------------------
    def setup(self, scenario: Scenario, env: RunEnv) -> None:
        """Build the pattern's wrapper / LM / backend for ``scenario``."""
        import dspy

        self.ns, self.env = self._namespace(), env
        ns = self.ns
        if self.pattern in ("enhanced", "bedrock"):
            kwargs = self._enhanced_configs(scenario)
            if self.pattern == "enhanced":
                factory = ns.DSPyEnhancedWrapper
                self.target = factory(lm=self._backend_lm(scenario), **kwargs,
                                      **seams(factory, env))
            else:
                factory = ns.DSPyBedrockEnhancedWrapper
                self.target = factory(bedrock_config=ns.BedrockConfig(region="us-east-1"),
                                      **kwargs, **seams(factory, env))
        elif self.pattern == "gateway":
            self._lm = self._backend_lm(scenario)
            self.target = self._lm.backend
        elif self.pattern == "simple":
            simple = dict(scenario.section("simple") or {})
            config = ns.DSPyConfig(model=_route(scenario), gateway_uri=env.gateway_uri, **simple)
            self.target = ns.DSPyWrapper(config, **seams(ns.DSPyWrapper, env, clock=env.clock))
        elif self.pattern == "dynamic":
            self._lm = direct_dspy_lm(env.upstream_base_url)
            self.target = dspy

    def _enhanced_configs(self, scenario: Scenario) -> dict[str, Any]:
        ns, env = self._namespace_for("enhanced"), self.env
        assert env is not None
        cache = {"enabled": False, **(scenario.section("cache") or {})}
        return {"retry_config": ns.RetryConfig(**(scenario.section("retry") or {})),
                "cache_config": ns.CacheConfig(cache_dir=str(env.workdir / "cache"), **cache),
                "validation_config": ns.ValidationConfig(**(scenario.section("validation") or {}))}

    def _backend_lm(self, scenario: Scenario) -> Any:
        assert self.env is not None
        if scenario.backend == "direct":
            return direct_dspy_lm(self.env.upstream_base_url, scenario)
        if scenario.backend == "gateway":
            ns = self._namespace_for("gateway")
            factory = ns.DSPyGatewayLM
            return factory(_route(scenario), self.env.gateway_uri, **seams(factory, self.env))
        raise ValueError(f"pattern {self.pattern} does not run on backend {scenario.backend}")

    def _namespace_for(self, pattern: str) -> Any:
        """Another pattern's namespace from the same source (legacy or compat)."""
        return namespace_loader(self.kind, pattern)()

    # -- running --------------------------------------------------------------------------
    def run(self, scenario: Scenario) -> Observation:
        """Run every call of the scenario through the pattern's API."""
        observation = Observation(self.name, scenario.id)
        observation.calls = self._calls(scenario)
        observation.metrics = self._metrics()
        return observation

    def _calls(self, scenario: Scenario) -> list[CallOutcome]:
        program, env = scenario.program, self.env
        assert env is not None
        if self.pattern == "simple":
            return outcomes(env, scenario.calls, functools.partial(self._simple_call, scenario),
                            as_is)
        if program == "backend_query":
            route = _route(scenario)
            return outcomes(env, scenario.calls, lambda c: self.target.query(
                route, [{"role": "user", "content": c["prompt"]}]), _query_outputs)
        if self.pattern == "dynamic":
            module = self.ns.DynamicDSPyModule(self.ns.get_signature_class(scenario.registry_name))
            return outcomes(env, scenario.calls, lambda c: self._in_lm(module, c))
        if self.pattern == "gateway":
            return self._dspy_calls(scenario)
        modules = [self._module(scenario, i, sig) for i, sig in enumerate(scenario.signatures)]
        if program == "chain":
            chained = self.target.chain(*modules)
            return outcomes(env, scenario.calls, lambda c: chained(**c))
        if program == "batch":
            return batch_outcomes(self.target.batch_process(modules[0], list(scenario.calls),
                                                            max_workers=1))
        return outcomes(env, scenario.calls, lambda c: modules[0].predict(**c))

    def _module(self, scenario: Scenario, index: int, signature: str) -> Any:
        signature_obj = _signature(scenario, signature)
        name = f"module{index}"
        if self.pattern == "bedrock":
            model = (scenario.config.get("model") or DEFAULT_BEDROCK_MODEL)
            module = self.target.create_bedrock_module(name, signature_obj, model_id=model)
        else:
            module = self.target.create_module(name, signature_obj)
        if scenario.demos and hasattr(module, "predictor"):
            module.predictor.demos = _demos(scenario)
        return module

    def _dspy_calls(self, scenario: Scenario) -> list[CallOutcome]:
        import dspy

        kind = dspy.ChainOfThought if scenario.program == "chain_of_thought" else dspy.Predict
        program = kind(_signature(scenario, scenario.signatures[0]))
        if scenario.demos:
            program.demos = _demos(scenario)
        assert self.env is not None
        return outcomes(self.env, scenario.calls, lambda c: self._in_lm(program, c))

    def _in_lm(self, program: Callable[..., Any], inputs: dict[str, Any]) -> Any:
        """``program(**inputs)`` with the pattern's LM configured, as legacy code ran it."""
        import dspy

        with dspy.context(lm=self._lm):
            return program(**inputs)

    def _simple_call(self, scenario: Scenario, inputs: dict[str, Any]) -> dict[str, Any]:
        signature = scenario.signatures[0]
        if scenario.program == "mcp_tool":
            tool = self.target.as_mcp_tool("ask", signature, description="parity tool")
            result = self.target.handle_mcp_call("ask", inputs)
            payload = json.loads(result["content"][0]["text"])
            if result["isError"]:
                payload = {"error": error_category(str(payload.get("error")))}
            return {"tool": tool, "isError": result["isError"], "payload": payload}
        result = self.target.predict(signature, **inputs)
        error = result.error
        if error not in (None, "budget_exceeded", "circuit_open"):
            error = error_category(str(error))
        return {"success": result.success, "outputs": dict(result.outputs), "error": error,
                "cached": result.cached, "cost_usd": round(result.cost_usd, 8)}

    def _metrics(self) -> dict[str, Any]:
        get = getattr(self.target, "get_metrics", None)
        if not callable(get):
            return {}
        metrics = get()
        return {k: metrics[k] for k in METRIC_KEYS if k in metrics}

    def teardown(self) -> None:
        """Close clients the pattern opened."""
        for obj in (self.target, getattr(self._lm, "backend", None)):
            close = getattr(obj, "close", None)
            if callable(close) and obj is not None and not isinstance(obj, ModuleType):
                close()
        self.target = self._lm = None


def _route(scenario: Scenario) -> str:
    return str(scenario.config.get("model") or DEFAULT_ROUTE)


def _signature(scenario: Scenario, signature: str) -> Any:
    import dspy

    if scenario.instructions:
        return dspy.Signature(signature, scenario.instructions)
    return signature


def _demos(scenario: Scenario) -> list[Any]:
    import dspy

    return [dspy.Example(**demo) for demo in scenario.demos]


def _query_outputs(answer: dict[str, Any]) -> dict[str, Any]:
    """A gateway ``query`` answer without its volatile parts (timestamp, error text)."""
    kept = {k: v for k, v in answer.items() if k not in ("timestamp", "error", "id", "created")}
    if "error" in answer:
        kept["error"] = "present"
    return kept


def namespace_loader(kind: str, pattern: str) -> Callable[[], ModuleType]:
    """The loader of ``pattern``'s namespace for ``kind`` (legacy or compat)."""
    if kind == "compat":
        return lambda: importlib.import_module("unified.compat")

    def legacy() -> ModuleType:
        from ...legacy import load_legacy_module

        return load_legacy_module(LEGACY_MODULE_OF[pattern])

    return legacy
