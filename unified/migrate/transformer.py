"""Applying a :class:`~unified.migrate.plan.Plan` to a module's body.

Calls are rebuilt bottom-up (inner calls first, so a wrapper sees its already migrated
config arguments); statements get their review comments as comment lines directly
above them, never twice with the same text.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import libcst as cst

from .analysis import Resolver
from .builders import build_call, build_dynamic, build_method, configure_statements
from .layout import Placement, code_of
from .legacy import REVIEW_PREFIX
from .plan import Plan

__all__ = ["BodyTransformer"]

_Statement = cst.SimpleStatementLine | cst.BaseCompoundStatement
#: Builds that move their arguments into a new call (and may lay them out anew).
_RELAYOUT = frozenset({"enhanced_wrapper", "bedrock_wrapper"})


class BodyTransformer(cst.CSTTransformer):
    """Rewrites calls and statements as planned; collects what it did.

    ``needed`` holds the unified names the new code uses, ``rewrites`` counts the
    rewrites by label, ``reviews`` lists the review comments added.
    """

    def __init__(self, plan: Plan, resolver: Resolver) -> None:
        super().__init__()
        self.plan = plan
        self.resolver = resolver
        self.needed: set[str] = set()
        self.rewrites: Counter[str] = Counter()
        self.reviews: list[str] = []
        self.needs_dspy = False

    # -- Env of the builders -----------------------------------------------------------
    def need(self, name: str) -> None:
        """Record a unified name used by the new code."""
        self.needed.add(name)

    def placement(self, node: cst.CSTNode) -> Placement | None:
        """Where the original ``node`` starts; ``None`` (keep it on one line) inside a
        wrapper call whose arguments move into a new ``UnifiedConfig(...)``."""
        if node not in self.resolver.positions:
            return None
        parent = self.resolver.parents.get(node)
        while parent is not None and not isinstance(parent, cst.BaseStatement):
            plan = self.plan.calls.get(parent) if isinstance(parent, cst.Call) else None
            if plan is not None and plan.arg in _RELAYOUT:
                return None
            parent = self.resolver.parents.get(parent)
        return self.resolver.placement(node)

    # -- calls -------------------------------------------------------------------------
    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        """Rebuild a planned call (constructor, method or dynamic module)."""
        plan = self.plan.calls.get(original_node)
        if plan is None or plan.action == "configure":
            return updated_node
        if plan.action == "build":
            new = build_call(plan.arg, original_node, updated_node, self, plan.pin)
        elif plan.action == "method":
            new = build_method(plan.arg, updated_node)
        else:
            self.need("UnifiedDSPyWrapper")
            new = build_dynamic(updated_node, plan.arg)
        if code_of(new) != code_of(updated_node):
            self.rewrites[plan.label] += 1
        return new

    def leave_Attribute(self, original_node: cst.Attribute, updated_node: cst.Attribute
                        ) -> cst.BaseExpression:
        """``result.outputs`` -> ``result.toDict()`` where planned."""
        plan = self.plan.attrs.get(original_node)
        if plan is None:
            return updated_node
        self.rewrites[plan.label] += 1
        return cst.Call(func=updated_node.with_changes(attr=cst.Name(plan.arg)))

    # -- statements --------------------------------------------------------------------
    def leave_SimpleStatementLine(
            self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine | cst.FlattenSentinel[cst.SimpleStatementLine]:
        """Expand a planned ``configure_dspy_with_gateway`` statement."""
        small = original_node.body[0] if len(original_node.body) == 1 else None
        value = getattr(small, "value", None)
        plan = self.plan.calls.get(value) if isinstance(value, cst.Call) else None
        if plan is None or plan.action != "configure":
            return updated_node
        new_call = getattr(updated_node.body[0], "value", None)
        assert isinstance(new_call, cst.Call)
        indent = self.resolver.placement(original_node).indent
        self.needs_dspy = not self.plan.dspy_imported
        self.rewrites[plan.label] += 1
        return cst.FlattenSentinel(configure_statements(
            updated_node, new_call, plan.arg, self.plan.dspy_name, self, indent))

    def on_leave(  # type: ignore[override]
            self, original_node: cst.CSTNode, updated_node: cst.CSTNode
    ) -> cst.CSTNode | cst.RemovalSentinel | cst.FlattenSentinel[cst.CSTNode]:
        """Run the specific ``leave_*`` method, then add the statement's review comments."""
        result = super().on_leave(original_node, updated_node)
        messages = self.plan.reviews.get(original_node) \
            if isinstance(original_node, _Statement) else None
        if not messages:
            return result
        if isinstance(result, cst.FlattenSentinel):
            nodes = list(result.nodes)
            nodes[0] = self._commented(nodes[0], messages)
            return cst.FlattenSentinel(nodes)
        return self._commented(result, messages) if isinstance(result, cst.CSTNode) else result

    def _commented(self, node: cst.CSTNode, messages: Sequence[str]) -> cst.CSTNode:
        """``node`` with a review comment line per new message above it."""
        lines = list(getattr(node, "leading_lines", ()))
        present = {line.comment.value for line in lines if line.comment is not None}
        for message in dict.fromkeys(messages):
            text = REVIEW_PREFIX + message
            if text not in present:
                lines.append(cst.EmptyLine(comment=cst.Comment(text)))
                present.add(text)
                self.reviews.append(message)
        return node.with_changes(leading_lines=lines)
