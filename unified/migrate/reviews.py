"""The text of the review comments the planner writes for calls that stay legacy.

Every comment names the construct, says why it was not migrated and gives the next
step, so a reader can act on it without knowing how the codemod groups calls. Calls that
stay on ``unified.compat`` only because a related call cannot move get one comment per
statement naming the call that holds them back.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["AGAIN", "escaped", "held_back", "snippet", "synthesized_default", "use_problem"]

#: How every actionable comment ends.
AGAIN = "then run unified-migrate again"

#: What a legacy-only attribute is, by kind of object: the name shown in comments.
_OWNERS = {"simple_result": "DSPyResult", "enhanced_module": "EnhancedModule"}
#: Specific next steps for legacy-only attributes (kind, attribute).
_HINTS = {
    ("simple_result", "success"): "the unified predict() raises a unified.UnifiedError "
                                  "instead of returning success=False; put the call in "
                                  "try/except UnifiedError and drop the check",
    ("simple_result", "error"): "the unified predict() raises a unified.UnifiedError whose "
                                "message is the error; catch it with try/except",
}


def _names(constructs: Sequence[str]) -> str:
    return ", ".join(dict.fromkeys(constructs))


def use_problem(kind: str, legacy: str, attr: str, keeper: str) -> str:
    """Why ``<obj>.<attr>`` keeps the object made by ``keeper`` on the legacy API."""
    owner = _OWNERS.get(kind, legacy)
    hint = _HINTS.get((kind, attr), "rewrite this use with the unified API by hand")
    return (f"{owner}.{attr} has no unified equivalent, so {keeper}(...) stays on "
            f"unified.compat: {hint}, {AGAIN}")


def snippet(code: str, limit: int = 60) -> str:
    """``code`` on one line, shortened to ``limit`` characters, in backquotes: how a
    comment points at another place (line numbers move when the file is rewritten)."""
    flat = " ".join(code.split())
    return f"`{flat if len(flat) <= limit else flat[:limit - 1] + '…'}`"


def escaped(legacy: str, use: str) -> str:
    """A config object used (at the code ``use``) where the codemod cannot follow it."""
    return (f"{legacy}(...) is used in {use}, where the codemod cannot tell whether the "
            f"legacy or the unified class is expected, so it stays on unified.compat (the "
            f"compat wrappers take either): pass it straight to the wrapper that uses it, "
            f"{AGAIN}")


def held_back(constructs: Sequence[str], blocker: str | None, via: str | None = None) -> str:
    """Calls with no problem of their own, kept because ``blocker`` (the code of a call
    that cannot migrate; ``None``: one in the same statement) cannot migrate and they
    move together -- through the config class ``via`` when given (one import per class
    and file)."""
    names = _names(constructs)
    verb = "stays" if len(set(constructs)) == 1 else "stay"
    if blocker is None:
        return (f"{names} {verb} on unified.compat because the call with the review above "
                f"cannot migrate and they move together: resolve that review, {AGAIN}")
    if via is not None:
        why = f"every {via} of a file comes from one import and {blocker} cannot migrate"
    else:
        why = f"{blocker} cannot migrate and a wrapper moves with its configs and modules"
    return f"{names} {verb} on unified.compat because {why}: resolve the review there, {AGAIN}"


def synthesized_default(constructs: Sequence[str], config: str, blocker: str) -> str:
    """Calls whose migration would write ``config`` while that class stays legacy
    (held back by the call ``blocker``)."""
    return (f"{_names(constructs)} would need a {config} for its legacy default, but the "
            f"{config} calls of this file stay on unified.compat (one import per class) "
            f"because of {blocker}: resolve the review there, {AGAIN}")
