"""Metrics count the provider's cached-input and reasoning tokens."""

from __future__ import annotations

from suites.unit.features.conftest import FnBackend
from unified import LMRequest, LMResponse, Message, Usage
from unified._features.metrics import Metered, Metrics

REQ = LMRequest("m", [Message("user", "q")])


def test_cached_and_reasoning_tokens_are_summed() -> None:
    metrics = Metrics()
    metered = Metered(FnBackend(lambda request: LMResponse(
        "a", usage=Usage(10, 6, cached_tokens=4, reasoning_tokens=3))), metrics)
    metered.complete(REQ)
    metered.complete(REQ)
    snap = metrics.snapshot()
    assert (snap["tokens_cached"], snap["tokens_reasoning"]) == (8, 6)
    assert (snap["tokens_in"], snap["tokens_out"]) == (20, 12)
