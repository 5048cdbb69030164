"""The import pass: legacy imports become imports of exactly what the file now uses.

Runs on the module the body pass produced. For each legacy import, a name still
referenced is imported from ``unified`` when it now means the unified object
(``RetryConfig`` once its calls were migrated), else from ``unified.compat``; a name no
longer referenced is dropped; ``import tidyllm.dspy_enhanced as de`` still in use becomes
``from unified.compat import dspy_enhanced as de``. A compat name is imported from
``unified.compat`` when the package exports it, else from the compat module named after
the legacy one (``unified.compat.dspy_wrapper``). Module-level legacy imports are replaced by one
block at the place of the first one::

    import dspy                                   # only when the new code needs it
    from unified import BackendType, UnifiedConfig, UnifiedDSPyWrapper
    from unified.compat import DSPyResult

(an existing module-level ``from unified import ...`` receives the unified names
instead). The ``try: from tidyllm.x import Y / except ImportError: from x import Y``
pattern at module level counts as module-level imports. Nested legacy imports are
rewritten in place.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import libcst as cst
from libcst.helpers import get_full_name_for_node
from libcst.metadata import MetadataWrapper, ScopeProvider

from .analysis import ImportSite, alias_local, import_sites, referenced
from .layout import MAX_LINE
from .legacy import COMPAT_MODULE, REVIEW_PREFIX, compat_module_for

__all__ = ["ImportResult", "rewrite_imports"]

Entry = tuple[str, str | None]


@functools.cache
def _compat_exports() -> frozenset[str]:
    """The names ``unified.compat`` exports at package level (its submodules, named
    after the legacy modules, have the others)."""
    try:
        return frozenset(importlib.import_module(COMPAT_MODULE).__all__)
    except ImportError:  # pragma: no cover - the package is part of this distribution
        return frozenset()


@dataclass
class _Split:
    """What one or more legacy import statements turn into: ``compat`` entries and
    ``modules`` carry the compat module they come from / stand for."""

    unified: list[Entry] = field(default_factory=list)
    compat: list[tuple[str, Entry]] = field(default_factory=list)
    modules: list[tuple[str, str]] = field(default_factory=list)
    star: bool = False
    reviews: list[str] = field(default_factory=list)
    keep: list[cst.BaseSmallStatement] = field(default_factory=list)

    def add(self, other: _Split) -> None:
        """Merge ``other``'s imports (not its remainder statements) into this one."""
        self.unified += other.unified
        self.compat += other.compat
        self.modules += other.modules
        self.star |= other.star
        self.reviews += other.reviews


@dataclass
class ImportResult:
    """The new module, how many legacy import statements were rewritten, and the review
    comments added."""

    module: cst.Module
    rewritten: int = 0
    reviews: list[str] = field(default_factory=list)


def _line(text: str, entries: Sequence[str]) -> cst.SimpleStatementLine:
    """``from X import a, b``; parenthesized one name a line when it is too long."""
    flat = f"{text} {', '.join(entries)}"
    if len(flat) > MAX_LINE and len(entries) > 1:
        flat = f"{text} (\n" + "".join(f"    {e},\n" for e in entries) + ")"
    statement = cst.parse_statement(flat + "\n")
    assert isinstance(statement, cst.SimpleStatementLine)
    return statement


def _names(entries: Iterable[Entry], sort: bool) -> list[str]:
    unique = list(dict.fromkeys(entries))
    if sort:
        unique.sort(key=lambda e: (e[0], e[1] or ""))
    return [f"{name} as {alias}" if alias and alias != name else name for name, alias in unique]


class _Pass:
    def __init__(self, module: cst.Module, unified_names: set[str]) -> None:
        wrapper = MetadataWrapper(module)
        self.module = wrapper.module
        self.scopes = wrapper.resolve(ScopeProvider)
        self.sites: dict[cst.CSTNode, ImportSite] = {
            site.node: site for site in import_sites(self.module)}
        self.unified_names = unified_names
        self.result = ImportResult(self.module)

    def referenced(self, node: cst.CSTNode, local: str) -> bool:
        """Whether ``local``, bound by the import ``node``, is still used."""
        return referenced(self.scopes, node, local)

    def split(self, site: ImportSite) -> _Split:
        """What the legacy import ``site`` turns into (see module docstring)."""
        out = _Split(star=site.star)
        self.result.rewritten += 1
        if site.star:
            out.reviews.append("star import of a legacy module: import the names you use, "
                               "then run unified-migrate again")
            return out
        assert not isinstance(site.node.names, cst.ImportStar)
        remaining = []
        for alias in site.node.names:
            local = alias_local(alias)
            asname = local if alias.asname else None
            if local in site.names:
                legacy = site.names[local]
                if not self.referenced(site.node, local):
                    continue
                if legacy in self.unified_names:
                    out.unified.append((legacy, asname))
                else:
                    module = COMPAT_MODULE if legacy in _compat_exports() \
                        else compat_module_for(site.source)
                    out.compat.append((module, (legacy, asname)))
            elif local not in site.modules:
                remaining.append(alias)
            elif not self.referenced(site.node, local):
                continue
            elif alias.asname or "." not in local:
                out.modules.append((compat_module_for(site.modules[local]), local))
            else:
                remaining.append(alias)
                out.reviews.append(f"{local} is still used as a module: import the names "
                                   "you need from unified.compat")
        if remaining:
            names = [a.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
                     for a in remaining[:-1]]
            names.append(remaining[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT))
            out.keep.append(site.node.with_changes(names=names))
        return out

    def render(self, split: _Split, needed: Sequence[str] = (), dspy: bool = False,
               merge_into: cst.SimpleStatementLine | None = None) -> list[cst.SimpleStatementLine]:
        """The import lines of ``split`` (plus ``needed`` unified names and ``import dspy``):
        a compat star import first (so that explicit names win), then ``unified``, then
        the compat imports in sorted order."""
        lines = [cst.parse_statement("import dspy\n")] if dspy else []
        if split.star:
            lines.append(_line(f"from {COMPAT_MODULE} import", ["*"]))
        unified = [*((n, None) for n in needed), *split.unified]
        if unified and merge_into is None:
            lines.append(_line("from unified import", _names(unified, sort=True)))
        compat = [_line(f"from {module.rsplit('.', 1)[0]} import",
                        _names([(module.rsplit(".", 1)[1], local)], sort=False))
                  for module, local in dict.fromkeys(split.modules)]
        for module in dict.fromkeys(m for m, _ in split.compat):
            entries = [entry for m, entry in split.compat if m == module]
            compat.append(_line(f"from {module} import", _names(entries, sort=True)))
        lines += sorted(compat, key=lambda line: cst.Module([line]).code)
        if split.keep:
            lines.append(cst.SimpleStatementLine(split.keep))
        return [line for line in lines if isinstance(line, cst.SimpleStatementLine)]


def _is_import_try(node: cst.CSTNode, sites: dict[cst.CSTNode, ImportSite]) -> bool:
    """A module-level ``try``/``except ImportError`` holding only legacy imports."""
    if not isinstance(node, cst.Try) or node.orelse or node.finalbody:
        return False
    blocks = [node.body, *(h.body for h in node.handlers)]
    caught = all(h.type is not None and {get_full_name_for_node(t) for t in (
        [e.value for e in h.type.elements] if isinstance(h.type, cst.Tuple) else [h.type])}
        <= {"ImportError", "ModuleNotFoundError"} for h in node.handlers)
    return caught and all(isinstance(line, cst.SimpleStatementLine) and all(
        small in sites or isinstance(small, cst.Pass) for small in line.body)
        for block in blocks for line in block.body)


def _small_statements(node: cst.CSTNode) -> list[cst.BaseSmallStatement]:
    if isinstance(node, cst.SimpleStatementLine):
        return list(node.body)
    if isinstance(node, cst.Try):
        return [s for block in (node.body, *(h.body for h in node.handlers))
                for line in block.body if isinstance(line, cst.SimpleStatementLine)
                for s in line.body]
    return []


def _existing_unified(body: Sequence[cst.CSTNode], sites: dict[cst.CSTNode, ImportSite]
                      ) -> cst.SimpleStatementLine | None:
    for line in body:
        if isinstance(line, cst.SimpleStatementLine) and len(line.body) == 1:
            small = line.body[0]
            if isinstance(small, cst.ImportFrom) and small not in sites and not small.relative \
                    and small.module \
                    and get_full_name_for_node(small.module) == "unified" \
                    and not isinstance(small.names, cst.ImportStar):
                return line
    return None


def _insertion_index(body: Sequence[cst.CSTNode]) -> int:
    def small(i: int) -> Sequence[cst.BaseSmallStatement]:
        line = body[i] if i < len(body) else None
        return line.body if isinstance(line, cst.SimpleStatementLine) else ()

    index = 0
    first = small(0)
    if first and isinstance(first[0], cst.Expr) and isinstance(first[0].value, cst.SimpleString):
        index = 1
    while small(index) and all(isinstance(s, cst.Import | cst.ImportFrom) for s in small(index)):
        index += 1
    return index


def _commented(line: cst.SimpleStatementLine, leading: Sequence[cst.EmptyLine],
               reviews: Sequence[str], result: ImportResult) -> cst.SimpleStatementLine:
    """``line`` under the comment lines ``leading`` and one line per new review."""
    lines = [*leading, *line.leading_lines]
    present = {e.comment.value for e in lines if e.comment is not None}
    for message in dict.fromkeys(reviews):
        if REVIEW_PREFIX + message not in present:
            lines.append(cst.EmptyLine(comment=cst.Comment(REVIEW_PREFIX + message)))
            result.reviews.append(message)
    return line.with_changes(leading_lines=lines)


class _Nested(cst.CSTTransformer):
    """Rewrites legacy imports below module level in place."""

    def __init__(self, state: _Pass) -> None:
        super().__init__()
        self.state = state

    def leave_SimpleStatementLine(
            self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine | cst.FlattenSentinel[cst.SimpleStatementLine] | \
            cst.RemovalSentinel:
        """Replace a line of legacy imports by its new import lines (or remove it)."""
        sites = self.state.sites
        if not any(s in sites for s in original_node.body):
            return updated_node
        split = _Split()
        for small in original_node.body:
            part = self.state.split(sites[small]) if small in sites else _Split(keep=[small])
            split.add(part)
            split.keep += part.keep
        lines = self.state.render(split)
        if not lines:
            return cst.RemovalSentinel.REMOVE
        lines[0] = _commented(lines[0].with_changes(
            trailing_whitespace=original_node.trailing_whitespace),
            original_node.leading_lines, split.reviews, self.state.result)
        return cst.FlattenSentinel(lines)

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock,
                            updated_node: cst.IndentedBlock) -> cst.IndentedBlock:
        """A block whose only statements were removed imports gets ``pass``."""
        if updated_node.body:
            return updated_node
        return updated_node.with_changes(body=[cst.SimpleStatementLine([cst.Pass()])])


def _merged(line: cst.SimpleStatementLine, entries: Sequence[Entry]) -> cst.SimpleStatementLine:
    """The existing ``from unified import ...`` line with ``entries`` added."""
    small = line.body[0]
    assert isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar)
    have: list[Entry] = [(get_full_name_for_node(a.name) or "",
                          get_full_name_for_node(a.asname.name) if a.asname else None)
                         for a in small.names]
    new = [e for e in dict.fromkeys(entries) if e not in have]
    if not new:
        return line
    text = _names(have, sort=False) + _names(new, sort=True)
    return _line("from unified import", text).with_changes(
        leading_lines=line.leading_lines, trailing_whitespace=line.trailing_whitespace)


def rewrite_imports(module: cst.Module, *, needed: Iterable[str], unified_names: set[str],
                    dspy: bool) -> ImportResult:
    """Rewrite the legacy imports of ``module`` (see module docstring): ``needed`` are the
    unified names the migrated code uses, ``unified_names`` the legacy names that now
    mean the unified objects, ``dspy`` whether ``import dspy`` must be added."""
    state = _Pass(module, unified_names)
    body = list(state.module.body)
    level = [i for i, node in enumerate(body) if _is_import_try(node, state.sites) or (
        isinstance(node, cst.SimpleStatementLine) and any(s in state.sites for s in node.body))]
    total, remainders = _Split(), {}
    for i in level:
        keep: list[cst.BaseSmallStatement] = []
        for small in _small_statements(body[i]):
            if small in state.sites:
                part = state.split(state.sites[small])
                total.add(part)
                keep += part.keep
            elif not isinstance(small, cst.Pass) or isinstance(body[i], cst.SimpleStatementLine):
                keep.append(small)
        remainders[i] = keep
    entries = [(name, None) for name in needed]
    existing = _existing_unified(body, state.sites) if entries or total.unified else None
    block = state.render(total, sorted(set(needed)), dspy, existing)
    new_body: list[cst.BaseStatement] = []
    carry: list[cst.EmptyLine] = []
    nested = _Nested(state)
    for i, node in enumerate(body):
        if i in remainders:
            lines = block if level and i == level[0] else []
            if remainders[i]:
                lines = [*lines, cst.SimpleStatementLine(remainders[i])]
            if not lines:
                carry += getattr(node, "leading_lines", ())
                continue
            lines[0] = _commented(lines[0], [*carry, *getattr(node, "leading_lines", ())],
                                  total.reviews if i == level[0] else (), state.result)
            carry = []
            new_body += lines
            continue
        if node is existing:
            node = _merged(existing, [*entries, *total.unified])
        visited = node.visit(nested)
        if isinstance(visited, cst.BaseStatement):
            if carry:
                visited = visited.with_changes(leading_lines=[*carry, *visited.leading_lines])
                carry = []
            new_body.append(visited)
    if not level and block:
        index = _insertion_index(body)
        new_body[index:index] = block
    state.result.module = state.module.with_changes(body=new_body)
    return state.result
