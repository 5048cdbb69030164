"""DeprecationWarnings of the compatibility shims: once per construction, at the caller.

Every shim constructor runs inside :class:`legacy_entry`. The outermost entry warns
``"<old> is deprecated; use <new>"`` with a ``stacklevel`` that points at the first frame
outside :mod:`unified.compat` and DSPy (so a subclass calling ``super().__init__`` or a
shim building another shim internally never warns twice, and the warning names the
user's file and line even through ``dspy.Module``'s metaclass). :func:`quiet` silences the shims' own internal constructions (default
configs, presets).
"""

from __future__ import annotations

import contextvars
import sys
import warnings
from types import FrameType, TracebackType

__all__ = ["legacy_entry", "quiet", "deprecation_message"]

_ACTIVE: contextvars.ContextVar[bool] = contextvars.ContextVar("unified_compat_entry",
                                                               default=False)
_PACKAGE = __name__.rsplit(".", 1)[0]


def deprecation_message(old: str, new: str) -> str:
    """The one wording of every shim's warning."""
    return f"{old} is deprecated; use {new}"


def _internal(frame: FrameType) -> bool:
    """Frames of this package, of dataclass-generated ``__init__`` code (``<string>``) and of
    DSPy (``dspy.Module``'s metaclass calls ``__init__``) are skipped."""
    module = str(frame.f_globals.get("__name__", ""))
    return (frame.f_code.co_filename == "<string>" or module == _PACKAGE
            or module.startswith((_PACKAGE + ".", "dspy.")))


def _caller_stacklevel() -> int:
    """The ``stacklevel`` (seen from :meth:`legacy_entry.__enter__`) of the first frame
    that :func:`_internal` does not skip."""
    frame = sys._getframe(2)
    level = 2
    while frame is not None and _internal(frame):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    return level


class legacy_entry:  # noqa: N801 - used like a function: ``with legacy_entry(...):``
    """Context of one shim construction; the outermost one warns (see module docstring)."""

    def __init__(self, old: str, new: str, *, warn: bool = True) -> None:
        self.old = old
        self.new = new
        self.warn = warn
        self._token: contextvars.Token[bool] | None = None

    def __enter__(self) -> legacy_entry:
        if self.warn and not _ACTIVE.get():
            warnings.warn(deprecation_message(self.old, self.new), DeprecationWarning,
                          stacklevel=_caller_stacklevel())
        self._token = _ACTIVE.set(True)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._token is not None:
            _ACTIVE.reset(self._token)
            self._token = None


def quiet() -> legacy_entry:
    """A context in which shim constructions do not warn (for the shims' own internals)."""
    return legacy_entry("", "", warn=False)
