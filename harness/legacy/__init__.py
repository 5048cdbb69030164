"""Reference reconstructions of the five legacy tidyllm DSPy patterns (the parity "before").

The legacy code itself is not available; each module here rebuilds one pattern from the
contracts in ``shared/spec/legacy-patterns.md`` (sections 1-5):

=========================  ==========  ==============================================
module                     spec        public entry points
=========================  ==========  ==============================================
``dspy_enhanced``          section 1   ``DSPyEnhancedWrapper``, configs, presets
``dspy_gateway_backend``   section 2   ``TidyLLMGatewayBackend``, ``DSPyGatewayLM``
``dspy_bedrock_enhanced``  section 3   ``DSPyBedrockEnhancedWrapper``, ``estimate_cost``
``dspy_wrapper``           section 4   ``DSPyWrapper``, ``DSPyResult``, MCP helpers
``base_module``            section 5   ``DynamicDSPyModule``, signature registry
=========================  ==========  ==============================================

They depend on dspy, httpx, pyyaml and (lazily) boto3 -- never on ``unified``.

Pointing the harness at an original checkout
--------------------------------------------
The harness never imports these modules directly; it calls :func:`load_legacy_module`.
Set ``PARITY_LEGACY_PACKAGE`` to the import path of a package that holds modules with
the same names, e.g. ``PARITY_LEGACY_PACKAGE=tidyllm`` makes
``load_legacy_module("dspy_enhanced")`` import ``tidyllm.dspy_enhanced`` (the checkout
must be importable, e.g. installed or on ``PYTHONPATH``). Unset or empty, the package is
``harness.legacy`` (these reconstructions).
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType

PACKAGE_ENV_VAR = "PARITY_LEGACY_PACKAGE"
DEFAULT_PACKAGE = "harness.legacy"
LEGACY_MODULES: tuple[str, ...] = (
    "dspy_enhanced",
    "dspy_gateway_backend",
    "dspy_bedrock_enhanced",
    "dspy_wrapper",
    "base_module",
)

__all__ = ["DEFAULT_PACKAGE", "LEGACY_MODULES", "PACKAGE_ENV_VAR", "legacy_package",
           "load_legacy_module"]


def legacy_package() -> str:
    """Return the package the legacy modules are imported from (env setting or default)."""
    return os.environ.get(PACKAGE_ENV_VAR, "").strip() or DEFAULT_PACKAGE


def load_legacy_module(name: str) -> ModuleType:
    """Import the legacy module ``name`` (one of :data:`LEGACY_MODULES`).

    The package comes from :func:`legacy_package`, so ``PARITY_LEGACY_PACKAGE=tidyllm``
    swaps these reconstructions for an original checkout. An unknown name raises
    ``ValueError``; a package without the module raises ``ModuleNotFoundError``.
    """
    if name not in LEGACY_MODULES:
        raise ValueError(f"unknown legacy module {name!r}; expected one of {', '.join(LEGACY_MODULES)}")
    return importlib.import_module(f"{legacy_package()}.{name}")
