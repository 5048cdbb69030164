"""When a legacy call can be rewritten: one check per kind of legacy call or method.

A check reads the source call only. It returns the problems that keep the call on the
legacy API (each becomes a review comment) and the *links*: argument values that must
themselves be migrated legacy objects of a given kind (an inline ``RetryConfig(...)`` or a
variable bound to one) for this call to be rewritten. The planner resolves the links.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import libcst as cst

from .args import Bound, bind, int_literal, is_literal, is_none
from .legacy import (
    BEDROCK_CONFIG,
    BEDROCK_FIELDS,
    BEDROCK_PARAMS,
    CONFIG_SPECS,
    ENHANCED_KEYWORDS,
    ENHANCED_PARAMS,
    GATEWAY_PARAMS,
    SIMPLE_CONFIG_PARAMS,
)

__all__ = ["Check", "bind_for", "check_call", "check_method", "synthesized"]

#: Keyword-only test seams of the legacy constructors: no unified equivalent.
_SIMPLE_SEAMS = ("http_client", "sleep", "clock")
_GATEWAY_SEAMS = ("http_client", "sleep")
_BEDROCK_KEYWORDS = ("client", *ENHANCED_PARAMS, *ENHANCED_KEYWORDS)
_SECTIONS = {"retry_config": "retry", "cache_config": "cache", "validation_config": "validation"}
_NO_EQUIVALENT = {
    "lm": "lm=...: the unified wrapper builds its own LM; choose a backend in UnifiedConfig",
    "metrics_config": "metrics_config=...: the unified metrics have no per-counter switches",
    "sleep": "sleep=... (test seam): inject unified.Clock(sleep=...) instead",
    "now": "now=... (test seam): inject unified.Clock(wall=...) instead",
    "timer": "timer=... (test seam): inject unified.Clock(monotonic=...) instead",
    "http_client": "http_client=... (test seam) has no UnifiedConfig equivalent",
    "clock": "clock=... (test seam): inject unified.Clock instead",
    "client": "client=... (test seam) has no UnifiedConfig equivalent",
    "settings_path": "settings_path=...: the YAML model mapping has no UnifiedConfig "
                     "equivalent; pass the model id",
    "circuit_failure_threshold": "DSPyConfig(circuit_failure_threshold=...): the unified "
                                 "API has no circuit breaker",
    "circuit_reset_seconds": "DSPyConfig(circuit_reset_seconds=...): the unified API has no "
                             "circuit breaker",
    "budget_usd": "DSPyConfig(budget_usd=...): the unified API has no spending budget",
}


@dataclass
class Check:
    """Problems that block a rewrite, and argument values that must be migrated
    legacy objects of a kind (``(value, kind)``)."""

    problems: list[str] = field(default_factory=list)
    links: list[tuple[cst.BaseExpression, str]] = field(default_factory=list)


#: The parameters each kind of legacy call is bound with: (positional, keyword-only).
_SIGNATURES: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    **{kind: (spec.params, ()) for kind, spec in CONFIG_SPECS.items()},
    "simple_config": (SIMPLE_CONFIG_PARAMS, ()),
    "simple_wrapper": (("config",), _SIMPLE_SEAMS),
    "enhanced_wrapper": (ENHANCED_PARAMS, ENHANCED_KEYWORDS),
    "bedrock_wrapper": (BEDROCK_PARAMS, _BEDROCK_KEYWORDS),
    "configure": (GATEWAY_PARAMS, _GATEWAY_SEAMS),
    "dynamic_module": (("signature_cls",), ()),
    "create_module": (("name", "signature", "retry_config", "cache_config",
                       "validation_config"), ("lm",)),
    "create_bedrock_module": (("name", "signature", "model_id"), ("retry_config",
                                                                  "cache_config",
                                                                  "validation_config")),
    "process": (("inputs",), ()),
}


def bind_for(kind: str, call: cst.Call) -> Bound:
    """``call``'s arguments bound to the legacy signature of ``kind``."""
    params, keywords = _SIGNATURES[kind]
    return bind(call, params, keywords)


def _no_equivalent(bound: Bound, names: tuple[str, ...]) -> list[str]:
    return [_NO_EQUIVALENT[name] for name in names if bound.given(name)]


def _check_simple_config(bound: Bound) -> Check:
    problems = _no_equivalent(bound, ("circuit_failure_threshold", "circuit_reset_seconds",
                                      "budget_usd"))
    if "max_retries" in bound.args and int_literal(bound.value("max_retries")) is None:
        problems.append("DSPyConfig(max_retries=...) is not an integer literal (it counts "
                        "tries in all; unified max_retries counts retries)")
    return Check(problems)


def _check_simple_wrapper(bound: Bound) -> Check:
    check = Check(_no_equivalent(bound, _SIMPLE_SEAMS))
    config = bound.value("config")
    if config is not None and not is_none(config):
        check.links.append((config, "simple_config"))
    return check


def _check_enhanced(bound: Bound) -> Check:
    check = Check(_no_equivalent(bound, ("lm", "metrics_config", "sleep", "now", "timer")))
    for param, section in _SECTIONS.items():
        value = bound.value(param)
        if value is not None and not is_none(value):
            check.links.append((value, section))
    return check


def _check_bedrock(bound: Bound, legacy_name: Callable[[cst.BaseExpression], str | None]
                   ) -> Check:
    check = _check_enhanced(bound)
    check.problems += _no_equivalent(bound, ("settings_path", "client"))
    config = bound.value("bedrock_config")
    if isinstance(config, cst.Call) and legacy_name(config.func) == BEDROCK_CONFIG:
        check.problems += bind(config, tuple(BEDROCK_FIELDS)).problems
    elif isinstance(config, cst.Dict):
        for element in config.elements:
            key = element.key if isinstance(element, cst.DictElement) else None
            if not (isinstance(key, cst.SimpleString) and key.evaluated_value in BEDROCK_FIELDS):
                check.problems.append("bedrock_config dict: only string-literal BedrockConfig "
                                      "keys can be mapped")
    elif config is not None and not is_none(config):
        check.problems.append("bedrock_config is not an inline BedrockConfig(...) or dict "
                              "literal; pass model=, aws_region=, ... to UnifiedConfig")
    return check


def check_call(kind: str, call: cst.Call,
               legacy_name: Callable[[cst.BaseExpression], str | None]) -> Check:
    """Whether legacy ``call`` of ``kind`` can be rewritten (see module docstring)."""
    bound = bind_for(kind, call)
    if kind == "simple_config":
        check = _check_simple_config(bound)
    elif kind == "simple_wrapper":
        check = _check_simple_wrapper(bound)
    elif kind == "enhanced_wrapper":
        check = _check_enhanced(bound)
    elif kind == "bedrock_wrapper":
        check = _check_bedrock(bound, legacy_name)
    elif kind == "configure":
        check = Check(_no_equivalent(bound, _GATEWAY_SEAMS))
    elif kind == "dynamic_module":
        check = Check([] if "signature_cls" in bound.args else
                      ["DynamicDSPyModule() without a signature"])
    else:
        check = Check()
    check.problems[:0] = bound.problems
    return check


def check_method(action: str, call: cst.Call) -> str | None:
    """Why the method ``call`` cannot be rewritten by ``action`` (``None``: it can)."""
    if action in ("create_module", "create_bedrock_module", "process"):
        bound = bind_for(action, call)
        if bound.problems:
            return bound.problems[0]
        if action == "process":
            return None if "inputs" in bound.args else "process() without inputs"
        if not {"name", "signature"} <= set(bound.args):
            return f"{action}() needs both the module name and the signature"
        extra = [p for p in bound.args if p not in ("name", "signature") and bound.given(p)]
        if extra:
            return (f"{action}({extra[0]}=...): per-module settings have no "
                    "UnifiedDSPyWrapper.create_module equivalent; use a second wrapper")
    elif action == "predict_via_module":
        positional = [a for a in call.args if a.keyword is None and not a.star]
        has_signature = positional[:1] or any(
            a.keyword is not None and a.keyword.value == "signature" for a in call.args)
        if any(a.star == "*" for a in call.args) or len(positional) > 1 or not has_signature:
            return "DSPyWrapper.predict(): pass the signature first and the inputs as keywords"
    return None


def synthesized(kind: str, call: cst.Call) -> set[str]:
    """The same-named config classes (``"retry"``, ``"cache"``) that the rewrite of
    ``call`` writes itself (legacy defaults made explicit)."""
    if kind not in _SIGNATURES:
        return set()
    bound = bind_for(kind, call)
    if kind in ("enhanced_wrapper", "bedrock_wrapper"):
        return {section for param, section in _SECTIONS.items()
                if section != "validation" and not bound.given(param)}
    if kind == "simple_config":
        retries = int_literal(bound.value("max_retries")) or 1
        return ({"retry"} if retries > 1 else set()) | (
            set() if is_literal(bound.value("cache_enabled"), False) else {"cache"})
    if kind == "simple_wrapper":
        return set() if bound.given("config") else {"cache"}
    return {"retry"} if kind == "configure" else set()
