"""Building argument lists that keep the look of the call they replace.

A rewritten call reuses the source call's layout. A call broken after its opening
parenthesis keeps one argument per line, with each source argument's trailing comment
and the comment lines after it carried along. A call on one line, or with its arguments
aligned under the first one (an alignment a renamed callee would break), is reflowed:
one line when it fits in :data:`MAX_LINE` columns and no argument carries a comment,
else one argument per line with a hanging indent of four spaces under the line the call
starts on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import libcst as cst

__all__ = ["MAX_LINE", "Item", "Placement", "Style", "call", "code_of", "drop_args", "expr",
           "keyword_arg"]

MAX_LINE = 88
_EMPTY = cst.SimpleWhitespace("")
_NO_SPACE_EQUAL = cst.AssignEqual(whitespace_before=_EMPTY, whitespace_after=_EMPTY)
_MODULE = cst.Module(body=[])


def code_of(node: cst.CSTNode) -> str:
    """The source text of ``node``."""
    return _MODULE.code_for_node(node)


def expr(source: str) -> cst.BaseExpression:
    """Parse a small expression written by the codemod."""
    return cst.parse_expression(source)


def keyword_arg(keyword: str | None, value: cst.BaseExpression) -> cst.Arg:
    """``keyword=value`` (or a positional ``value``) without surrounding whitespace."""
    if keyword is None:
        return cst.Arg(value=value)
    return cst.Arg(value=value, keyword=cst.Name(keyword), equal=_NO_SPACE_EQUAL)


@dataclass(frozen=True)
class Item:
    """One argument of a call being built; ``source`` is the argument it came from."""

    keyword: str | None
    value: cst.BaseExpression
    source: cst.Arg | None = None

    def arg(self) -> cst.Arg:
        """The bare argument (no comma, no trailing whitespace)."""
        value = self.value
        if isinstance(value, cst.GeneratorExp | cst.NamedExpr) and not value.lpar:
            # f(x for x in y) and f(a := b) need no parentheses; as keyword values they do
            value = value.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        src = self.source
        if src is not None and src.keyword is not None and self.keyword is not None:
            return src.with_changes(keyword=cst.Name(self.keyword), value=value,
                                    comma=cst.MaybeSentinel.DEFAULT,
                                    whitespace_after_arg=_EMPTY)
        return keyword_arg(self.keyword, value)

    def trail(self) -> tuple[cst.TrailingWhitespace, Sequence[cst.EmptyLine]]:
        """The source argument's end-of-line comment and the comment lines after it."""
        src = self.source
        if src is not None:
            ws = src.comma.whitespace_after if isinstance(src.comma, cst.Comma) \
                else src.whitespace_after_arg
            if isinstance(ws, cst.ParenthesizedWhitespace):
                return ws.first_line, ws.empty_lines
        return cst.TrailingWhitespace(), ()


@dataclass(frozen=True)
class Placement:
    """Where the source call starts: its line's indentation and its column."""

    indent: str
    column: int


@dataclass(frozen=True)
class Style:
    """How arguments are separated: ``separator``/``closing`` are ``(indent flag,
    whitespace)`` of the line breaks after an argument / before ``)``, ``None`` for none."""

    opening: cst.BaseParenthesizableWhitespace = _EMPTY
    separator: tuple[bool, str] | None = None
    closing: tuple[bool, str] | None = None
    trailing_comma: bool = False

    @classmethod
    def of(cls, source: cst.Call) -> Style:
        """The style of ``source``."""
        breaks = [source.whitespace_before_args] + [
            a.comma.whitespace_after for a in source.args[:-1] if isinstance(a.comma, cst.Comma)]
        separator = next(((ws.indent, ws.last_line.value) for ws in breaks
                          if isinstance(ws, cst.ParenthesizedWhitespace)), None)
        closing, trailing = None, False
        if source.args:
            last = source.args[-1]
            trailing = isinstance(last.comma, cst.Comma)
            ws = last.comma.whitespace_after if isinstance(last.comma, cst.Comma) \
                else last.whitespace_after_arg
            if isinstance(ws, cst.ParenthesizedWhitespace):
                closing = (ws.indent, ws.last_line.value)
        return cls(source.whitespace_before_args, separator, closing, trailing)

    @property
    def visual(self) -> bool:
        """Arguments continue on lines aligned under the first one (``f(a,\\n  b)``)."""
        return self.separator is not None and \
            not isinstance(self.opening, cst.ParenthesizedWhitespace)

    @classmethod
    def hanging(cls, indent: str) -> Style:
        """One argument per line, four spaces deeper than ``indent``, trailing comma."""
        hang = indent + "    "
        return cls(_break((False, hang)), (False, hang), (False, indent), True)

    def arrange(self, items: Sequence[Item]) -> list[cst.Arg]:
        """The arguments of ``items`` joined in this style."""
        args = []
        for i, item in enumerate(items):
            arg = item.arg()
            first_line, empty_lines = item.trail()
            if i < len(items) - 1:
                ws: cst.BaseParenthesizableWhitespace = (
                    _break(self.separator, first_line, empty_lines) if self.separator
                    else cst.SimpleWhitespace(" "))
                arg = arg.with_changes(comma=cst.Comma(whitespace_after=ws))
            elif self.closing is not None:
                ws = _break(self.closing, first_line, empty_lines)
                arg = arg.with_changes(comma=cst.Comma(whitespace_after=ws)) \
                    if self.trailing_comma else arg.with_changes(whitespace_after_arg=ws)
            args.append(arg)
        return args


def _break(spec: tuple[bool, str], first_line: cst.TrailingWhitespace | None = None,
           empty_lines: Sequence[cst.EmptyLine] = ()) -> cst.ParenthesizedWhitespace:
    return cst.ParenthesizedWhitespace(first_line=first_line or cst.TrailingWhitespace(),
                                       empty_lines=empty_lines, indent=spec[0],
                                       last_line=cst.SimpleWhitespace(spec[1]))


def call(func: cst.BaseExpression, items: Sequence[Item], style: Style,
         placement: Placement | None = None, prefix: int = 0) -> cst.Call:
    """``func(items)`` in ``style``. With a ``placement``, a one-line or visually indented
    style is reflowed: one line when it fits in :data:`MAX_LINE` columns (counting
    ``placement.column`` and ``prefix`` more characters before it) and no argument
    carries a comment, else one argument per line under a hanging indent."""
    if placement is None or not items or (style.separator is not None and not style.visual):
        return _build(func, items, style)
    built = _build(func, items, Style())
    commented = any(item.trail()[0].comment is not None or item.trail()[1] for item in items)
    width = placement.column + prefix + len(code_of(built).split("\n", 1)[0])
    if commented or width > MAX_LINE:
        built = _build(func, items, Style.hanging(placement.indent))
    return built


def _build(func: cst.BaseExpression, items: Sequence[Item], style: Style) -> cst.Call:
    return cst.Call(func=func, args=style.arrange(items), whitespace_before_args=style.opening)


def drop_args(node: cst.Call, dropped: Sequence[cst.Arg]) -> cst.Call:
    """``node`` without the arguments ``dropped``; when the last one goes, the new last
    argument takes over its ending (trailing comma or none, closing line break)."""
    gone = {id(arg) for arg in dropped}
    args = [a for a in node.args if id(a) not in gone]
    if args and node.args and id(node.args[-1]) in gone:
        last = node.args[-1]
        args[-1] = args[-1].with_changes(comma=last.comma,
                                         whitespace_after_arg=last.whitespace_after_arg)
    return node.with_changes(args=args)
