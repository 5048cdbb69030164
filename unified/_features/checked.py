"""The capability check: a request a backend's wire cannot carry never reaches it.

:class:`Checked` wraps one backend (outside its retries) and raises
:class:`~unified._errors.UnsupportedFeatureError` for the first part or parameter its
``capabilities()`` do not declare, before any network call; it is permanent, so it is
never retried and no fallback is tried.
"""

from __future__ import annotations

from typing import Any

from .._backends.capabilities import check_request
from .._types import LMRequest, LMResponse
from .base import Layer

__all__ = ["Checked"]


class Checked(Layer):
    """Refuses requests the wrapped backend cannot carry (see module docstring)."""

    def __init__(self, inner: Any) -> None:
        super().__init__(inner)
        self._capabilities = self.capabilities()
        self._identity = inner.identity()

    def complete(self, request: LMRequest) -> LMResponse:
        """Check, then call the wrapped backend."""
        check_request(request, self._capabilities, self._identity)
        return self.inner.complete(request)  # type: ignore[no-any-return]

    async def acomplete(self, request: LMRequest) -> LMResponse:
        """Async variant of :meth:`complete`."""
        check_request(request, self._capabilities, self._identity)
        return await self.inner.acomplete(request)  # type: ignore[no-any-return]
