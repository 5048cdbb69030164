"""Per-call options set for a block of code: ``bypass_cache()`` and ``rollout(id)``.

They scope DSPy calls: the engine (:mod:`unified._lm`), where a DSPy call enters the
library, folds them into the request's :class:`~unified._request_config.CallOptions`
(``cache=False``, ``salt``). The layers read only the request, never a context
variable; a canonical request sent to a pipeline directly carries its own options.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
from collections.abc import Iterator

from ._request_config import CallOptions

__all__ = ["bypass_cache", "rollout", "scoped", "current"]

_BYPASS: contextvars.ContextVar[bool] = contextvars.ContextVar("unified_cache_bypass",
                                                               default=False)
_ROLLOUT: contextvars.ContextVar[str | None] = contextvars.ContextVar("unified_rollout_id",
                                                                      default=None)


@contextlib.contextmanager
def bypass_cache() -> Iterator[None]:
    """Within this block, DSPy calls neither read nor write the cache."""
    token = _BYPASS.set(True)
    try:
        yield
    finally:
        _BYPASS.reset(token)


@contextlib.contextmanager
def rollout(rollout_id: str | None) -> Iterator[None]:
    """Within this block, the cache entries of DSPy calls are salted with ``rollout_id``."""
    token = _ROLLOUT.set(rollout_id)
    try:
        yield
    finally:
        _ROLLOUT.reset(token)


def scoped(options: CallOptions) -> CallOptions:
    """``options`` with the enclosing blocks' bypass and rollout salt (the same object
    when no block is active)."""
    bypass, salt = _BYPASS.get(), _ROLLOUT.get()
    if not bypass and salt is None:
        return options
    return dataclasses.replace(options, cache=options.cache and not bypass,
                               salt=salt if salt is not None else options.salt)


def current() -> tuple[bool, str | None]:
    """``(bypass, salt)`` of the enclosing blocks: whether a ``bypass_cache()`` block is
    active, and the ``rollout()`` salt (None outside any)."""
    return _BYPASS.get(), _ROLLOUT.get()
