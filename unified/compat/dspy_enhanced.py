"""Shim of the legacy ``dspy_enhanced`` module (spec section 1) on the unified wrapper.

``DSPyEnhancedWrapper(retry_config, cache_config, validation_config, lm)`` maps its
configs onto a :class:`~unified._config.UnifiedConfig` (:mod:`unified.compat.mapping`)
and delegates every call to a :class:`~unified._wrapper.UnifiedDSPyWrapper`: retry,
cache, validation and metrics are the unified pipeline's layers, not re-implemented
here. Per-module configs given to ``create_module`` get a unified wrapper of their own;
the calls of all of them are counted in one metrics object, so ``get_metrics()`` covers
the whole legacy wrapper as before, with exactly the legacy keys.

Where the backend comes from:

- ``lm=None``: the unified backend of ``config`` (keyword); without one, the DSPy LM
  configured globally when the wrapper is built (``dspy.configure(lm=...)``, e.g. by
  ``configure_dspy_with_gateway``), as in the legacy code -- which looked it up on every
  call (DIFFERENCES.md D017); with none configured, ``UnifiedConfig.from_env()``
  (``UNIFIED_*`` variables).
- ``lm=<dspy LM>``: that LM becomes the backend (:class:`~unified.compat.lm_backend.DSPyLMBackend`);
  an LM made by a compat shim (``DSPyGatewayLM``) or by a ``UnifiedDSPyWrapper``
  (``wrapper.lm``) lends its unified backend and config instead (no nested retries).
- ``backend=<unified Backend>``: used as is (tests inject a ``MockBackend``).

Test seams (keyword-only): ``clock`` (a :class:`~unified._pipeline.Clock`), or the
legacy ``sleep`` / ``timer`` / ``now``; ``backend``; ``config``. Presets are module
functions returning the constructor's keyword arguments, as in the legacy module:
``DSPyEnhancedWrapper(**production())``. Deliberate differences are listed in
``unified/compat/DIFFERENCES.md``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

import dspy

from .._config import UnifiedConfig
from .._errors import ValidationError
from .._pipeline import Clock, Pipeline
from .._wrapper import UnifiedDSPyModule, UnifiedDSPyWrapper
from ._deprecation import legacy_entry, quiet
from ._runtime import BackendFactory, ShimRuntime, clock_from, legacy_metrics
from .configs import CacheConfig, RetryConfig, ValidationConfig
from .lm_backend import DSPyLMBackend
from .mapping import enhanced_to_unified

__all__ = ["DSPyEnhancedWrapper", "EnhancedModule", "RetryConfig", "CacheConfig",
           "ValidationConfig", "ValidationError", "SECURITY_FORBIDDEN_KEYWORDS",
           "development", "production", "compliance"]

logger = logging.getLogger(__name__)

#: The legacy security list used by the ``compliance()`` preset (a legacy constant: it
#: lives here, not in the core).
SECURITY_FORBIDDEN_KEYWORDS: tuple[str, ...] = (
    "<script>", "javascript:", "eval(", "exec(", "__import__", "'; DROP TABLE", "../",
    "${jndi:")


def _preset(max_retries: int, *, debug: bool, **validation: Any) -> dict[str, Any]:
    with quiet():
        return {"retry_config": RetryConfig(max_retries=max_retries),
                "cache_config": CacheConfig(),
                "validation_config": ValidationConfig(**validation), "debug": debug}


def development() -> dict[str, Any]:
    """Preset: debug on, one retry, cache on, no validation rules."""
    return _preset(1, debug=True)


def production() -> dict[str, Any]:
    """Preset: three retries, cache on, validation not strict (no rules)."""
    return _preset(3, debug=False)


def compliance() -> dict[str, Any]:
    """Preset: five retries, cache on, strict validation (non-empty, no security keywords)."""
    return _preset(5, debug=False, min_length=1,
                   forbidden_keywords=list(SECURITY_FORBIDDEN_KEYWORDS))


class EnhancedModule:
    """A named module of the enhanced wrapper: ``predict(**inputs)``/``process(inputs)``
    run the unified module (``.unified``) and return a ``dspy.Prediction``."""

    def __init__(self, name: str, unified: UnifiedDSPyModule, retry_config: RetryConfig,
                 cache_config: CacheConfig, validation_config: ValidationConfig) -> None:
        self.name = name
        self.unified = unified
        self.retry_config = retry_config
        self.cache_config = cache_config
        self.validation_config = validation_config

    @property
    def predictor(self) -> Any:
        """The ``dspy.Predict`` the module runs."""
        return self.unified.program

    @property
    def signature(self) -> Any:
        """The module's DSPy signature class."""
        return self.unified.program.signature

    @property
    def input_fields(self) -> list[str]:
        """Names of the input fields, in order."""
        return self.unified.input_fields

    @property
    def output_fields(self) -> list[str]:
        """Names of the output fields, in order."""
        return self.unified.output_fields

    def predict(self, **inputs: Any) -> Any:
        """Run the module; the last error is raised when every attempt failed (unified
        error classes, DIFFERENCES.md D008)."""
        return self.unified.predict(**inputs)

    __call__ = predict

    def process(self, inputs: Mapping[str, Any]) -> Any:
        """:meth:`predict` taking one dict of inputs."""
        return self.unified.predict(**inputs)

    def __repr__(self) -> str:
        return f"EnhancedModule({self.name!r}, {self.unified.signature!r})"


class DSPyEnhancedWrapper:
    """Deprecated: use :class:`unified.UnifiedDSPyWrapper` (see module docstring)."""

    _replacement = ("unified.UnifiedDSPyWrapper(UnifiedConfig(retry=..., cache=..., "
                    "validation=...))")

    def __init__(self, retry_config: RetryConfig | None = None,
                 cache_config: CacheConfig | None = None,
                 validation_config: ValidationConfig | None = None, lm: Any = None, *,
                 debug: bool = False, config: UnifiedConfig | None = None,
                 backend: Any = None, backend_factory: BackendFactory | None = None,
                 clock: Clock | None = None, sleep: Callable[[float], None] | None = None,
                 timer: Callable[[], float] | None = None,
                 now: Callable[[], datetime] | None = None) -> None:
        with legacy_entry(type(self).__name__, self._replacement):
            with quiet():
                self.retry_config = RetryConfig.from_value(retry_config)
                self.cache_config = CacheConfig.from_value(cache_config)
                self.validation_config = ValidationConfig.from_value(validation_config)
            self.lm = lm
            self.debug = debug
            self.base_config, backend = self._base(config, lm, backend)
            self.runtime = ShimRuntime(backend=backend, backend_factory=backend_factory,
                                       clock=clock_from(clock, sleep=sleep, timer=timer,
                                                        now=now))
            self.unified: UnifiedDSPyWrapper = self.runtime.wrapper(self._config_for())
            self.modules: dict[str, EnhancedModule] = {}

    @staticmethod
    def _lm_backend(lm: Any) -> tuple[UnifiedConfig, Any]:
        """The config and backend an explicit LM stands for (module docstring)."""
        lent = getattr(lm, "unified_wrapper", None)
        if isinstance(lent, UnifiedDSPyWrapper):
            return lent.config, lent.backend
        pipeline = getattr(getattr(lm, "engine", None), "pipeline", None)
        if isinstance(pipeline, Pipeline):  # the .lm of a UnifiedDSPyWrapper
            return pipeline.config, pipeline.backends[0]
        adapter = DSPyLMBackend(lm)
        return UnifiedConfig(model=adapter.model), adapter

    @classmethod
    def _base(cls, config: UnifiedConfig | None, lm: Any,
              backend: Any) -> tuple[UnifiedConfig, Any]:
        if lm is None and config is None and backend is None:
            lm = dspy.settings.lm  # the legacy default: the globally configured LM
        if lm is None:
            return config or UnifiedConfig.from_env(), backend
        lm_config, lm_backend = cls._lm_backend(lm)
        return config or lm_config, backend or lm_backend

    def _config_for(self, retry: RetryConfig | None = None, cache: CacheConfig | None = None,
                    validation: ValidationConfig | None = None,
                    **overrides: Any) -> UnifiedConfig:
        config = enhanced_to_unified(retry or self.retry_config, cache or self.cache_config,
                                     validation or self.validation_config,
                                     base=self.base_config)
        return config.with_overrides(**overrides) if overrides else config

    def log(self, message: str, *args: Any) -> None:
        """Log at INFO in debug mode, else at DEBUG."""
        logger.log(logging.INFO if self.debug else logging.DEBUG, message, *args)

    def create_module(self, name: str, signature: Any, retry_config: RetryConfig | None = None,
                      cache_config: CacheConfig | None = None,
                      validation_config: ValidationConfig | None = None, *, lm: Any = None,
                      **overrides: Any) -> EnhancedModule:
        """Create (and register under ``name``) a module; given configs override the
        wrapper's. ``lm`` gives this module its own LM (as the legacy test seam did);
        ``overrides`` are ``UnifiedConfig`` fields (e.g. ``model``)."""
        config = self._config_for(retry_config, cache_config, validation_config, **overrides)
        backend = self._lm_backend(lm)[1] if lm is not None else None
        unified = self.runtime.wrapper(config, backend).create_module(signature)
        module = EnhancedModule(name, unified, retry_config or self.retry_config,
                                cache_config or self.cache_config,
                                validation_config or self.validation_config)
        self.modules[name] = module
        self.log("created module %s (%s)", name, unified.signature)
        return module

    def batch_process(self, module: EnhancedModule, inputs_list: Iterable[Mapping[str, Any]],
                      max_workers: int = 4) -> list[Any]:
        """Run ``module`` on each inputs dict in a thread pool: predictions, or the raised
        exception per item, in input order."""
        return module.unified.wrapper.batch(module.unified, list(inputs_list), max_workers)

    def chain(self, *modules: EnhancedModule) -> Callable[..., Any]:
        """A callable running ``modules`` in turn, each one's outputs merged into the
        next one's inputs; it returns the last prediction."""
        return self.unified.chain(*(module.unified for module in modules))

    def get_metrics(self) -> dict[str, Any]:
        """The legacy metrics dict: exactly the keys and formulas of spec section 1."""
        return legacy_metrics(self.runtime.metrics.snapshot())

    def reset_metrics(self) -> None:
        """Zero every counter."""
        self.runtime.metrics.reset()

    def clear_cache(self) -> int:
        """Empty the caches; return how many stored entries were removed."""
        return self.runtime.clear_caches()

    def close(self) -> None:
        """Close the unified wrappers (cache files, backend connections)."""
        self.runtime.close()

    def __enter__(self) -> DSPyEnhancedWrapper:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
