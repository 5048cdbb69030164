"""Which backend a migrated enhanced wrapper must use: the one its legacy code ran on.

The legacy ``DSPyEnhancedWrapper(lm=None)`` answered from the globally configured DSPy
LM. When the file sets that LM with ``configure_dspy_with_gateway(route, uri)``, the
unified wrapper is pinned to the same gateway route (``backend=BackendType.GATEWAY``,
``model=route``, ``gateway_uri=uri``); left on ``backend=auto`` it would pick Bedrock
whenever AWS credentials are in the environment. A pin is written only when it is
certain: every ``configure_dspy_with_gateway`` call of the file is migrated and names
the same route and URI, as literals or module-level names visible at the wrapper.
Otherwise the wrapper stays on ``unified.compat`` under a review comment that says
what to write. A file that sets the global LM with ``dspy.configure(lm=...)`` instead
gets a review comment on the migrated wrapper (the codemod cannot tell that LM's backend).
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst
from libcst.helpers import get_full_name_for_node
from libcst.metadata import GlobalScope

from .analysis import Resolver
from .layout import code_of
from .reviews import AGAIN, snippet
from .rules import bind_for

__all__ = ["GATEWAY_TARGET", "global_lm_note", "pin_for"]

#: What the review comment asks the user to write when no pin can be made.
GATEWAY_TARGET = ("UnifiedDSPyWrapper(UnifiedConfig(backend=BackendType.GATEWAY, "
                  "model=<route>, gateway_uri=<uri>, retry=..., cache=...))")
_LITERALS = (cst.SimpleString, cst.ConcatenatedString, cst.Integer, cst.Float)


def _portable(resolver: Resolver, value: cst.BaseExpression, site: cst.CSTNode) -> bool:
    """Whether ``value`` (an argument of a configure call) means the same at ``site``."""
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
    return tuple(code_of(bound.value(p)) if bound.given(p) else "" for p in
                 ("route", "gateway_uri"))  # type: ignore[return-value]


def pin_for(resolver: Resolver, wrapper: cst.Call,
            configures: Sequence[tuple[cst.Call, bool]]) -> cst.Call | str | None:
    """The configure call whose gateway ``wrapper`` must be pinned to, a review message
    when that cannot be decided safely, or ``None`` when the file configures no gateway
    LM. ``configures`` lists every configure call with whether it is migrated."""
    if not configures:
        return None
    places = ", ".join(snippet(code_of(c)) for c, _ in configures)
    keys = {_key(c) for c, _ in configures}
    first = configures[0][0]
    bound = bind_for("configure", first)
    if len(keys) > 1:
        why = "those calls name different routes"
    elif not all(migrated for _, migrated in configures):
        why = "that call stays on the legacy API"
    elif not all(_portable(resolver, bound.value(p), wrapper) for p in bound.order):
        why = "its route or URI is not a literal or a module-level name"
    else:
        return first
    return (f"DSPyEnhancedWrapper(...) ran on the global DSPy LM set by {places}, but {why}, "
            f"so the codemod cannot pin that gateway and the wrapper stays on unified.compat: "
            f"write {GATEWAY_TARGET} with the route it should use, {AGAIN}")


def global_lm_note(resolver: Resolver, calls: Sequence[cst.Call], dspy_name: str) -> str | None:
    """A review note for migrated enhanced wrappers when the file sets the global DSPy
    LM with ``dspy.configure(lm=...)`` (``None`` when it does not)."""
    places = []
    for node in calls:
        name = get_full_name_for_node(node.func) or ""
        if name in (f"{dspy_name}.configure", f"{dspy_name}.settings.configure") and any(
                a.keyword is not None and a.keyword.value == "lm" for a in node.args):
            places.append(snippet(code_of(node)))
    if not places:
        return None
    return (f"the legacy DSPyEnhancedWrapper answered from the global DSPy LM set by "
            f"{', '.join(places)}; the unified wrapper picks "
            f"its backend from UnifiedConfig (backend=auto here): set backend= (and model=) "
            f"to that LM's, {AGAIN}")

