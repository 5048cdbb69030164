"""Deciding, before anything is changed, what in one module gets rewritten.

Every legacy constructor call is an *entity*. Entities that must move together form a
group: a wrapper and the configs passed to it, a variable's constructor and the modules
made from it, and all calls of one same-named config class (``RetryConfig`` is imported
either from ``unified`` or from ``unified.compat`` in a file, never both). A group is
rewritten only when none of its members has a problem -- a problem being an argument
that cannot be mapped safely, or a use of a variable that the unified object does not
support (``wrapper.as_mcp_tool(...)``). Otherwise the whole group stays on the legacy
API (imported from ``unified.compat``) with ``# unified-migrate: review`` comments.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import Assignment, FunctionScope, GlobalScope

from .analysis import Resolver, Statement
from .legacy import (
    ALWAYS_UNIFIED,
    CONFIG_SPECS,
    FLAGGED_METHODS,
    KINDS,
    LEGACY_LM_ATTRS,
    SAME_NAME,
    STRICT_USES,
    USE_PROBLEMS,
    USES,
)
from .rules import check_call, check_method, synthesized

__all__ = ["CallPlan", "Plan", "make_plan"]

_WRAPPER_KINDS = frozenset({"simple_wrapper", "enhanced_wrapper", "bedrock_wrapper"})
_TARGETS = {"simple_config": "UnifiedConfig", "simple_wrapper": "UnifiedDSPyWrapper",
            "enhanced_wrapper": "UnifiedDSPyWrapper", "bedrock_wrapper": "UnifiedDSPyWrapper"}
_LINK_LABELS = {"simple_config": "config is not an inline DSPyConfig(...)",
                "retry": "retry_config is not an inline RetryConfig(...)",
                "cache": "cache_config is not an inline CacheConfig(...)",
                "validation": "validation_config is not an inline ValidationConfig(...)"}
_METHOD_LABELS = {"create_module": ".create_module(name, signature) -> .create_module(signature)",
                  "create_bedrock_module": ".create_bedrock_module -> .create_module",
                  "process": ".process(inputs) -> .predict(**inputs)",
                  "predict_via_module": "DSPyWrapper.predict -> .create_module(...).predict"}
#: Method actions whose result is itself tracked: the kind of that result.
_MADE = {"create_module": "enhanced_module", "create_bedrock_module": "enhanced_module",
         "predict_via_module": "simple_result"}
_DERIVED = frozenset(_MADE.values())
_PREDICT_NOTE = ("predict() now raises on failure and returns a dspy.Prediction (the "
                 "legacy DSPyResult had success=False)")


@dataclass(frozen=True)
class CallPlan:
    """What to do with one original call: ``build`` (kind), ``method`` (action) or
    ``dynamic`` / ``configure`` (with the wrapper variable to use)."""

    action: str
    arg: str
    label: str


@dataclass
class Plan:
    """Everything the transformer applies to one module."""

    calls: dict[cst.Call, CallPlan] = field(default_factory=dict)
    attrs: dict[cst.Attribute, CallPlan] = field(default_factory=dict)
    reviews: dict[Statement, list[str]] = field(default_factory=lambda: defaultdict(list))
    unified_names: set[str] = field(default_factory=set)
    dspy_name: str = "dspy"
    dspy_imported: bool = False


@dataclass(eq=False)
class _Entity:
    call: cst.Call
    kind: str
    legacy: str
    var: Assignment | None
    problems: list[str] = field(default_factory=list)
    methods: dict[cst.Call, str] = field(default_factory=dict)
    attrs: dict[cst.Attribute, str] = field(default_factory=dict)
    parent: _Entity | None = None

    def root(self) -> _Entity:
        """The representative of this entity's group (union-find)."""
        node = self
        while node.parent is not None:
            node = node.parent
        return node

    def union(self, other: _Entity) -> None:
        """Put ``other`` in this entity's group: they migrate together or not at all."""
        a, b = self.root(), other.root()
        if a is not b:
            b.parent = a


@dataclass(frozen=True)
class _Candidate:
    name: str
    scope: object
    line: int
    configure: bool


def _method_label(node: cst.Call, action: str) -> str:
    if action in _METHOD_LABELS:
        return _METHOD_LABELS[action]
    old = node.func.attr.value if isinstance(node.func, cst.Attribute) else "?"
    return f".{old} -> .{action.removeprefix('rename:')}"


class _Planner:
    def __init__(self, resolver: Resolver) -> None:
        self.r = resolver
        self.plan = Plan()
        self.entities: dict[cst.Call, _Entity] = {}
        self.by_var: dict[cst.CSTNode, _Entity] = {}
        self.calls: list[cst.Call] = []
        self.names: set[str] = set()
        self.chosen: dict[cst.Call, str] = {}
        self.kept: set[_Entity] = set()

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

    def _add(self, node: cst.Call, kind: str, legacy: str) -> _Entity:
        entity = _Entity(node, kind, legacy, self.r.variable(node))
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
                            self.plan.dspy_imported = True
                            self.plan.dspy_name = alias.evaluated_alias or "dspy"

    def entity_for(self, value: cst.BaseExpression) -> _Entity | None:
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
                    entity.problems.append(f"{_LINK_LABELS[kind]} or a variable bound to one")
                else:
                    entity.union(target)
            if entity.kind == "configure":
                entity.problems += self._configure_form(entity.call)
            if self.r.in_fstring(entity.call):
                entity.problems.append(f"{entity.legacy}() inside an f-string: move it out "
                                       "(the new code may need quotes or lines it cannot have)")
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

    def _check_uses(self, entity: _Entity) -> list[_Entity]:
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
                    entity.problems.append("the DSPyResult of predict() is passed on: only "
                                           "its .outputs has a dspy.Prediction equivalent")
                continue
            if use.store:
                entity.problems.append(f"assigns .{use.attr} of a legacy object")
                continue
            if allowed is None:
                if use.attr in LEGACY_LM_ATTRS:
                    entity.problems.append(f"uses .{use.attr} of the legacy gateway LM")
                continue
            action = allowed.get(use.attr)
            if action is None:
                entity.problems.append(USE_PROBLEMS.get(
                    (entity.kind, use.attr), f".{use.attr} is legacy-only (no unified equivalent)"))
            elif action.startswith("attr:"):
                if use.call is None and use.node is not None:
                    entity.attrs[use.node] = action
                else:
                    entity.problems.append(f".{use.attr} is called")
            elif action != "keep":
                problem = check_method(action, use.call) if use.call is not None else \
                    f".{use.attr} used without calling it"
                if problem is not None:
                    entity.problems.append(problem)
                    continue
                assert use.call is not None
                entity.methods[use.call] = action
                made_kind = _MADE.get(action)
                if made_kind is not None:
                    made.append(self._add(use.call, made_kind, use.attr))
                    entity.union(made[-1])
        return made

    # -- deciding ----------------------------------------------------------------------
    def decide(self) -> None:
        """Turn groups into rewrites or review comments; then flags and import names."""
        groups: dict[int, list[_Entity]] = defaultdict(list)
        for entity in self.entities.values():
            groups[id(entity.root())].append(entity)
        blocked = self._blocked(groups)
        later = [key for key, group in groups.items()  # source order, for stable output
                 if any(e.kind == "dynamic_module" for e in group)]
        for key, group in groups.items():
            if key not in later:
                self._resolve(group, blocked[key])
        candidates = self._candidates()  # the wrappers migrated so far
        for key in later:
            for entity in groups[key]:
                if entity.kind == "dynamic_module":
                    self._choose_wrapper(entity, candidates)
            self._resolve(groups[key], blocked[key] or any(e.problems for e in groups[key]))
        self._flag_methods()
        self._unified_names()

    def _blocked(self, groups: dict[int, list[_Entity]]) -> dict[int, bool]:
        """Which groups stay legacy: those with a problem, and those that would write a
        same-named config class (a legacy default made explicit) whose calls stay legacy
        in this file -- one name cannot come from both ``unified`` and the compat shims."""
        blocked = {key: any(e.problems for e in group) for key, group in groups.items()}
        owner = {e.kind: id(e.root()) for e in self.entities.values() if e.kind in CONFIG_SPECS}
        changed = True
        while changed:
            changed = False
            for key, group in groups.items():
                if not blocked[key] and any(kind in owner and blocked[owner[kind]] for e in group
                                            for kind in synthesized(e.kind, e.call)):
                    blocked[key] = changed = True
        return blocked

    def _resolve(self, group: list[_Entity], blocked: bool) -> None:
        for entity in group:
            statement = self.r.statement(entity.call)
            if blocked:
                self.kept.add(entity)
                reasons = entity.problems or (
                    [] if entity.kind in _DERIVED else
                    [f"{entity.legacy}() kept on the legacy API with a related call that "
                     "needs review"])
                self.plan.reviews[statement] += reasons
                continue
            if entity.kind == "configure":
                name = self._fresh_name()
                self.plan.calls[entity.call] = CallPlan(
                    "configure", name, f"{entity.legacy} -> UnifiedDSPyWrapper + dspy.configure")
            elif entity.kind == "dynamic_module":
                self.plan.calls[entity.call] = CallPlan(
                    "dynamic", self.chosen[entity.call], f"{entity.legacy} -> wrapper.create_module")
            elif entity.kind not in _DERIVED:
                target = _TARGETS.get(entity.kind, f"unified {entity.legacy}")
                self.plan.calls[entity.call] = CallPlan("build", entity.kind,
                                                        f"{entity.legacy} -> {target}")
            for node, action in entity.methods.items():
                self.plan.calls[node] = CallPlan("method", action, _method_label(node, action))
                if action == "predict_via_module":
                    self.plan.reviews[self.r.statement(node)].append(_PREDICT_NOTE)
            for attr, action in entity.attrs.items():
                new = action.removeprefix("attr:")
                self.plan.attrs[attr] = CallPlan("attr", new, f".{attr.attr.value} -> .{new}()")

    def _fresh_name(self) -> str:
        name, n = "_unified_wrapper", 1
        while name in self.names:
            n += 1
            name = f"_unified_wrapper_{n}"
        self.names.add(name)
        return name

    def _candidates(self) -> list[_Candidate]:
        found = []
        for node, plan in self.plan.calls.items():
            if plan.action == "configure":
                found.append(_Candidate(plan.arg, self.r.scope_of(node), self.r.line(node), True))
        for node in self.calls:
            entity = self.entities.get(node)
            migrated = entity is not None and entity.kind in _WRAPPER_KINDS \
                and node in self.plan.calls
            existing = isinstance(node.func, cst.Name) and node.func.value == "UnifiedDSPyWrapper"
            var = self.r.variable(node) if migrated or existing else None
            if var is not None and isinstance(var.node, cst.Name):
                found.append(_Candidate(var.node.value, var.scope, self.r.line(node), False))
        return found

    def _choose_wrapper(self, entity: _Entity, candidates: list[_Candidate]) -> None:
        if entity.problems:
            return
        scope, line = self.r.scope_of(entity.call), self.r.line(entity.call)
        local = [c for c in candidates if c.scope is scope and c.line < line]
        outer = [c for c in candidates if isinstance(c.scope, GlobalScope)
                 and (c.line < line or isinstance(scope, FunctionScope))]
        found = local or outer
        if len(found) > 1 and sum(c.configure for c in found) == 1:
            found = [c for c in found if c.configure]
        if len(found) == 1:
            self.chosen[entity.call] = found[0].name
        elif found:
            entity.problems.append("several wrappers in scope: use "
                                   "<wrapper>.create_module(signature) with the right one")
        else:
            entity.problems.append("no UnifiedDSPyWrapper in scope: create one and use "
                                   "wrapper.create_module(signature)")

    def _flag_methods(self) -> None:
        for node in self.calls:
            func = node.func
            if not isinstance(func, cst.Attribute) or func.attr.value not in FLAGGED_METHODS \
                    or node in self.plan.calls:
                continue
            var = self.r.bound_variable(func.value)
            receiver = self.by_var.get(var.node) if var is not None else None
            if receiver is None or receiver not in self.kept:  # kept ones keep their methods
                self.plan.reviews[self.r.statement(node)].append(
                    FLAGGED_METHODS[func.attr.value])

    def _unified_names(self) -> None:
        """Same-named legacy classes mean the unified ones once their calls are migrated
        (or, with no call of them in the file, once any legacy call is)."""
        migrated = {e.legacy for e in self.entities.values() if e.call in self.plan.calls}
        present = {e.legacy for e in self.entities.values()}
        self.plan.unified_names |= ALWAYS_UNIFIED
        for name in SAME_NAME:
            if name in migrated or (name not in present and migrated):
                self.plan.unified_names.add(name)


def make_plan(resolver: Resolver) -> Plan:
    """The plan for the module ``resolver`` reads."""
    planner = _Planner(resolver)
    planner.collect()
    planner.check()
    planner.decide()
    return planner.plan
