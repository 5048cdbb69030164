"""Deciding, before anything is changed, what in one module gets rewritten.

The entities and groups come from :mod:`unified.migrate.groups`. A group is rewritten
only when none of its members has a problem; otherwise the whole group stays on the
legacy API (imported from ``unified.compat``) with ``# unified-migrate: review``
comments (:mod:`unified.migrate.reviews`): a member's own problems, and for members
without one a single comment per statement naming the call that holds them back.
Enhanced wrappers are pinned to the gateway the file configures
(:mod:`unified.migrate.pins`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import FunctionScope, GlobalScope

from .analysis import Resolver, Statement
from .groups import DERIVED, Entity, Grouper
from .layout import code_of
from .legacy import ALWAYS_UNIFIED, CONFIG_SPECS, FLAGGED_METHODS, SAME_NAME
from .pins import global_lm_calls, pin_for
from .reviews import held_back, snippet, synthesized_default
from .rules import bind_for, synthesized

__all__ = ["CallPlan", "Plan", "make_plan"]

#: Migrated wrappers that stand for the global DSPy LM a legacy dynamic module ran on
#: (the Bedrock wrapper and DSPyWrapper had backends of their own).
_GLOBAL_LM_KINDS = frozenset({"enhanced_wrapper"})
_TARGETS = {"simple_config": "UnifiedConfig", "simple_wrapper": "UnifiedDSPyWrapper",
            "enhanced_wrapper": "UnifiedDSPyWrapper", "bedrock_wrapper": "UnifiedDSPyWrapper"}
_METHOD_LABELS = {"create_module": ".create_module(name, signature) -> .create_module(signature)",
                  "create_bedrock_module": ".create_bedrock_module -> .create_module",
                  "process": ".process(inputs) -> .predict(**inputs)",
                  "predict_via_module": "DSPyWrapper.predict -> .create_module(...).predict"}
_PREDICT_NOTE = ("predict() now raises on failure and returns a dspy.Prediction (the "
                 "legacy DSPyResult had success=False)")


@dataclass(frozen=True)
class CallPlan:
    """What to do with one original call: ``build`` (kind), ``method`` (action) or
    ``dynamic`` / ``configure`` (with the wrapper variable to use); ``pin`` is the
    ``configure_dspy_with_gateway`` call whose gateway a built wrapper must use."""

    action: str
    arg: str
    label: str
    pin: cst.Call | None = None


@dataclass
class Plan:
    """Everything the transformer applies to one module."""

    calls: dict[cst.Call, CallPlan] = field(default_factory=dict)
    attrs: dict[cst.Attribute, CallPlan] = field(default_factory=dict)
    reviews: dict[Statement, list[str]] = field(default_factory=lambda: defaultdict(list))
    unified_names: set[str] = field(default_factory=set)
    dspy_name: str = "dspy"
    dspy_imported: bool = False


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


class _Planner(Grouper):
    def __init__(self, resolver: Resolver) -> None:
        super().__init__(resolver)
        self.plan = Plan()
        self.chosen: dict[cst.Call, str] = {}
        self.kept: set[Entity] = set()
        self.pins: dict[cst.Call, cst.Call] = {}
        self.held_by: dict[int, tuple[str, Entity]] = {}

    # -- deciding ----------------------------------------------------------------------
    def decide(self) -> None:
        """Turn groups into rewrites or review comments; then flags and import names."""
        groups: dict[int, list[Entity]] = defaultdict(list)
        for entity in self.entities.values():
            groups[id(entity.root())].append(entity)
        blocked = self._blocked(groups)
        while self._pin(blocked):  # a wrapper kept may keep a configure call: pin again
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

    def _pin(self, blocked: dict[int, bool]) -> bool:
        """Pin enhanced wrappers to the gateway the file configures (see
        :mod:`unified.migrate.pins`); whether a wrapper got a new problem."""
        self.pins.clear()
        configures = [(e.call, not blocked[id(e.root())]) for e in self.entities.values()
                      if e.kind == "configure"]
        global_lms = global_lm_calls(self.calls, self.dspy_name)
        changed = False
        for entity in [e for e in self.entities.values() if e.kind == "enhanced_wrapper"]:
            if bind_for(entity.kind, entity.call).given("lm"):
                continue
            pin = pin_for(self.r, entity.call, configures, global_lms)
            if isinstance(pin, str):
                if pin not in entity.use_problems:
                    entity.use_problems.append(pin)
                    changed = True
            elif pin is not None:
                self.pins[entity.call] = pin
        return changed

    def _blocked(self, groups: dict[int, list[Entity]]) -> dict[int, bool]:
        """Which groups stay legacy: those with a problem, and those that would write a
        same-named config class (a legacy default made explicit) whose calls stay legacy
        in this file -- one name cannot come from both ``unified`` and the compat shims."""
        blocked = {key: any(e.problems or e.use_problems for e in group)
                   for key, group in groups.items()}
        owner = {e.kind: e.root() for e in self.entities.values() if e.kind in CONFIG_SPECS}
        self.held_by.clear()
        changed = True
        while changed:
            changed = False
            for key, group in groups.items():
                for kind in (k for e in group for k in sorted(synthesized(e.kind, e.call))):
                    if not blocked[key] and kind in owner and blocked[id(owner[kind])]:
                        blocked[key] = changed = True
                        self.held_by[key] = (CONFIG_SPECS[kind].name, owner[kind])
        return blocked

    def _review_blocked(self, group: list[Entity]) -> None:
        """Review comments of a group that stays legacy (see :mod:`.reviews`)."""
        hard = any(e.problems for e in group)
        shown = {e: e.problems if hard else e.problems + e.use_problems for e in group}
        blockers = sorted((e for e in group if shown[e]), key=lambda e: self.r.line(e.call))
        held: dict[Statement, list[Entity]] = defaultdict(list)
        for entity in group:
            self.kept.add(entity)
            statement = self.r.statement(entity.call)
            self.plan.reviews[statement] += shown[entity]
            if not shown[entity] and entity.kind not in DERIVED:
                held[statement].append(entity)
        for statement, members in held.items():
            names = [f"{e.legacy}(...)" for e in members]
            if blockers:
                first = blockers[0]
                there = self.r.statement(first.call)
                near = {e.legacy for e in group if e.kind in CONFIG_SPECS
                        and self.r.statement(e.call) is there}
                via = next((e.legacy for e in members if e.legacy in near), None)
                message = held_back(names, None if there is statement else
                                    snippet(code_of(first.call)), f"{via}(...)" if via else None)
            else:
                config, owner = self.held_by[id(group[0].root())]
                theirs = [e for e in self.entities.values() if e.root() is owner]
                causes = [e for e in theirs if e.problems] or \
                    [e for e in theirs if e.use_problems]
                cause = min(causes, key=lambda e: self.r.line(e.call), default=owner)
                message = synthesized_default(names, f"{config}(...)",
                                              snippet(code_of(cause.call)))
            self.plan.reviews[statement].append(message)

    def _resolve(self, group: list[Entity], blocked: bool) -> None:
        if blocked:
            self._review_blocked(group)
            return
        for entity in group:
            if entity.kind == "configure":
                name = self._fresh_name()
                self.plan.calls[entity.call] = CallPlan(
                    "configure", name, f"{entity.legacy} -> UnifiedDSPyWrapper + dspy.configure")
            elif entity.kind == "dynamic_module":
                self.plan.calls[entity.call] = CallPlan(
                    "dynamic", self.chosen[entity.call], f"{entity.legacy} -> wrapper.create_module")
            elif entity.kind not in DERIVED:
                target = _TARGETS.get(entity.kind, f"unified {entity.legacy}")
                pin = self.pins.get(entity.call)
                label = f"{entity.legacy} -> {target}" + (" on the configured gateway"
                                                          if pin is not None else "")
                self.plan.calls[entity.call] = CallPlan("build", entity.kind, label, pin)
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
            migrated = entity is not None and entity.kind in _GLOBAL_LM_KINDS \
                and node in self.plan.calls
            existing = isinstance(node.func, cst.Name) and node.func.value == "UnifiedDSPyWrapper"
            var = self.r.variable(node) if migrated or existing else None
            if var is not None and isinstance(var.node, cst.Name):
                found.append(_Candidate(var.node.value, var.scope, self.r.line(node), False))
        return found

    def _choose_wrapper(self, entity: Entity, candidates: list[_Candidate]) -> None:
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
            entity.problems.append(
                "several wrappers in scope: the codemod cannot tell which one stands for the "
                "global DSPy LM this DynamicDSPyModule(...) ran on, so it stays on "
                "unified.compat: use <wrapper>.create_module(signature) with the right one, "
                "then run unified-migrate again")
        else:
            entity.problems.append(
                "no UnifiedDSPyWrapper in scope stands for the global DSPy LM this "
                "DynamicDSPyModule(...) ran on (Bedrock wrappers and DSPyWrapper have backends "
                "of their own), so it stays on unified.compat, which still answers from that "
                "LM: create the module with <wrapper>.create_module(signature) on a wrapper for "
                "that LM's backend, then run unified-migrate again")

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
    planner.plan.dspy_name, planner.plan.dspy_imported = planner.dspy_name, planner.dspy_imported
    planner.decide()
    return planner.plan
