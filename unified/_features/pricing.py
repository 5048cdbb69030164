"""Estimated cost of a call from a per-1k-token price table (``unified/data/prices.json``)."""

from __future__ import annotations

import functools
import json
from importlib import resources

__all__ = ["price_per_1k", "estimate_cost"]


@functools.cache
def _table() -> dict[str, tuple[float, float]]:
    text = resources.files("unified").joinpath("data/prices.json").read_text(encoding="utf-8")
    return {k: (float(v[0]), float(v[1])) for k, v in json.loads(text).items()
            if not k.startswith("_")}


@functools.lru_cache(maxsize=256)
def price_per_1k(model: str) -> tuple[float, float] | None:
    """(input, output) USD per 1k tokens for ``model``, matching a provider prefix too."""
    table = _table()
    if model in table:
        return table[model]
    bare = model.rsplit("/", 1)[-1]
    return table.get(bare)


def estimate_cost(model: str, input_tokens: int, output_tokens: int) -> float:
    """Estimated USD of one call; 0.0 when the model has no listed price."""
    price = price_per_1k(model)
    if price is None:
        return 0.0
    return (input_tokens * price[0] + output_tokens * price[1]) / 1000.0
