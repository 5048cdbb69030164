"""The migration codemod: rewrites legacy tidyllm DSPy code to the unified API.

Run it as ``unified-migrate [--check | --write] PATH...`` or ``python -m unified.migrate``
(see :mod:`unified.migrate.cli` for the options and exit codes), or call
:func:`migrate_source` on one module's source. Built on libcst (the ``migrate`` extra),
so comments and formatting survive; the code is parsed, never imported or run.

Rewrite rules (legacy defaults that differ from unified ones are written out, so a
migrated call behaves as the legacy one did):

- ``DSPyWrapper(DSPyConfig(...))`` -> ``UnifiedDSPyWrapper(UnifiedConfig(backend=
  BackendType.GATEWAY, model=..., gateway_uri=..., temperature=..., max_tokens=...,
  retry=RetryConfig(max_retries=N - 1), cache=CacheConfig(memory_entries=cache_size)))``
  (legacy ``max_retries`` counted tries in all; ``cache_enabled=False`` drops the cache).
  ``circuit_*`` and ``budget_usd`` have no unified equivalent: such calls stay.
  ``wrapper.predict(sig, **inputs)`` -> ``wrapper.create_module(sig).predict(**inputs)``
  with a review comment (a ``dspy.Prediction`` that raises, not a ``DSPyResult``).
- ``DSPyEnhancedWrapper(retry_config=R, cache_config=C, validation_config=V)`` ->
  ``UnifiedDSPyWrapper(UnifiedConfig(retry=R', cache=C', validation=V'))``; a missing or
  ``None`` R/C becomes the legacy default ``RetryConfig(max_delay=60.0)`` /
  ``CacheConfig(directory=".tidydspy_cache")``. ``RetryConfig(...)`` gets
  ``max_delay=60.0`` unless given; ``CacheConfig``: ``ttl`` -> ``ttl_seconds``,
  ``cache_dir`` -> ``directory`` (default ``".tidydspy_cache"`` made explicit);
  ``ValidationConfig``: ``custom_validators`` -> ``validators``. Positional arguments
  become keywords. On a migrated wrapper variable: ``create_module(name, sig)`` ->
  ``create_module(sig)``, ``batch_process`` -> ``batch``; on its modules ``process(d)``
  -> ``predict(**d)``.
- ``DSPyBedrockEnhancedWrapper`` / ``DSPyBedrockEnhanced(bedrock_config=B, ...)`` with B
  an inline ``BedrockConfig(...)`` or dict literal -> ``UnifiedDSPyWrapper(UnifiedConfig(
  backend=BackendType.BEDROCK, model=<default_model>, aws_region=<region, default
  "us-east-1">, aws_profile/aws_*..., temperature=0.7, max_tokens=1000, retry/cache as
  above))``; ``create_bedrock_module(name, sig)`` -> ``create_module(sig)``.
- ``configure_dspy_with_gateway(route, uri)`` as a statement ->
  ``_unified_wrapper = UnifiedDSPyWrapper(UnifiedConfig(backend=BackendType.GATEWAY,
  model=route, gateway_uri=uri or "http://localhost:5000", temperature=0.1,
  max_tokens=1000, retry=RetryConfig(max_retries=2)))`` then
  ``dspy.configure(lm=_unified_wrapper.lm)`` (``activate()`` is a ``with`` block; the
  legacy call configured DSPy globally, so the global form is kept). Assigned
  (``lm = configure_dspy_with_gateway(...)``): ``lm = _unified_wrapper.lm`` then
  ``dspy.configure(lm=lm)``; returned: ``return _unified_wrapper.lm``.
- ``DynamicDSPyModule(Sig)`` -> ``<wrapper>.create_module(Sig)`` when exactly one
  unified wrapper variable is in scope (a configure wrapper is preferred);
  ``module.forward(...)`` -> ``module.predict(...)``.
- Imports from ``tidyllm.<module>``, bare ``<module>`` (``dspy_enhanced``,
  ``dspy_wrapper``, ``dspy_gateway_backend``, ``dspy_bedrock_enhanced``, ``base_module``)
  and ``unified.compat`` -> ``from unified import <exactly the names used>``; names
  still used but not rewritten -> ``from unified.compat import ...``.

What cannot be rewritten safely stays untouched under a ``# unified-migrate: review:
<why>`` comment: ``**kwargs`` splats, configs that are not inline literals (or variables
bound to one), test seams, legacy-only attributes of a variable (``wrapper.as_mcp_tool``),
legacy-only methods on receivers it cannot see (``self.w.batch_process(`` -> suggests
``.batch(``). Calls that must move together (a wrapper and its configs, every call of
one config class in a file) are rewritten together or not at all. Running it twice
changes nothing the second time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .engine import Migration, migrate_source

__all__ = ["Migration", "migrate_source"]


def __getattr__(name: str) -> Any:
    """Import the engine (and libcst) on first use, so ``unified-migrate`` can report a
    missing libcst instead of failing at import time."""
    if name in __all__:
        from . import engine

        return getattr(engine, name)
    raise AttributeError(name)
