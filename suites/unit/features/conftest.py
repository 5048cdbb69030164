"""What the layer tests share: a backend answering from a function."""

from __future__ import annotations

from collections.abc import Callable

from unified import BackendIdentity, LMRequest, LMResponse
from unified._backends.base import BaseBackend


class FnBackend(BaseBackend):
    """A backend whose every call is ``answer(request)`` (an LMResponse, or it raises);
    ``calls`` keeps the requests."""

    kind = "mock"

    def __init__(self, answer: Callable[[LMRequest], LMResponse],
                 identity: BackendIdentity = BackendIdentity("mock", "mock://fn", "m")) -> None:
        self.answer = answer
        self._identity = identity
        self.calls: list[LMRequest] = []

    def complete(self, request: LMRequest) -> LMResponse:
        """Note the request and answer it."""
        self.calls.append(request)
        return self.answer(request)

    async def acomplete(self, request: LMRequest) -> LMResponse:
        """Async variant of :meth:`complete` (no thread)."""
        return self.complete(request)

    def identity(self) -> BackendIdentity:
        """The identity given at construction."""
        return self._identity
