"""Shim of the legacy ``dspy_bedrock_enhanced`` module (spec section 3).

``DSPyBedrockEnhancedWrapper(bedrock_config, settings_path, **enhanced_kwargs)`` is the
enhanced wrapper shim (:mod:`unified.compat.dspy_enhanced`) whose base config is the
Bedrock backend: ``BedrockConfig`` (or a plain dict with its keys) maps through
:func:`unified.compat.mapping.bedrock_to_unified` -- region, credentials, and the
default model resolved through the one friendly-name table
(:mod:`unified._backends.bedrock_models`) plus the settings file's
``aws.bedrock.model_mapping``, whose entries win. Calls use ``invoke_model`` with the
legacy Anthropic messages body. ``create_bedrock_module(name, signature, model_id)``
gives a module on another model (a unified wrapper of its own). Retry, cache,
validation, batch and metrics are the enhanced shim's, i.e. the unified pipeline's.

``estimate_cost(model_id, input_tokens, output_tokens)`` returns ``{"input_cost",
"output_cost", "total_cost"}`` in USD from the unified price table
(``unified/data/prices.json``), friendly names resolved first; an unknown model is
priced as the default model; costs are rounded to 8 decimals.

Test seams (keyword-only): ``client`` (a ready ``bedrock-runtime`` client, e.g. with a
botocore ``Stubber``), ``sleep``/``clock``, and the enhanced wrapper's other seams
(``backend``, ``config``, ``timer``, ``now``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from .._backends.bedrock_models import FRIENDLY_MODEL_IDS
from .._config import DEFAULT_MODEL
from .._envconfig import read_config_file
from .._errors import ConfigError
from .._features.pricing import price_per_1k
from .._pipeline import Clock
from ._deprecation import legacy_entry, quiet
from .configs import BedrockConfig
from .dspy_enhanced import DSPyEnhancedWrapper, EnhancedModule
from .mapping import bedrock_to_unified, resolve_bedrock_model

__all__ = ["BedrockConfig", "DSPyBedrockEnhancedWrapper", "DSPyBedrockEnhanced",
           "estimate_cost", "load_model_mapping"]

logger = logging.getLogger(__name__)


def load_model_mapping(settings_path: str | Path | None) -> dict[str, str]:
    """``aws.bedrock.model_mapping`` of a settings file (YAML, or TOML); ``{}`` when there
    is no file, or it cannot be read (logged)."""
    if settings_path is None:
        return {}
    try:
        settings = read_config_file(Path(settings_path))
    except ConfigError as exc:
        logger.warning("Bedrock model mapping not loaded: %s", exc)
        return {}
    section: Any = settings
    for key in ("aws", "bedrock", "model_mapping"):
        section = section.get(key) if isinstance(section, Mapping) else None
    if not isinstance(section, Mapping):
        return {}
    return {str(k): str(v) for k, v in section.items()}


def estimate_cost(model_id: str, input_tokens: int, output_tokens: int, *,
                  model_mapping: Mapping[str, str] | None = None) -> dict[str, float]:
    """USD cost of a call: ``{"input_cost", "output_cost", "total_cost"}``."""
    prices = (price_per_1k(resolve_bedrock_model(model_id, model_mapping))
              or price_per_1k(DEFAULT_MODEL) or (0.0, 0.0))
    input_cost = round(input_tokens / 1000 * prices[0], 8)
    output_cost = round(output_tokens / 1000 * prices[1], 8)
    return {"input_cost": input_cost, "output_cost": output_cost,
            "total_cost": round(input_cost + output_cost, 8)}


def _bedrock_factory(client: Any) -> Any:
    if client is None:
        return None

    def build(config: Any) -> Any:
        from .._backends.bedrock import BedrockBackend

        return BedrockBackend(config, client=client)

    return build


class DSPyBedrockEnhancedWrapper(DSPyEnhancedWrapper):
    """Deprecated: use ``UnifiedDSPyWrapper(UnifiedConfig(backend="bedrock", …))``."""

    _replacement = ("unified.UnifiedDSPyWrapper(UnifiedConfig(backend='bedrock', "
                    "model=..., aws_region=...))")

    def __init__(self, bedrock_config: BedrockConfig | Mapping[str, Any] | None = None,
                 settings_path: str | Path | None = None, *, client: Any = None,
                 sleep: Callable[[float], None] | None = None, clock: Clock | None = None,
                 **enhanced_kwargs: Any) -> None:
        with legacy_entry(type(self).__name__, self._replacement):
            with quiet():
                self.bedrock_config = BedrockConfig.from_value(bedrock_config)
            self.settings_path = settings_path
            self.model_mapping = {**FRIENDLY_MODEL_IDS, **load_model_mapping(settings_path)}
            base = bedrock_to_unified(self.bedrock_config, model_mapping=self.model_mapping,
                                      base=enhanced_kwargs.pop("config", None))
            enhanced_kwargs.setdefault("backend_factory", _bedrock_factory(client))
            self._client = client
            self._client_lock = threading.Lock()
            super().__init__(config=base, sleep=sleep, clock=clock, **enhanced_kwargs)

    @property
    def bedrock_client(self) -> Any:
        """The boto3 ``bedrock-runtime`` client for the configured region (lazily made;
        the Bedrock backend's own client when the wrapper has one)."""
        with self._client_lock:
            if self._client is None:
                backend = self.unified.backend
                if not hasattr(backend, "_bedrock_client"):  # an injected test backend
                    from .._backends.bedrock import BedrockBackend

                    backend = BedrockBackend(self.unified.config)
                self._client = backend._bedrock_client()
            return self._client

    def resolve_model(self, name: str) -> str:
        """A friendly name's model id (settings mapping first); others pass through."""
        return resolve_bedrock_model(name, self.model_mapping)

    def create_bedrock_module(self, name: str, signature: Any, model_id: str | None = None,
                              **kwargs: Any) -> EnhancedModule:
        """An enhanced module on Bedrock model ``model_id`` (friendly names allowed;
        default: the config's default model); ``kwargs`` go to ``create_module``."""
        model = self.resolve_model(model_id or self.bedrock_config.default_model)
        return self.create_module(name, signature, model=model, **kwargs)

    def estimate_cost(self, model_id: str, input_tokens: int,
                      output_tokens: int) -> dict[str, float]:
        """USD cost of a call, resolving names through this wrapper's mapping."""
        return estimate_cost(model_id, input_tokens, output_tokens,
                             model_mapping=self.model_mapping)


#: The legacy alias.
DSPyBedrockEnhanced = DSPyBedrockEnhancedWrapper
