"""The curated public API, pinned; and the cost of importing it."""

from __future__ import annotations

import inspect
import json
import pkgutil
import subprocess
import sys
import types

import pytest

import unified

EXPECTED = sorted([
    "__version__", "UnifiedDSPyWrapper", "UnifiedDSPyModule", "UnifiedConfig", "BackendType",
    "GatewayRoute", "RetryConfig", "CacheConfig", "ValidationConfig", "MetricsConfig",
    "TelemetryConfig",
    "DEFAULT_MODEL", "register_validator", "tool_call_rule", "Backend", "BaseBackend",
    "GatewayBackend", "BedrockBackend", "DirectBackend", "MockBackend", "MockStream",
    "BackendIdentity",
    "LMRequest", "LMResponse", "Message", "Usage", "Clock", "bypass_cache", "CacheFileWarning", "UnifiedError",
    "TextPart", "MediaPart", "ToolCallPart", "ToolResultPart", "ThinkingPart", "RefusalPart",
    "CitationPart", "DataPart", "Continuation",
    "TextDelta", "ThinkingDelta", "ToolCallDelta", "PartDelta", "StreamEnd",
    "CallTrace", "Attempt", "CallRecord", "trace_of",
    "ConfigError", "BackendError", "TransientError", "RateLimitError", "TimeoutError",
    "ServerError", "ConnectionError", "PermanentError", "AuthError", "BadRequestError",
    "NotFoundError", "ValidationError",
    "UnsupportedFeatureError", "Capabilities", "MockAnswer", "FallbackExceptionGroup",
    "StreamInterruptedError",
])

#: Packages users import besides ``unified`` itself (with everything under them).
PUBLIC_PACKAGES = ("unified.compat", "unified.migrate", "unified.mcp")


def test_all_is_pinned() -> None:
    assert sorted(unified.__all__) == EXPECTED


def test_every_public_name_in_the_namespace_is_in_all() -> None:
    public = {name for name, value in vars(unified).items()
              if not name.startswith("_") and not isinstance(value, types.ModuleType)}
    assert public <= set(unified.__all__)


def test_dir_lists_every_name_of_all() -> None:
    assert set(unified.__all__) <= set(dir(unified))


def test_every_public_class_and_function_has_its_own_docstring() -> None:
    for name in unified.__all__:
        obj = getattr(unified, name)
        if inspect.isclass(obj):
            assert vars(obj).get("__doc__"), name
        elif callable(obj):
            assert obj.__doc__, name


def test_every_public_constant_is_documented_in_the_package_docstring() -> None:
    constants = [n for n in unified.__all__ if not callable(getattr(unified, n))]
    assert constants and all(f"``{n}``" in (unified.__doc__ or "") for n in constants)


def _module_names() -> list[str]:
    return [info.name for info in pkgutil.walk_packages(unified.__path__, "unified.")]


def test_every_module_outside_the_public_packages_is_private() -> None:
    public = [name for name in _module_names()
              if not any(part.startswith("_") for part in name.split(".")[1:])
              and not any(name == p or name.startswith(p + ".") for p in PUBLIC_PACKAGES)]
    assert public == []


def test_the_module_walk_sees_the_private_modules() -> None:
    assert {"unified._wrapper", "unified._backends.gateway",
            "unified._features.cache"} <= set(_module_names())


def test_the_network_backends_load_on_first_access() -> None:
    code = ("import sys, unified; before = 'unified._backends.gateway' in sys.modules; "
            "from unified import GatewayBackend; "
            "print(before, GatewayBackend.__module__, 'httpx' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["False", "unified._backends.gateway", "True"]


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_name"):
        unified.no_such_name  # noqa: B018


def test_importing_unified_imports_no_heavy_sdk() -> None:
    code = ("import sys, json, unified; "
            "print(json.dumps([m for m in ('boto3', 'litellm', 'mlflow', 'dspy') "
            "if m in sys.modules]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert json.loads(out) == []
