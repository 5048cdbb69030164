"""The legacy calls of one module and which of them must migrate together.

Every legacy constructor call is an *entity*. Entities that must move together form a
group (union-find): a wrapper and the configs passed to it, a variable's constructor
and the objects made from it (a wrapper's modules, a ``DSPyResult``), and all calls of
one same-named config class (``RetryConfig`` is imported either from ``unified`` or
from ``unified.compat`` in a file, never both). Each entity carries its *problems*
(arguments that cannot be mapped safely: they keep the group legacy and are always
reported) and its *use problems* (uses of a variable the unified object does not
support, e.g. ``result.success``: they keep the group legacy too, but are reported only
when nothing else does -- on code that stays legacy anyway they are no news).

A config object (``RetryConfig(...)``, ``DSPyConfig(...)``, ...) must be passed straight
to a legacy call the planner tracks; used anywhere else (a conditional expression, a
dict, a helper function, ``print``) it might reach a legacy wrapper the codemod cannot
see, so it stays on ``unified.compat`` -- whose wrappers take either class.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import Assignment

from .analysis import Resolver
from .layout import code_of
from .legacy import CONFIG_SPECS, KINDS, LEGACY_LM_ATTRS, STRICT_USES, USE_PROBLEMS, USES
from .reviews import AGAIN, escaped, snippet, use_problem
from .rules import check_call, check_method

__all__ = ["DERIVED", "Entity", "Grouper", "MADE"]

#: Config kind -> (the wrapper parameter taking it, its legacy class).
_LINK_PARAMS = {"simple_config": ("config", "DSPyConfig"),
                "retry": ("retry_config", "RetryConfig"),
                "cache": ("cache_config", "CacheConfig"),
                "validation": ("validation_config", "ValidationConfig")}
#: Method actions whose result is itself tracked: the kind of that result.
MADE = {"create_module": "enhanced_module", "create_bedrock_module": "enhanced_module",
        "predict_via_module": "simple_result"}
DERIVED = frozenset(MADE.values())
#: Config kinds whose objects must be passed straight to a tracked legacy call: anywhere
#: else the codemod cannot tell whether the legacy or the unified class is expected.
_FOLLOWED = frozenset({*CONFIG_SPECS, "simple_config"})


@dataclass(eq=False)
class Entity:
    """One legacy constructor call (or a tracked object made from one: ``maker``)."""

    call: cst.Call
    kind: str
    legacy: str
    var: Assignment | None
    problems: list[str] = field(default_factory=list)
    #: Uses the unified object lacks: reported only when nothing else keeps the group.
    use_problems: list[str] = field(default_factory=list)
    maker: Entity | None = None
    methods: dict[cst.Call, str] = field(default_factory=dict)
    attrs: dict[cst.Attribute, str] = field(default_factory=dict)
    parent: Entity | None = None

    def root(self) -> Entity:
        """The representative of this entity's group (union-find)."""
        node = self
        while node.parent is not None:
            node = node.parent
        return node

    def union(self, other: Entity) -> None:
        """Put ``other`` in this entity's group: they migrate together or not at all."""
        a, b = self.root(), other.root()
        if a is not b:
            b.parent = a


class Grouper:
    """Collects the entities of one module and joins those that move together."""

    def __init__(self, resolver: Resolver) -> None:
        self.r = resolver
        self.entities: dict[cst.Call, Entity] = {}
        self.by_var: dict[cst.CSTNode, Entity] = {}
        self.calls: list[cst.Call] = []
        self.names: set[str] = set()
        self.dspy_imported = False
        self.dspy_name = "dspy"

    # -- collecting --------------------------------------------------------------------
    def collect(self) -> None:
        """Find every call of a rewritable legacy name (an entity) and the dspy import."""
        calls, names = self.calls, self.names

        class Collect(cst.CSTVisitor):
            def visit_Call(self, node: cst.Call) -> None:
                calls.append(node)

            def visit_Name(self, node: cst.Name) -> None:
                names.add(node.value)

        self.r.module.visit(Collect())
        for node in calls:
            legacy = self.r.legacy_name(node.func)
            if legacy is not None and legacy in KINDS:
                self._add(node, KINDS[legacy], legacy)
        self._find_dspy()

    def _add(self, node: cst.Call, kind: str, legacy: str) -> Entity:
        entity = Entity(node, kind, legacy, self.r.variable(node))
        self.entities[node] = entity
        if entity.var is not None:
            self.by_var[entity.var.node] = entity
        return entity

    def _find_dspy(self) -> None:
        for statement in self.r.module.body:
            if not isinstance(statement, cst.SimpleStatementLine):
                continue
            for small in statement.body:
                if isinstance(small, cst.Import):
                    for alias in small.names:
                        if alias.evaluated_name == "dspy":
                            self.dspy_imported = True
                            self.dspy_name = alias.evaluated_alias or "dspy"

    def entity_for(self, value: cst.BaseExpression) -> Entity | None:
        """The entity ``value`` is (an inline legacy call) or names (a variable)."""
        if isinstance(value, cst.Call):
            return self.entities.get(value)
        var = self.r.bound_variable(value)
        return self.by_var.get(var.node) if var is not None else None

    # -- checking ----------------------------------------------------------------------
    def check(self) -> None:
        """Record each entity's problems and join the entities that must move together."""
        for entity in list(self.entities.values()):
            check = check_call(entity.kind, entity.call, self.r.legacy_name)
            entity.problems += check.problems
            for value, kind in check.links:
                target = self.entity_for(value)
                if target is None or target.kind != kind:
                    param, cls = _LINK_PARAMS[kind]
                    entity.problems.append(
                        f"{param}= of {entity.legacy}(...) is not an inline {cls}(...) or a "
                        f"variable bound to one, so the codemod cannot tell which class it "
                        f"is and the wrapper stays on unified.compat (which takes either): "
                        f"pass the {cls}(...) inline, {AGAIN}")
                else:
                    entity.union(target)
            if entity.kind == "configure":
                entity.problems += self._configure_form(entity.call)
            if self.r.in_fstring(entity.call):
                entity.problems.append(f"{entity.legacy}() inside an f-string: move it out "
                                       "(the new code may need quotes or lines it cannot have)")
            elif entity.kind in _FOLLOWED and entity.var is None \
                    and not self._followed(entity.call):
                entity.problems.append(escaped(entity.legacy, self._context(entity.call)))
        queue = list(self.entities.values())
        while queue:
            queue += self._check_uses(queue.pop())
        for kind in CONFIG_SPECS:
            same = [e for e in self.entities.values() if e.kind == kind]
            for entity in same[1:]:
                same[0].union(entity)

    def _configure_form(self, node: cst.Call) -> list[str]:
        line = self.r.statement(node)
        small = line.body[0] if isinstance(line, cst.SimpleStatementLine) \
            and len(line.body) == 1 else None
        if isinstance(small, cst.Expr | cst.Return) and small.value is node:
            return []
        if isinstance(small, cst.Assign) and small.value is node and len(small.targets) == 1 \
                and isinstance(small.targets[0].target, cst.Name | cst.Attribute | cst.Subscript):
            return []
        return ["configure_dspy_with_gateway() inside an expression: build a "
                "UnifiedDSPyWrapper and call dspy.configure(lm=wrapper.lm)"]

    def _followed(self, node: cst.CSTNode) -> bool:
        """Whether ``node`` is passed straight to a legacy call the planner tracks (a
        legacy constructor, or a method of a tracked legacy object): the two then
        migrate together or not at all."""
        call = self.r.argument_of(node)
        if call is None:
            return False
        func = call.func
        return call in self.entities or (
            isinstance(func, cst.Attribute) and self.entity_for(func.value) is not None)

    def _context(self, node: cst.CSTNode) -> str:
        """The code around ``node`` (its parent expression or statement), for a comment."""
        parent = self.r.parents.get(node)
        while isinstance(parent, cst.Arg | cst.Element | cst.DictElement | cst.AssignTarget):
            parent = self.r.parents.get(parent)
        return snippet(code_of(parent if parent is not None else node))

    def _keeper(self, entity: Entity) -> str:
        return (entity.maker or entity).legacy

    def _use_problem(self, entity: Entity, attr: str) -> None:
        entity.use_problems.append(USE_PROBLEMS.get((entity.kind, attr)) or use_problem(
            entity.kind, entity.legacy, attr, self._keeper(entity)))

    def _check_uses(self, entity: Entity) -> list[Entity]:
        strict = entity.kind in STRICT_USES
        uses = list(self.r.uses(entity.var)) if entity.var is not None else \
            self.r.value_uses(entity.call) if strict else []
        allowed, made = USES[entity.kind], []
        for use in uses:
            for arg in use.call.args if use.call is not None else ():
                passed = self.entity_for(arg.value)  # a legacy object handed to this one
                if passed is not None:
                    entity.union(passed)
            if use.attr is None:
                if strict:
                    entity.use_problems.append(
                        f"the DSPyResult of {self._keeper(entity)}.predict() is passed on, so "
                        f"{self._keeper(entity)}(...) stays on unified.compat (only its "
                        f".outputs has a dspy.Prediction equivalent): pass result.outputs "
                        f"instead, {AGAIN}")
                elif entity.kind in _FOLLOWED and use.ref is not None \
                        and not self._followed(use.ref):
                    entity.problems.append(escaped(entity.legacy, self._context(use.ref)))
                continue
            if use.store:
                self._use_problem(entity, use.attr)
                continue
            if allowed is None:
                if use.attr in LEGACY_LM_ATTRS:
                    self._use_problem(entity, use.attr)
                continue
            action = allowed.get(use.attr)
            if action is None:
                self._use_problem(entity, use.attr)
            elif action.startswith("attr:"):
                if use.call is None and use.node is not None:
                    entity.attrs[use.node] = action
                else:
                    self._use_problem(entity, use.attr)
            elif action != "keep":
                problem = check_method(action, use.call) if use.call is not None else \
                    f".{use.attr} used without calling it"
                if problem is not None:
                    entity.problems.append(problem)
                    continue
                assert use.call is not None
                entity.methods[use.call] = action
                made_kind = MADE.get(action)
                if made_kind is not None:
                    made.append(self._add(use.call, made_kind, use.attr))
                    made[-1].maker = entity
                    entity.union(made[-1])
        return made
