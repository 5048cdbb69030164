"""Facts about one module: which names are legacy imports, which variables hold what.

Resolution goes through libcst's scope analysis, so a local name that shadows an import
is not mistaken for it. Only what the source says is used; nothing is imported or run.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import libcst as cst
from libcst.helpers import get_full_name_for_node
from libcst.metadata import (
    Assignment,
    ImportAssignment,
    MetadataWrapper,
    ParentNodeProvider,
    PositionProvider,
    Scope,
    ScopeProvider,
)

from .layout import Placement
from .legacy import COMPAT_MODULE, is_legacy_module

__all__ = ["ImportSite", "Resolver", "Use", "alias_local", "import_sites", "referenced"]

Statement = cst.SimpleStatementLine | cst.BaseCompoundStatement


@dataclass(frozen=True)
class ImportSite:
    """A legacy import statement: local name -> legacy name for ``from`` imports,
    local name -> module for module imports (``dotted`` lists unaliased dotted ones)."""

    node: cst.Import | cst.ImportFrom
    names: dict[str, str]
    modules: dict[str, str]
    star: bool = False
    source: str = ""

    @property
    def compat(self) -> bool:
        """Whether this imports from the compat shims only (no ``tidyllm`` module)."""
        if isinstance(self.node, cst.ImportFrom):
            source = get_full_name_for_node(self.node.module) if self.node.module else ""
            if source == "unified" or _is_compat(source):
                return all(_is_compat(m) for m in self.modules.values())
            return False
        return all(_is_compat(m) for m in self.modules.values())


def _is_compat(dotted: str | None) -> bool:
    return bool(dotted) and (dotted == COMPAT_MODULE or str(dotted).startswith(COMPAT_MODULE + "."))


def alias_local(alias: cst.ImportAlias) -> str:
    """The name an import alias binds (``a.b`` for ``import a.b``, ``x`` for ``... as x``)."""
    if alias.asname is not None:
        return get_full_name_for_node(alias.asname.name) or ""
    return get_full_name_for_node(alias.name) or ""


def import_sites(module: cst.Module) -> Iterator[ImportSite]:
    """Every legacy import statement of ``module`` (at any depth)."""
    for node in _walk_imports(module):
        if isinstance(node, cst.Import):
            modules = {alias_local(a): get_full_name_for_node(a.name) or "" for a in node.names
                       if is_legacy_module(get_full_name_for_node(a.name))}
            if modules:
                yield ImportSite(node, {}, modules)
            continue
        if node.relative or node.module is None:
            continue
        source = get_full_name_for_node(node.module) or ""
        if isinstance(node.names, cst.ImportStar):
            if is_legacy_module(source):
                yield ImportSite(node, {}, {}, star=True, source=source)
            continue
        names: dict[str, str] = {}
        modules = {}
        for alias in node.names:
            name = get_full_name_for_node(alias.name) or ""
            if is_legacy_module(f"{source}.{name}"):
                modules[alias_local(alias)] = f"{source}.{name}"
            elif is_legacy_module(source):
                names[alias_local(alias)] = name
        if names or modules:
            yield ImportSite(node, names, modules, source=source)


def _walk_imports(module: cst.Module) -> Iterator[cst.Import | cst.ImportFrom]:
    found: list[cst.Import | cst.ImportFrom] = []

    class Collect(cst.CSTVisitor):
        def visit_Import(self, node: cst.Import) -> None:
            found.append(node)

        def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
            found.append(node)

    module.visit(Collect())
    return iter(found)


def referenced(scopes: Mapping[cst.CSTNode, Scope | None], node: cst.CSTNode,
               local: str) -> bool:
    """Whether the name ``local`` bound by the import statement ``node`` is used."""
    scope = scopes.get(node)
    return scope is not None and any(
        a.references for a in scope.assignments[local] if getattr(a, "node", None) is node)


@dataclass(frozen=True)
class Use:
    """How a variable is used at one reference: ``attr`` is the attribute read off it
    (``"__call__"`` when the variable is called, ``None`` for any other use), ``call``
    the call of that attribute (or of the variable), ``store`` an assignment to it,
    ``ref`` the reference itself for any other use."""

    attr: str | None
    call: cst.Call | None
    store: bool
    node: cst.Attribute | None = None
    ref: cst.CSTNode | None = None


class Resolver:
    """Name resolution and positions over one parsed module (see module docstring)."""

    def __init__(self, wrapper: MetadataWrapper) -> None:
        self.module = wrapper.module
        self.scopes = wrapper.resolve(ScopeProvider)
        self.parents = wrapper.resolve(ParentNodeProvider)
        self.positions = wrapper.resolve(PositionProvider)
        self.sites = list(import_sites(self.module))
        self._by_node: dict[cst.CSTNode, ImportSite] = {site.node: site for site in self.sites}
        self._lines = self.module.code.splitlines()

    # -- names -------------------------------------------------------------------------
    def _sites(self, name: cst.Name) -> list[ImportSite]:
        """The legacy import statements ``name`` is bound by (several for the
        ``try: from tidyllm.x import Y / except ImportError: from x import Y`` pattern);
        empty when any binding of it is something else."""
        scope = self.scopes.get(name)
        found = list(scope[name.value]) if scope is not None else []
        sites = [self._by_node.get(a.node) for a in found if isinstance(a, ImportAssignment)]
        if not found or len(sites) != len(found) or None in sites:
            return []
        return [s for s in sites if s is not None]

    def legacy_name(self, node: cst.BaseExpression) -> str | None:
        """The legacy name ``node`` refers to (``RC`` -> ``RetryConfig``,
        ``de.DSPyEnhancedWrapper`` -> ``DSPyEnhancedWrapper``), else ``None``."""
        if isinstance(node, cst.Name):
            names = {site.names.get(node.value) for site in self._sites(node)}
            return names.pop() if len(names) == 1 else None
        if not isinstance(node, cst.Attribute):
            return None
        root = node.value
        while isinstance(root, cst.Attribute):
            root = root.value
        if not isinstance(root, cst.Name):
            return None
        dotted = get_full_name_for_node(node.value)
        sites = self._sites(root)
        if sites and all(dotted in site.modules for site in sites):
            return node.attr.value
        return None

    def variable(self, call: cst.Call) -> Assignment | None:
        """The variable ``call`` is assigned to (``x = call``), when that is its only
        assignment in its scope."""
        parent = self.parents.get(call)
        if not (isinstance(parent, cst.Assign) and parent.value is call
                and len(parent.targets) == 1 and isinstance(parent.targets[0].target, cst.Name)):
            return None
        target = parent.targets[0].target
        scope = self.scopes.get(target)
        found = list(scope.assignments[target.value]) if scope is not None else []
        if len(found) == 1 and isinstance(found[0], Assignment) \
                and not isinstance(found[0], ImportAssignment):
            return found[0]
        return None

    def bound_variable(self, node: cst.BaseExpression) -> Assignment | None:
        """The single (non-import) assignment the name ``node`` refers to."""
        scope = self.scopes.get(node) if isinstance(node, cst.Name) else None
        if scope is None or not isinstance(node, cst.Name):
            return None
        found = list(scope[node.value])
        if len(found) == 1 and isinstance(found[0], Assignment) \
                and not isinstance(found[0], ImportAssignment):
            return found[0]
        return None

    def uses(self, var: Assignment) -> Iterator[Use]:
        """Every use of ``var`` (see :class:`Use`)."""
        for access in var.references:
            yield self._use(access.node)

    def value_uses(self, call: cst.Call) -> list[Use]:
        """How the value of ``call`` is used where it stands (none for a statement)."""
        parent = self.parents.get(call)
        if isinstance(parent, cst.Expr) and parent.value is call:
            return []
        return [self._use(call)]

    def _use(self, node: cst.CSTNode) -> Use:
        parent = self.parents.get(node)
        if isinstance(parent, cst.Attribute) and parent.value is node:
            grand = self.parents.get(parent)
            store = isinstance(grand, cst.AssignTarget | cst.Del) or (
                isinstance(grand, cst.AugAssign | cst.AnnAssign) and grand.target is parent)
            called = grand if isinstance(grand, cst.Call) and grand.func is parent else None
            return Use(parent.attr.value, called, store, parent)
        if isinstance(parent, cst.Call) and parent.func is node:
            return Use("__call__", parent, False)
        return Use(None, None, False, ref=node)

    def argument_of(self, node: cst.CSTNode) -> cst.Call | None:
        """The call ``node`` is passed to directly as an argument (not splatted)."""
        parent = self.parents.get(node)
        if isinstance(parent, cst.Arg) and parent.value is node and not parent.star:
            call = self.parents.get(parent)
            return call if isinstance(call, cst.Call) else None
        return None

    def scope_of(self, node: cst.CSTNode) -> Scope | None:
        """The scope ``node`` is evaluated in."""
        return self.scopes.get(node)

    def import_pending(self, site: ImportSite) -> bool:
        """Whether the import pass would change ``site``: not for compat imports, nor for
        a dotted ``import tidyllm.x`` still used as such (kept, under review)."""
        if site.compat:
            return False
        if not isinstance(site.node, cst.Import):
            return True
        return any(alias_local(alias) in site.modules and not (
            alias.asname is None and "." in alias_local(alias)
            and referenced(self.scopes, site.node, alias_local(alias)))
            for alias in site.node.names)

    # -- places ------------------------------------------------------------------------
    def statement(self, node: cst.CSTNode) -> Statement:
        """The innermost statement containing ``node`` (a compound statement when
        ``node`` sits in its header)."""
        current: cst.CSTNode = node
        while not isinstance(current, Statement):
            current = self.parents[current]
        return current

    def in_fstring(self, node: cst.CSTNode) -> bool:
        """Whether ``node`` sits inside an f-string expression."""
        current = self.parents.get(node)
        while current is not None and not isinstance(current, Statement):
            if isinstance(current, cst.FormattedString):
                return True
            current = self.parents.get(current)
        return False

    def line(self, node: cst.CSTNode) -> int:
        """The 1-based line ``node`` starts on."""
        return self.positions[node].start.line

    def placement(self, node: cst.CSTNode) -> Placement:
        """Indentation of the line ``node`` starts on, and its column."""
        start = self.positions[node].start
        text = self._lines[start.line - 1] if start.line <= len(self._lines) else ""
        return Placement(text[:len(text) - len(text.lstrip())], start.column)
