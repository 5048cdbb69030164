"""The native unified API as a parity implementation.

It runs each scenario the way migrated code would: one :class:`UnifiedDSPyWrapper`
configured for the scenario's backend, modules from ``create_module``, ``batch`` and
``chain`` for those programs. Legacy config sections are translated by
:mod:`unified.compat.mapping` (the same translation the shims and the codemod use).
Where the native API behaves differently on purpose (it raises instead of returning a
fallback dict, it sends structured messages, …) the comparator consults
``unified/compat/DIFFERENCES.md``.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from typing import Any

from unified._errors import TransientError

from ..expectations import jsonable, resolve_inputs
from ..observation import CallOutcome, Observation
from ..scenarios import Scenario
from .base import DIRECT_MODEL, FAKE_API_KEY, RunEnv, as_is, batch_outcomes, outcomes
from .patterns import DEFAULT_BEDROCK_MODEL, _demos, _route, _signature, scenario_model

__all__ = ["NativeUnifiedAdapter", "unified_config_for"]


def _legacy_defaults(scenario: Scenario) -> dict[str, Any]:
    """What the legacy pattern did by default that a migration keeps: its sampling
    parameters and, for the gateway and simple patterns, their retry schedule."""
    from unified.compat import mapping

    if scenario.section("sampling") is not None:   # an imported call: exactly its own
        return dict(scenario.section("sampling") or {})
    if scenario.pattern == "simple":
        legacy = mapping.dspy_config_to_unified(scenario.section("simple") or {})
    elif scenario.pattern == "gateway":
        legacy = mapping.gateway_to_unified({})
    elif scenario.backend == "gateway":      # the enhanced wrapper over the gateway LM
        legacy = mapping.gateway_to_unified({})
        return {"temperature": legacy.temperature, "max_tokens": legacy.max_tokens}
    elif scenario.backend == "bedrock":
        return {"temperature": 0.7, "max_tokens": 1000}   # the legacy invoke_model body
    else:
        return {}
    return {"temperature": legacy.temperature, "max_tokens": legacy.max_tokens,
            "retry": legacy.retry}


def _target(backend: str, scenario: Scenario, env: RunEnv) -> dict[str, Any]:
    """Where ``backend`` is reached in the replay: its model or route, URIs and keys."""
    if backend == "direct":
        return dict(backend="direct", model=scenario_model(scenario) or DIRECT_MODEL,
                    api_base=env.upstream_base_url, api_key=FAKE_API_KEY)
    if backend == "gateway":
        return dict(backend="gateway", model=_route(scenario), gateway_uri=env.gateway_uri,
                    gateway_endpoint=_route(scenario))
    return dict(backend="bedrock", aws_region="us-east-1",
                model=str(scenario.config.get("model") or DEFAULT_BEDROCK_MODEL))


def _fallbacks(items: Any, scenario: Scenario, env: RunEnv) -> tuple[Any, ...]:
    """The ``unified.fallbacks`` of a scenario as configs: each item names its ``backend``
    (default: the scenario's) and any fields it sets; the backend's replay target fills
    in the rest."""
    from unified import UnifiedConfig

    return tuple(UnifiedConfig.from_dict(
        {**_target(str(item.get("backend", scenario.backend)), scenario, env), **item})
        for item in items or ())


def unified_config_for(scenario: Scenario, env: RunEnv) -> Any:
    """The :class:`UnifiedConfig` a team would write for ``scenario`` after migrating:
    the native backend and routes, the legacy sampling defaults, the legacy retry /
    cache / validation sections mapped, and native Retry-After handling."""
    from unified import UnifiedConfig
    from unified.compat import mapping

    target = _target(scenario.backend, scenario, env)
    defaults = _legacy_defaults(scenario)
    defaults.update(scenario.section("unified") or {})   # native-only settings (routes, …)
    legacy_retry = defaults.pop("retry", None)
    defaults["fallbacks"] = _fallbacks(defaults.get("fallbacks"), scenario, env)
    cache_on = scenario.pattern == "simple" and (scenario.section("simple") or {}).get(
        "cache_enabled", True)                 # the simple wrapper's LRU was on by default
    cache = {"enabled": cache_on, **(scenario.section("cache") or {}),
             "cache_dir": str(env.workdir / "unified-cache")}
    migrated = mapping.enhanced_to_unified(retry=scenario.section("retry"), cache=cache,
                                           validation=scenario.section("validation"),
                                           base=UnifiedConfig(**{**target, **defaults}))
    # Native code keeps the native retry semantics: every transient error is retried
    # and Retry-After hints are honoured.
    retry = legacy_retry or migrated.retry
    assert retry is not None           # enhanced_to_unified always sets one
    return migrated.with_overrides(retry=dataclasses.replace(
        retry, respect_retry_after=True, retry_on=(TransientError,)))


def program_inputs(program: Any) -> set[str]:
    """The input field names of a DSPy program's signature."""
    signature = getattr(program, "signature", None)
    return set(getattr(signature, "input_fields", {}) or {})


def executed(calls: Any, tools: list[Any]) -> Any:
    """``calls`` (a ``dspy.ToolCalls``) with each call run and its result attached."""
    import dspy
    from dspy.adapters.types.tool import ToolCallResults

    if not isinstance(calls, dspy.ToolCalls) or not calls.tool_calls:
        return calls
    by_name = {tool.name: tool for tool in tools}
    values = [by_name[c.name](**c.args) for c in calls.tool_calls]
    results = ToolCallResults.from_tool_calls_and_values(calls, values)
    return calls.model_copy(update={"tool_call_results": results})


def _tool_outputs(prediction: Any) -> dict[str, Any]:
    """A prediction's fields as JSON (``dspy.ToolCalls`` dumped); ReAct's trajectory kept
    to its tool names and observations."""
    fields = jsonable(dict(prediction.items()))
    if "trajectory" in fields:
        fields["trajectory"] = {k: v for k, v in fields["trajectory"].items()
                                if k.startswith(("tool_name", "tool_args", "observation"))}
    return fields


class NativeUnifiedAdapter:
    """``unified``: the native API, on every pattern's scenarios."""

    kind = "unified"
    pattern: str | None = None
    name = "unified"

    def __init__(self) -> None:
        self.wrapper: Any = None
        self.env: RunEnv | None = None

    def setup(self, scenario: Scenario, env: RunEnv) -> None:
        """Build the wrapper for the scenario's backend with the recording clock."""
        from unified import Clock, UnifiedDSPyWrapper

        self.env = env
        self.wrapper = UnifiedDSPyWrapper(unified_config_for(scenario, env),
                                          clock=Clock(sleep=env.sleep))

    def run(self, scenario: Scenario) -> Observation:
        """Run every call through the native API."""
        observation = Observation(self.name, scenario.id)
        observation.calls = self._calls(scenario)
        metrics = self.wrapper.get_metrics()
        observation.metrics = {k: metrics[k] for k in (
            "total_requests", "successful_requests", "failed_requests", "cache_hits",
            "cache_misses", "retry_count", "validation_failures")}
        return observation

    def _calls(self, scenario: Scenario) -> list[CallOutcome]:
        w, env = self.wrapper, self.env
        assert env is not None
        kind = "chain_of_thought" if scenario.program == "chain_of_thought" else "predict"
        if scenario.program == "backend_query":
            from unified import LMRequest, Message

            params = {"temperature": w.config.temperature, "max_tokens": w.config.max_tokens}
            return outcomes(env, scenario.calls, lambda c: w.pipeline.complete(LMRequest(
                w.config.model, (Message("user", c["prompt"]),), params=params)),
                lambda response: {"content": response.text})
        if scenario.program == "stream":
            from .streaming import stream_outcomes

            return stream_outcomes(w, scenario.calls, env)
        if scenario.program == "mcp_tool":
            return outcomes(env, scenario.calls, functools.partial(self._mcp, scenario), as_is)
        if scenario.program in ("tool_call", "react"):
            return self._tool_program(scenario)
        if scenario.pattern == "dynamic":
            from unified.compat import get_signature_class

            modules = [w.create_module(get_signature_class(scenario.registry_name))]
        else:
            modules = [w.create_module(_signature(scenario, sig), kind=kind)
                       for sig in scenario.signatures]
        if scenario.demos:
            modules[0].program.demos = _demos(scenario)
        if scenario.program == "chain":
            chained = w.chain(*modules)
            return outcomes(env, scenario.calls, lambda c: chained(**c))
        if scenario.program == "batch":
            return batch_outcomes(w.batch(modules[0], list(scenario.calls), max_workers=1))
        if scenario.program == "structured":
            import dspy

            def structured(call: dict[str, Any]) -> Any:
                with dspy.context(adapter=dspy.JSONAdapter()):
                    return modules[0].predict(**resolve_inputs(call))

            return outcomes(env, scenario.calls, structured)
        return outcomes(env, scenario.calls, lambda c: modules[0].predict(**resolve_inputs(c)))

    def _tool_program(self, scenario: Scenario) -> list[CallOutcome]:
        """``tool_call``: a native tool-call signature (``tools: list[dspy.Tool]`` in,
        ``dspy.ToolCalls`` out) under ``ChatAdapter(use_native_function_calling=True)``;
        with a ``history: dspy.History`` input, each call's tool calls are executed and
        sent back (calls and results) in the next call's history. ``react``:
        ``dspy.ReAct`` over the scenario's tools under the same adapter."""
        import dspy

        from ..scenario_tools import tools_for

        tools = tools_for(scenario.tools)
        adapter = dspy.ChatAdapter(use_native_function_calling=True)
        signature = _signature(scenario, scenario.signatures[0])
        if scenario.program == "react":
            program: Any = dspy.ReAct(signature, tools=tools)
            extra: dict[str, Any] = {}
        else:
            program = dspy.Predict(signature)
            extra = {"tools": tools}
        lm = self.wrapper.lm
        turns: list[dict[str, Any]] = []
        with_history = "history" in program_inputs(program)

        def run(call: dict[str, Any]) -> Any:
            inputs = {**resolve_inputs(call), **extra}
            if with_history:
                inputs["history"] = dspy.History(messages=list(turns))
            with dspy.context(lm=lm, adapter=adapter):
                prediction = program(**inputs)
            if with_history:
                turns.append({**call, "outputs": executed(prediction.outputs, tools)})
            return prediction

        assert self.env is not None
        return outcomes(self.env, scenario.calls, run, _tool_outputs)

    def _mcp(self, scenario: Scenario, inputs: dict[str, Any]) -> dict[str, Any]:
        from unified import mcp

        toolset = mcp.MCPToolset(self.wrapper)
        tool = toolset.add("ask", scenario.signatures[0], description="parity tool")
        result = toolset.call("ask", inputs)
        return {"tool": tool, "isError": result["isError"],
                "payload": json.loads(result["content"][0]["text"])}

    def teardown(self) -> None:
        """Close the wrapper (connection pools, cache)."""
        if self.wrapper is not None:
            self.wrapper.close()
        self.wrapper = None
