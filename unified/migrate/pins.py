"""Which backend a migrated enhanced wrapper must use: the one its legacy code ran on.

The legacy ``DSPyEnhancedWrapper(lm=None)`` answered from the globally configured DSPy
LM. When the file sets that LM with ``configure_dspy_with_gateway(route, uri)``, the
unified wrapper is pinned to the same gateway route (``backend=BackendType.GATEWAY``,
``model=route``, ``gateway_uri=uri``); left on ``backend=auto`` it would pick Bedrock
whenever AWS credentials are in the environment. A pin is written only when it is
certain: every ``configure_dspy_with_gateway`` call of the file is migrated and names
the same route and URI, as literals or module-level names visible at the wrapper, and
the file has no ``dspy.configure(lm=...)`` of its own. Otherwise the wrapper stays on
``unified.compat`` -- whose enhanced wrapper answers from the configured LM, as the
legacy one did -- under a review comment saying what to write. That comment is a *use
problem* (:mod:`unified.migrate.groups`): shown only when nothing else keeps the wrapper.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst
from libcst.helpers import get_full_name_for_node
from libcst.metadata import GlobalScope

from .analysis import Resolver
from .layout import code_of
from .reviews import AGAIN
from .rules import bind_for

__all__ = ["UNPINNED", "global_lm_calls", "pin_for"]

#: Why an enhanced wrapper stays legacy when its global LM cannot be pinned. One text
#: whatever the cause, so a second run (which sees ``dspy.configure(lm=...)`` where the
#: first saw ``configure_dspy_with_gateway``) writes the same comment.
UNPINNED = ("DSPyEnhancedWrapper(...) answered from the global DSPy LM this file configures "
            "(configure_dspy_with_gateway or dspy.configure) and the codemod cannot pin that "
            "backend here (several routes, a route it cannot copy, a configure call that stays "
            "legacy, or an LM it cannot read), "
            "so it stays on unified.compat, which answers from the configured LM too: write "
            "UnifiedDSPyWrapper(UnifiedConfig(backend=BackendType.GATEWAY, model=<route>, "
            f"gateway_uri=<uri>, retry=..., cache=...)) for that LM's backend, {AGAIN}")
_LITERALS = (cst.SimpleString, cst.ConcatenatedString, cst.Integer, cst.Float)


def _portable(resolver: Resolver, value: cst.BaseExpression | None, site: cst.CSTNode) -> bool:
    """Whether ``value`` (an argument of a configure call) means the same at ``site``."""
    if value is None:
        return True
    if isinstance(value, _LITERALS):
        return not isinstance(value, cst.ConcatenatedString) or "{" not in code_of(value)
    if not isinstance(value, cst.Name):
        return False
    if value.value == "None":
        return True
    here, there = resolver.scope_of(value), resolver.scope_of(site)
    if here is None or there is None:
        return False
    found = set(here[value.value])
    return bool(found) and all(isinstance(a.scope, GlobalScope) for a in found) \
        and found == set(there[value.value])


def _key(call: cst.Call) -> tuple[str, str]:
    bound = bind_for("configure", call)
    route, uri = (bound.value(p) if bound.given(p) else None for p in ("route", "gateway_uri"))
    return (code_of(route) if route is not None else "", code_of(uri) if uri is not None else "")


def global_lm_calls(calls: Sequence[cst.Call], dspy_name: str) -> list[cst.Call]:
    """The ``dspy.configure(lm=...)`` / ``dspy.settings.configure(lm=...)`` calls."""
    return [node for node in calls
            if get_full_name_for_node(node.func) in (f"{dspy_name}.configure",
                                                     f"{dspy_name}.settings.configure")
            and any(a.keyword is not None and a.keyword.value == "lm" for a in node.args)]


def pin_for(resolver: Resolver, wrapper: cst.Call, configures: Sequence[tuple[cst.Call, bool]],
            global_lms: Sequence[cst.Call]) -> cst.Call | str | None:
    """The configure call whose gateway ``wrapper`` must be pinned to; :data:`UNPINNED`
    when the file configures a global LM that cannot be pinned safely (several routes, a
    route that is not a literal or module-level name, a configure call that stays
    legacy, or ``dspy.configure(lm=...)``); ``None`` when it configures none.
    ``configures`` lists every configure call with whether it is migrated."""
    if not configures and not global_lms:
        return None
    if global_lms or len({_key(c) for c, _ in configures}) > 1 \
            or not all(migrated for _, migrated in configures):
        return UNPINNED
    first = configures[0][0]
    bound = bind_for("configure", first)
    if not all(_portable(resolver, bound.value(p), wrapper) for p in bound.order):
        return UNPINNED
    return first
