"""What the codemod knows about the legacy API: modules, names, fields and defaults.

Everything here is data taken from ``shared/spec/legacy-patterns.md`` (sections 1-6);
the rules in :mod:`unified.migrate.rules` read it. Values that are added to migrated
code are kept as source text (``'60.0'``, ``'"us-east-1"'``) because that is what the
codemod writes.

Why defaults are made explicit: a legacy default that differs from the unified one
would otherwise change behavior silently (the enhanced wrapper retried three times and
cached to ``.tidydspy_cache`` by default; the unified wrapper does neither unless asked).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = [
    "BEDROCK_CONFIG", "BEDROCK_DEFAULTS", "BEDROCK_FIELDS", "BEDROCK_PARAMS", "COMPAT_MODULE",
    "ConfigSpec", "CONFIG_SPECS", "ENHANCED_DEFAULTS", "ENHANCED_KEYWORDS", "ENHANCED_PARAMS",
    "ALWAYS_UNIFIED", "FLAGGED_METHODS", "GATEWAY_DEFAULTS", "GATEWAY_PARAMS", "KINDS", "compat_module_for",
    "LEGACY_LM_ATTRS", "REVIEW_PREFIX", "SAME_NAME", "SIMPLE_CONFIG_PARAMS", "SIMPLE_DEFAULTS",
    "STRICT_USES", "USE_PROBLEMS",
    "USES", "is_legacy_module",
]

#: Every review comment the codemod writes starts with this.
REVIEW_PREFIX = "# unified-migrate: review: "

#: The compat shims keep the legacy names alive; names that are not rewritten are
#: imported from here.
COMPAT_MODULE = "unified.compat"

_LEGACY_MODULES = frozenset({"dspy_enhanced", "dspy_wrapper", "dspy_gateway_backend",
                             "dspy_bedrock_enhanced", "base_module"})


def is_legacy_module(dotted: str | None) -> bool:
    """Whether ``dotted`` names a legacy module (``tidyllm.dspy_enhanced``, bare
    ``dspy_enhanced``, …) or the compat shims standing in for one (``unified.compat``,
    ``unified.compat.dspy_enhanced``)."""
    if not dotted:
        return False
    parts = dotted.split(".")
    if dotted == COMPAT_MODULE or dotted.startswith(COMPAT_MODULE + "."):
        return dotted == COMPAT_MODULE or (len(parts) == 3 and parts[-1] in _LEGACY_MODULES)
    return parts[-1] in _LEGACY_MODULES and (len(parts) == 1 or parts[0] == "tidyllm")


def compat_module_for(dotted: str) -> str:
    """The compat module standing in for legacy module ``dotted``
    (``tidyllm.dspy_wrapper`` -> ``unified.compat.dspy_wrapper``)."""
    if dotted == COMPAT_MODULE or dotted.startswith(COMPAT_MODULE + "."):
        return dotted
    return f"{COMPAT_MODULE}.{dotted.rsplit('.', 1)[-1]}"


#: Legacy names the codemod rewrites, by kind of rule.
KINDS: Mapping[str, str] = {
    "RetryConfig": "retry",
    "CacheConfig": "cache",
    "ValidationConfig": "validation",
    "DSPyConfig": "simple_config",
    "DSPyWrapper": "simple_wrapper",
    "DSPyEnhancedWrapper": "enhanced_wrapper",
    "DSPyBedrockEnhancedWrapper": "bedrock_wrapper",
    "DSPyBedrockEnhanced": "bedrock_wrapper",
    "configure_dspy_with_gateway": "configure",
    "DynamicDSPyModule": "dynamic_module",
}
#: Legacy names spelled the same in ``unified``: once their calls are rewritten the
#: import comes from ``unified``.
SAME_NAME = frozenset({"RetryConfig", "CacheConfig", "ValidationConfig"})
#: Legacy errors whose compat shims raise the unified class itself: always imported
#: from ``unified``. (``CircuitOpenError`` is legacy-only: it comes from
#: ``unified.compat``, as every name :mod:`unified.compat` exports.)
ALWAYS_UNIFIED = frozenset({"ValidationError"})
BEDROCK_CONFIG = "BedrockConfig"


@dataclass(frozen=True)
class ConfigSpec:
    """A legacy config class with a unified counterpart of the same name.

    ``params`` is the legacy parameter order (positional arguments become keywords),
    ``renames`` maps legacy keywords to unified ones, ``defaults`` lists
    ``(legacy param, unified keyword, source text)`` added when the legacy call omits
    that param and the two defaults differ.
    """

    name: str
    params: tuple[str, ...]
    renames: Mapping[str, str] = field(default_factory=dict)
    defaults: tuple[tuple[str, str, str], ...] = ()


CONFIG_SPECS: Mapping[str, ConfigSpec] = {
    "retry": ConfigSpec("RetryConfig", ("max_retries", "base_delay", "backoff_factor",
                                        "max_delay"),
                        defaults=(("max_delay", "max_delay", "60.0"),)),
    "cache": ConfigSpec("CacheConfig", ("enabled", "ttl", "cache_dir"),
                        {"ttl": "ttl_seconds", "cache_dir": "directory"},
                        (("cache_dir", "directory", '".tidydspy_cache"'),)),
    "validation": ConfigSpec("ValidationConfig", ("min_length", "max_length",
                                                  "required_keywords", "forbidden_keywords",
                                                  "custom_validators"),
                             {"custom_validators": "validators"}),
}

#: ``DSPyConfig`` (section 4). ``max_retries`` counts tries in all (section 2 wire).
SIMPLE_CONFIG_PARAMS = ("model", "gateway_uri", "temperature", "max_tokens", "cache_enabled",
                        "cache_size", "max_retries", "circuit_failure_threshold",
                        "circuit_reset_seconds", "budget_usd")
SIMPLE_DEFAULTS: tuple[tuple[str, str], ...] = (
    ("model", '"claude-3-sonnet"'), ("gateway_uri", '"http://localhost:5000"'),
    ("temperature", "0.7"), ("max_tokens", "1000"))
SIMPLE_CACHE_SIZE = "128"

#: ``DSPyEnhancedWrapper`` (section 1): positional params, then keyword-only ones.
ENHANCED_PARAMS = ("retry_config", "cache_config", "validation_config", "lm")
ENHANCED_KEYWORDS = ("metrics_config", "debug", "sleep", "now", "timer")
#: What a missing (or ``None``) retry/cache config meant in the legacy wrapper.
ENHANCED_DEFAULTS: Mapping[str, str] = {
    "retry": "RetryConfig(max_delay=60.0)",
    "cache": 'CacheConfig(directory=".tidydspy_cache")',
}

#: ``DSPyBedrockEnhancedWrapper`` (section 3) and its ``BedrockConfig`` fields, in the
#: legacy positional order, with their unified names.
BEDROCK_PARAMS = ("bedrock_config", "settings_path")
BEDROCK_FIELDS: Mapping[str, str] = {
    "region": "aws_region", "profile": "aws_profile", "access_key_id": "aws_access_key_id",
    "secret_access_key": "aws_secret_access_key", "session_token": "aws_session_token",
    "default_model": "model"}
#: Legacy Bedrock defaults that differ from unified ones (region; BedrockLM sampling).
BEDROCK_DEFAULTS: tuple[tuple[str, str], ...] = (
    ("aws_region", '"us-east-1"'), ("temperature", "0.7"), ("max_tokens", "1000"))

#: ``configure_dspy_with_gateway`` (section 2) and the ``DSPyGatewayConfig`` defaults
#: it ran with (3 tries in all, sleeping 1 s then 2 s = 2 retries of the unified policy).
GATEWAY_PARAMS = ("route", "gateway_uri")
GATEWAY_DEFAULTS: tuple[tuple[str, str], ...] = (
    ("model", '"claude-3-sonnet"'), ("gateway_uri", '"http://localhost:5000"'),
    ("temperature", "0.1"), ("max_tokens", "1000"), ("retry", "RetryConfig(max_retries=2)"))

#: How a variable bound to a legacy object may be used for the object to be migrated:
#: attribute -> action (``keep``: same call on the unified object; ``rename:X``; or a
#: rule in :mod:`unified.migrate.rules`). ``__call__`` is the variable called directly.
#: Any other attribute keeps the object on the legacy API (with a review comment).
_ENHANCED_USES = {"batch_process": "rename:batch", "chain": "keep", "get_metrics": "keep",
                  "reset_metrics": "keep"}
USES: Mapping[str, Mapping[str, str] | None] = {
    "simple_wrapper": {"predict": "predict_via_module"},
    # the DSPyResult of DSPyWrapper.predict: only .outputs has a Prediction equivalent
    "simple_result": {"outputs": "attr:toDict"},
    "simple_config": {"model": "keep", "gateway_uri": "keep", "temperature": "keep",
                      "max_tokens": "keep"},
    "enhanced_wrapper": {**_ENHANCED_USES, "create_module": "create_module"},
    # create_module of the Bedrock wrapper used the global DSPy LM, not Bedrock
    "bedrock_wrapper": {**_ENHANCED_USES, "create_bedrock_module": "create_bedrock_module"},
    "enhanced_module": {"predict": "keep", "__call__": "keep", "process": "process",
                        "input_fields": "keep", "output_fields": "keep"},
    "dynamic_module": {"forward": "rename:predict", "__call__": "keep"},
    "retry": {"max_retries": "keep", "base_delay": "keep", "backoff_factor": "keep",
              "max_delay": "keep"},
    "cache": {"enabled": "keep"},
    # keyword lists are tuples on the unified class (lists on the legacy one)
    "validation": {"min_length": "keep", "max_length": "keep"},
    "configure": None,  # the returned LM: anything but LEGACY_LM_ATTRS
}
#: Why a use that has no rewrite keeps the object legacy, where "legacy-only" is not it.
USE_PROBLEMS: Mapping[tuple[str, str], str] = {
    ("bedrock_wrapper", "create_module"): "create_module() of the Bedrock wrapper ran on the "
                                          "global DSPy LM, not on Bedrock, so the wrapper "
                                          "stays on unified.compat: build a second "
                                          "UnifiedDSPyWrapper for that LM's backend and create "
                                          "the module there, then run unified-migrate again",
}
#: Kinds whose value must not be passed on (it would be used as the legacy object).
STRICT_USES = frozenset({"simple_result"})
#: Attributes of the legacy gateway LM that a ``dspy.LM`` does not have.
LEGACY_LM_ATTRS = frozenset({"route", "backend", "exchanges"})

#: Legacy-only methods flagged wherever the receiver is not a variable the codemod
#: tracked (e.g. ``self.wrapper.batch_process(...)``), with the suggestion shown.
FLAGGED_METHODS: Mapping[str, str] = {
    "batch_process": "legacy .batch_process(): use UnifiedDSPyWrapper.batch(module, "
                     "inputs_list)",
    "create_bedrock_module": "legacy .create_bedrock_module(): use .create_module(signature) "
                             "on a wrapper with backend=BackendType.BEDROCK",
    "as_mcp_tool": "legacy MCP helper .as_mcp_tool(): only the legacy DSPyWrapper "
                   "(unified.compat) has it",
    "handle_mcp_call": "legacy MCP helper .handle_mcp_call(): only the legacy DSPyWrapper "
                       "(unified.compat) has it",
}
