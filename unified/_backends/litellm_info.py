"""litellm's model table, read without importing litellm (a ~5 s import).

The direct backend declares its capabilities from what litellm knows about the model:
``supports_vision``, ``supports_pdf_input``, ``supports_audio_input``,
``supports_function_calling`` and ``supports_reasoning``. litellm keeps that table in
``model_prices_and_context_window_backup.json`` inside its package (the one it reads
itself with ``LITELLM_LOCAL_MODEL_COST_MAP=True``, which this library sets); it is read
once per process (~50 ms). As in litellm, a key missing from a known model's entry
means unsupported; a model the table does not know gives ``None``.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
from collections.abc import Mapping
from typing import Any

from .._environment import set_default

__all__ = ["load_litellm", "model_info", "MODEL_INFO_CHECKS", "model_lacks"]

_TABLE = "model_prices_and_context_window_backup.json"
#: litellm's support flags -> the features a model lacks when the flag is not set.
MODEL_INFO_CHECKS: tuple[tuple[str, frozenset[str]], ...] = (
    ("supports_vision", frozenset({"image"})),
    ("supports_pdf_input", frozenset({"document"})),
    ("supports_audio_input", frozenset({"audio"})),
    ("supports_function_calling", frozenset({"tools", "tool_choice", "tool_call",
                                             "tool_result"})),
    ("supports_reasoning", frozenset({"reasoning"})),
)


@functools.cache
def _table() -> Mapping[str, Any]:
    spec = importlib.util.find_spec("litellm")
    if spec is None or not spec.submodule_search_locations:
        return {}
    path = os.path.join(next(iter(spec.submodule_search_locations)), _TABLE)
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def model_info(model: str) -> Mapping[str, Any] | None:
    """litellm's entry for ``model`` (``provider/name`` or a bare name), or None."""
    table = _table()
    entry = table.get(model)
    if entry is None and "/" in model:
        provider, name = model.split("/", 1)
        found = table.get(name)
        if isinstance(found, dict) and found.get("litellm_provider") in (provider, None):
            entry = found
    return entry if isinstance(entry, dict) else None


def model_lacks(model: str) -> frozenset[str]:
    """The features litellm's table says ``model`` lacks (none for an unknown model)."""
    info = model_info(model)
    if info is None:
        return frozenset()
    lacks: set[str] = set()
    for flag, features in MODEL_INFO_CHECKS:
        if not info.get(flag):
            lacks |= features
    return frozenset(lacks)


def load_litellm() -> Any:
    """litellm, imported with its offline settings first (no outside connection) and its
    debug printing off (the library prints nothing: logging only)."""
    set_default("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    set_default("LITELLM_OFFLINE_MODE", "true")
    import litellm

    litellm.suppress_debug_info = True  # the library prints nothing (logging only)
    return litellm
