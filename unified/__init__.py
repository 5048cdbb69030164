"""unified-dspy: one DSPy wrapper for every backend (gateway, Bedrock, direct, mock).

Quick start::

    from unified import UnifiedDSPyWrapper, UnifiedConfig, BackendType, MockBackend
    wrapper = UnifiedDSPyWrapper(UnifiedConfig(backend=BackendType.MOCK),
                                 backend=MockBackend([{"answer": "4"}]))
    print(wrapper.create_module("question -> answer").predict(question="2+2?").answer)

Importing this package is cheap: dspy is imported on first use, and boto3, litellm
and mlflow only by the backends that need them; the network backends
(:class:`GatewayBackend`, :class:`BedrockBackend`, :class:`DirectBackend`) are loaded
on first access (PEP 562), so ``from unified import GatewayBackend`` works and
``import unified`` does not import httpx.

The names in ``__all__`` are the public API; every other module path is private (its
name starts with ``_``) and may change without notice. Besides this package, users
import :mod:`unified.compat` (the legacy API), :mod:`unified.migrate` (the codemod) and
:mod:`unified.mcp` (MCP integration). Constants: ``DEFAULT_MODEL`` is the model a
config uses when none is given; ``__version__`` the package version.
"""

from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any

from ._backends.base import Backend, BaseBackend, Capabilities
from ._backends.mock import MockAnswer, MockBackend
from ._backends.mock_stream import MockStream
from ._config import (
    DEFAULT_MODEL,
    BackendType,
    CacheConfig,
    GatewayRoute,
    MetricsConfig,
    RetryConfig,
    TelemetryConfig,
    UnifiedConfig,
    ValidationConfig,
    register_validator,
)
from ._errors import (
    AuthError,
    BackendError,
    BadRequestError,
    ConfigError,
    ConnectionError,
    FallbackExceptionGroup,
    NotFoundError,
    PermanentError,
    RateLimitError,
    ServerError,
    StreamInterruptedError,
    TimeoutError,
    TransientError,
    UnifiedError,
    UnsupportedFeatureError,
    ValidationError,
)
from ._features.diskstore import CacheFileWarning
from ._features.validation import tool_call_rule
from ._parts import (
    CitationPart,
    Continuation,
    DataPart,
    MediaPart,
    RefusalPart,
    TextPart,
    ThinkingPart,
    ToolCallPart,
    ToolResultPart,
)
from ._pipeline import Clock
from ._scope import bypass_cache
from ._stream import PartDelta, StreamEnd, TextDelta, ThinkingDelta, ToolCallDelta
from ._trace import Attempt, CallRecord, CallTrace, trace_of
from ._types import BackendIdentity, LMRequest, LMResponse, Message, Usage
from ._wrapper import UnifiedDSPyModule, UnifiedDSPyWrapper, __version__

if _TYPE_CHECKING:  # pragma: no cover - the lazy names below, for type checkers
    from ._backends.bedrock import BedrockBackend
    from ._backends.direct import DirectBackend
    from ._backends.gateway import GatewayBackend

#: Public names loaded on first access: the network backends (httpx, boto3 and litellm
#: stay out of ``import unified``).
_LAZY = {
    "GatewayBackend": "._backends.gateway",
    "BedrockBackend": "._backends.bedrock",
    "DirectBackend": "._backends.direct",
}


def __getattr__(name: str) -> _Any:
    """Load a lazy public name (PEP 562) on first access and keep it."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'unified' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The module's names, the lazy ones included."""
    return sorted(set(globals()) | set(_LAZY))

__all__ = [
    "__version__",
    "UnifiedDSPyWrapper",
    "UnifiedDSPyModule",
    "UnifiedConfig",
    "BackendType",
    "GatewayRoute",
    "RetryConfig",
    "CacheConfig",
    "ValidationConfig",
    "MetricsConfig",
    "TelemetryConfig",
    "DEFAULT_MODEL",
    "register_validator",
    "tool_call_rule",
    "Backend",
    "BaseBackend",
    "GatewayBackend",
    "BedrockBackend",
    "DirectBackend",
    "MockBackend",
    "MockAnswer",
    "MockStream",
    "Capabilities",
    "BackendIdentity",
    "LMRequest",
    "LMResponse",
    "Message",
    "Usage",
    "TextPart",
    "MediaPart",
    "ToolCallPart",
    "ToolResultPart",
    "ThinkingPart",
    "RefusalPart",
    "CitationPart",
    "DataPart",
    "Continuation",
    "TextDelta",
    "ThinkingDelta",
    "ToolCallDelta",
    "PartDelta",
    "StreamEnd",
    "CallTrace",
    "Attempt",
    "CallRecord",
    "trace_of",
    "Clock",
    "bypass_cache",
    "CacheFileWarning",
    "UnifiedError",
    "ConfigError",
    "BackendError",
    "TransientError",
    "RateLimitError",
    "TimeoutError",
    "ServerError",
    "ConnectionError",
    "FallbackExceptionGroup",
    "PermanentError",
    "AuthError",
    "BadRequestError",
    "NotFoundError",
    "UnsupportedFeatureError",
    "ValidationError",
    "StreamInterruptedError",
]
