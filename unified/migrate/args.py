"""Binding a call's arguments to a legacy signature, and reading literals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import libcst as cst

__all__ = ["Bound", "bind", "int_literal", "is_literal", "is_none"]


@dataclass
class Bound:
    """The arguments of a call by parameter name, in source order, and what could not
    be bound (splats, unknown keywords, too many positional arguments)."""

    args: dict[str, cst.Arg] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def order(self) -> list[str]:
        """Parameter names in source order."""
        return list(self.args)

    def given(self, name: str) -> bool:
        """Whether ``name`` was passed with a value other than ``None``."""
        return name in self.args and not is_none(self.args[name].value)

    def value(self, name: str) -> cst.BaseExpression | None:
        """The value passed for ``name`` (``None`` when absent)."""
        arg = self.args.get(name)
        return arg.value if arg is not None else None


def bind(call: cst.Call, params: Sequence[str], keywords: Sequence[str] = ()) -> Bound:
    """Bind ``call``'s arguments to positional-or-keyword ``params`` and keyword-only
    ``keywords``."""
    bound = Bound()
    label = _callee(call)
    position = 0
    for arg in call.args:
        if arg.star:
            bound.problems.append(f"{label}({arg.star}...) splat: the arguments cannot be "
                                  "mapped safely; pass them explicitly")
        elif arg.keyword is None:
            if position >= len(params):
                bound.problems.append(f"{label}(): unexpected positional argument")
            else:
                bound.args[params[position]] = arg
            position += 1
        elif arg.keyword.value in params or arg.keyword.value in keywords:
            bound.args[arg.keyword.value] = arg
        else:
            bound.problems.append(f"{label}({arg.keyword.value}=...) is not a known argument")
    return bound


def _callee(call: cst.Call) -> str:
    func = call.func
    return func.attr.value if isinstance(func, cst.Attribute) else \
        func.value if isinstance(func, cst.Name) else "call"


def is_none(node: cst.BaseExpression | None) -> bool:
    """Whether ``node`` is the literal ``None``."""
    return isinstance(node, cst.Name) and node.value == "None"


def is_literal(node: cst.BaseExpression | None, value: bool) -> bool:
    """Whether ``node`` is the literal ``True``/``False`` given as ``value``."""
    return isinstance(node, cst.Name) and node.value == str(value)


def int_literal(node: cst.BaseExpression | None) -> int | None:
    """The value of an integer literal (``3``, ``0x10``, ``1_000``), else ``None``."""
    if isinstance(node, cst.Integer):
        return int(node.value.replace("_", ""), 0)
    return None
