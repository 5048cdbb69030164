"""unified-dspy: one DSPy wrapper for every backend (gateway, Bedrock, direct, mock).

Quick start::

    from unified import UnifiedDSPyWrapper, UnifiedConfig, BackendType, MockBackend
    wrapper = UnifiedDSPyWrapper(UnifiedConfig(backend=BackendType.MOCK),
                                 backend=MockBackend([{"answer": "4"}]))
    print(wrapper.create_module("question -> answer").predict(question="2+2?").answer)

Importing this package is cheap: dspy is imported on first use, and boto3, litellm
and mlflow only by the backends that need them.
"""

from ._backends.base import Backend, Capabilities
from ._backends.mock import MockAnswer, MockBackend
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
from ._pipeline import Clock
from ._scope import bypass_cache
from ._types import BackendIdentity, LMRequest, LMResponse, Message, Usage
from ._wrapper import UnifiedDSPyModule, UnifiedDSPyWrapper, __version__

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
    "Backend",
    "MockBackend",
    "MockAnswer",
    "Capabilities",
    "BackendIdentity",
    "LMRequest",
    "LMResponse",
    "Message",
    "Usage",
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
