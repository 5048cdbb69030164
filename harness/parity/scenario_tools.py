"""The tools a scenario may name (``tools: [add, multiply]``): small, deterministic."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["TOOLS", "tools_for", "add", "multiply"]


def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


def multiply(a: int, b: int) -> int:
    """Multiply two integers."""
    return a * b


#: Name -> function.
TOOLS: dict[str, Callable[..., Any]] = {"add": add, "multiply": multiply}


def tools_for(names: Sequence[str]) -> list[Any]:
    """``dspy.Tool`` objects for the named tools (KeyError names an unknown one)."""
    import dspy

    return [dspy.Tool(TOOLS[name]) for name in names]
