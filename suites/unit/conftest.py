"""Fixtures for the unit suite: a recording clock and a mock-backed wrapper factory."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from unified import Clock, MockBackend, UnifiedConfig, UnifiedDSPyWrapper


class FakeClock:
    """Monotonic and wall time that only move when told (or when slept)."""

    def __init__(self) -> None:
        self.now = 1_000.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def time(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def as_clock(self) -> Clock:
        return Clock(monotonic=self.time, wall=self.time, sleep=self.sleep)


@pytest.fixture
def fake_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_wrapper(fake_clock: FakeClock) -> Callable[..., UnifiedDSPyWrapper]:
    """Build a mock-backed wrapper: ``make_wrapper(responses, errors=..., **config)``."""
    made: list[UnifiedDSPyWrapper] = []

    def factory(responses: Any = None, *, errors: Any = (), latency: float = 0.0,
                **config: Any) -> UnifiedDSPyWrapper:
        backend = MockBackend(responses, errors=errors, latency=latency, sleep=fake_clock.sleep)
        wrapper = UnifiedDSPyWrapper(UnifiedConfig(backend="mock", **config), backend=backend,
                                     clock=fake_clock.as_clock())
        made.append(wrapper)
        return wrapper

    yield factory
    for wrapper in made:
        wrapper.close()
