"""Backend selection: explicit types, and AUTO detection that explains its choice.

``select_backend(config, environ)`` returns ``(backend, reason)``. For
``BackendType.AUTO`` the mock backend is chosen only when ``UNIFIED_ALLOW_MOCK=1``;
otherwise a :class:`~unified.errors.ConfigError` lists which settings would select
each backend.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from ..config import BackendType, UnifiedConfig
from ..errors import ConfigError

__all__ = ["select_backend", "build_backend", "HOW_TO_SELECT"]

HOW_TO_SELECT = {
    "gateway": "set MLFLOW_GATEWAY_URI (or config.gateway_uri)",
    "bedrock": "resolve AWS credentials and a region (AWS_* variables, a profile, or "
               "config.aws_region) with a Bedrock model id",
    "direct": "set the provider API key for the model (e.g. OPENAI_API_KEY) or config.api_key",
    "mock": "set UNIFIED_ALLOW_MOCK=1 or backend='mock'",
}


def build_backend(kind: BackendType, config: UnifiedConfig) -> Any:
    """Construct the backend of ``kind`` from ``config`` (heavy SDKs imported lazily)."""
    if kind is BackendType.MOCK:
        from .mock import MockBackend

        return MockBackend(model=config.model)
    raise ConfigError.for_field("backend", kind.value,
                                "a backend available in this build (mock)")


def select_backend(config: UnifiedConfig,
                   environ: Mapping[str, str] | None = None) -> tuple[Any, str]:
    """Pick and build the backend for ``config``; return it with the reason it was chosen."""
    env = os.environ if environ is None else environ
    if config.backend is not BackendType.AUTO:
        return build_backend(config.backend, config), f"configured: backend={config.backend.value}"
    if env.get("UNIFIED_ALLOW_MOCK", "").strip().lower() in ("1", "true", "yes", "on"):
        return build_backend(BackendType.MOCK, config), "auto: UNIFIED_ALLOW_MOCK=1"
    lines = "; ".join(f"{kind}: {how}" for kind, how in HOW_TO_SELECT.items())
    raise ConfigError("backend=auto found no usable backend. To select one: " + lines,
                      field="backend", value="auto")
