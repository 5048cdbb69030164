"""Implementations under comparison, and how new ones are registered.

Built in: ``legacy:<pattern>`` (the references of :mod:`harness.legacy`, or an original
tidyllm checkout via ``PARITY_LEGACY_PACKAGE``), ``compat:<pattern>`` (the shims of
:mod:`unified.compat`) for each of the five patterns, and ``unified`` (the native API).

More register without editing the harness, by either:
- an entry point in the group ``unified_dspy.parity_implementations`` whose object is a
  zero-argument factory returning an :class:`Implementation`; or
- the setting ``PARITY_IMPLEMENTATIONS=pkg.module:factory[,…]``.
Precedence: the setting's factories, then entry points, then the built-ins (a later
name never replaces an earlier one).
"""

from __future__ import annotations

import functools
import importlib
import os
from collections.abc import Callable
from importlib.metadata import entry_points

from ..scenarios import PATTERNS
from .base import Implementation, RunEnv, SleepRecorder
from .native import NativeUnifiedAdapter
from .patterns import PatternAdapter

__all__ = ["Implementation", "RunEnv", "SleepRecorder", "PatternAdapter",
           "NativeUnifiedAdapter", "available_implementations", "ENTRY_POINT_GROUP",
           "SETTING"]

ENTRY_POINT_GROUP = "unified_dspy.parity_implementations"
SETTING = "PARITY_IMPLEMENTATIONS"
Factory = Callable[[], Implementation]


def _builtins() -> dict[str, Factory]:
    found: dict[str, Factory] = {}
    for pattern in PATTERNS:
        for kind in ("legacy", "compat"):
            found[f"{kind}:{pattern}"] = functools.partial(PatternAdapter, kind, pattern)  # type: ignore[assignment]
    found["unified"] = NativeUnifiedAdapter
    return found


def _from_setting(value: str) -> list[Factory]:
    factories = []
    for spec in filter(None, (part.strip() for part in value.split(","))):
        module, _, attr = spec.partition(":")
        if not attr:
            raise ValueError(f"{SETTING}: {spec!r} is not 'module:factory'")
        factories.append(getattr(importlib.import_module(module), attr))
    return factories


def available_implementations() -> dict[str, Factory]:
    """Every registered implementation factory by name (see module docstring)."""
    return dict(_registry(os.environ.get(SETTING, "")))


@functools.lru_cache(maxsize=8)
def _registry(setting: str) -> dict[str, Factory]:
    """The registry for one value of the setting: entry points are read once per
    process (reading every distribution's metadata per scenario was a hot spot)."""
    registered: dict[str, Factory] = {}
    extra = _from_setting(setting)
    extra += [ep.load() for ep in entry_points(group=ENTRY_POINT_GROUP)]
    for factory in extra:
        registered.setdefault(factory().name, factory)
    for name, factory in _builtins().items():
        registered.setdefault(name, factory)
    return registered
