"""The curated public API, pinned; and the cost of importing it."""

from __future__ import annotations

import json
import subprocess
import sys

import unified

EXPECTED = sorted([
    "__version__", "UnifiedDSPyWrapper", "UnifiedDSPyModule", "UnifiedConfig", "BackendType",
    "GatewayRoute", "RetryConfig", "CacheConfig", "ValidationConfig", "MetricsConfig",
    "TelemetryConfig",
    "DEFAULT_MODEL", "register_validator", "Backend", "MockBackend", "BackendIdentity",
    "LMRequest", "LMResponse", "Message", "Usage", "Clock", "bypass_cache", "CacheFileWarning", "UnifiedError",
    "ConfigError", "BackendError", "TransientError", "RateLimitError", "TimeoutError",
    "ServerError", "ConnectionError", "PermanentError", "AuthError", "BadRequestError",
    "NotFoundError", "ValidationError",
    "UnsupportedFeatureError", "Capabilities", "MockAnswer", "FallbackExceptionGroup",
    "StreamInterruptedError",
])


def test_all_is_pinned() -> None:
    assert sorted(unified.__all__) == EXPECTED


def test_every_public_name_exists_and_has_a_docstring() -> None:
    for name in unified.__all__:
        obj = getattr(unified, name)
        if callable(obj):
            assert obj.__doc__, name


def test_importing_unified_imports_no_heavy_sdk() -> None:
    code = ("import sys, json, unified; "
            "print(json.dumps([m for m in ('boto3', 'litellm', 'mlflow', 'dspy') "
            "if m in sys.modules]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert json.loads(out) == []
