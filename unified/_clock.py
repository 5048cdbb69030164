"""The injected time sources every layer uses, so tests never wait."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Clock"]


@dataclass(frozen=True)
class Clock:
    """``monotonic`` for durations, ``wall`` for cache ages, ``sleep`` for every wait.

    The async path awaits :meth:`asleep`: ``asyncio.sleep`` for the real ``time.sleep``,
    the injected ``sleep`` itself (a test's fake, which returns at once) otherwise.
    """

    monotonic: Callable[[], float] = time.perf_counter
    wall: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep

    async def asleep(self, seconds: float) -> None:
        """Wait ``seconds`` without blocking the event loop."""
        if self.sleep is time.sleep:
            await asyncio.sleep(seconds)
        else:
            self.sleep(seconds)
