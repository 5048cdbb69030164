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
  ``circuit_*`` and a non-``None`` ``budget_usd`` have no unified equivalent: such calls
  stay. ``w.predict(sig, **inputs)`` -> ``w.create_module(sig).predict(**inputs)`` (with a
  review comment: it raises instead of returning ``success=False``), its result's
  ``.outputs`` -> ``.toDict()``; any other use of the ``DSPyResult`` keeps the wrapper.
- ``DSPyEnhancedWrapper(retry_config=R, cache_config=C, validation_config=V)`` ->
  ``UnifiedDSPyWrapper(UnifiedConfig(retry=R', cache=C', validation=V'))``; a missing or
  ``None`` R/C becomes the legacy default ``RetryConfig(max_delay=60.0)`` /
  ``CacheConfig(directory=".tidydspy_cache")``; ``debug=`` is dropped (log level only).
  ``RetryConfig(...)`` gets ``max_delay=60.0`` unless given; ``CacheConfig``: ``ttl`` ->
  ``ttl_seconds``, ``cache_dir`` -> ``directory`` (default ``".tidydspy_cache"`` written
  out unless ``enabled=False``); ``ValidationConfig``: ``custom_validators`` ->
  ``validators``. Positional arguments become keywords. On a migrated wrapper variable:
  ``create_module(name, sig)`` -> ``create_module(sig)``, ``batch_process`` -> ``batch``;
  on its modules ``process(d)`` -> ``predict(**d)``. The legacy wrapper answered from the
  global DSPy LM: when the file sets it with ``configure_dspy_with_gateway(route, uri)``
  the new ``UnifiedConfig`` is pinned to that gateway (``backend=BackendType.GATEWAY,
  model=route, gateway_uri=uri, temperature=0.1, max_tokens=1000``); when that cannot be
  decided safely the wrapper stays on ``unified.compat`` (see :mod:`unified.migrate.pins`).
- ``DSPyBedrockEnhancedWrapper`` / ``DSPyBedrockEnhanced(bedrock_config=B, ...)`` with B
  an inline ``BedrockConfig(...)`` or dict literal -> ``UnifiedDSPyWrapper(UnifiedConfig(
  backend=BackendType.BEDROCK, aws_region=<region, default "us-east-1">, aws_profile /
  aws_access_key_id / ..., model=<default_model>, temperature=0.7, max_tokens=1000,
  retry/cache as above))``; ``create_bedrock_module(name, sig)`` -> ``create_module(sig)``
  (its ``create_module``, which ran on the global DSPy LM, keeps it legacy).
- ``configure_dspy_with_gateway(route, uri)`` as a statement ->
  ``_unified_wrapper = UnifiedDSPyWrapper(UnifiedConfig(backend=BackendType.GATEWAY,
  model=route, gateway_uri=uri or "http://localhost:5000", temperature=0.1,
  max_tokens=1000, retry=RetryConfig(max_retries=2)))`` then
  ``dspy.configure(lm=_unified_wrapper.lm)`` (``activate()`` is a ``with`` block; the
  legacy call configured DSPy globally, so the global form is kept; ``import dspy`` is
  added when missing). Assigned (``lm = configure_dspy_with_gateway(...)``):
  ``lm = _unified_wrapper.lm`` then ``dspy.configure(lm=lm)``; returned:
  ``return _unified_wrapper.lm``. Inside a larger expression: review comment.
- ``DynamicDSPyModule(Sig)`` -> ``<wrapper>.create_module(Sig)`` when exactly one wrapper
  standing for the global LM the legacy module ran on is in scope (a migrated
  ``configure_dspy_with_gateway`` or enhanced wrapper, or an existing
  ``UnifiedDSPyWrapper``; a local one first, then module level; a configure wrapper wins a
  tie); ``module.forward(...)`` -> ``module.predict(...)``.
- Imports from ``tidyllm.<module>``, bare ``<module>`` (``dspy_enhanced``,
  ``dspy_wrapper``, ``dspy_gateway_backend``, ``dspy_bedrock_enhanced``, ``base_module``)
  and ``unified.compat`` -> ``from unified import <exactly the names used>``; names
  still used but not rewritten -> ``from unified.compat import ...`` (or the compat
  module named after the legacy one when the package does not export the name); a
  module alias still used -> ``from unified.compat import dspy_enhanced as de``.

What cannot be rewritten safely stays untouched under a ``# unified-migrate: review:
<what, why, next step>`` comment (texts in :mod:`unified.migrate.reviews`): ``**kwargs``
splats, configs that are not inline literals (or variables bound to one), configs used
where the codemod cannot follow them (a conditional, a dict, a helper, ``print``), test
seams, legacy-only attributes of a variable (``wrapper.as_mcp_tool``, ``result.success``),
legacy-only methods on receivers it cannot see (``self.w.batch_process(`` -> suggests
``.batch(``). Calls that must move together -- a wrapper and the configs given to it,
every call of one same-named config class in a file -- are rewritten together or not at
all (see :mod:`unified.migrate.groups`), so a migrated file never hands a unified config
to a legacy wrapper or the reverse (the compat wrappers take both anyway). Files that
import no legacy module are never changed. Running it twice changes nothing the second
time.
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
