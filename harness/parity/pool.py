"""Parallel parity runs that start replaying before the heavy imports are done.

With ``jobs > 1`` the scenarios run in worker processes forked from the parent, so
whatever the parent imported before forking they share instead of each importing it
again (:mod:`harness.parity.warmup`). Importing litellm takes the parent ~4–5 s, during which
the other CPUs would idle. Instead:

1. one *cold* worker is forked first, before the heavy imports, and given the light
   scenarios (:func:`harness.parity.warmup.is_light`: they reach no direct or Bedrock
   backend, so it never imports litellm or moto);
2. meanwhile the parent imports what the selection needs (:func:`harness.parity.warmup.preload`),
   runs the first scenario of each heavy backend itself (what the first call imports
   on demand — ~150 more litellm, httpcore and shim modules — is then imported once,
   not once per worker) and forks ``jobs`` warm workers;
3. the light scenarios the cold worker has not started are taken back (their futures
   cancelled) and run on the warm workers with all the others.

Every scenario runs exactly once, in a fresh replay, as in a one-process run; the
results come back in the scenarios' order.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from typing import TYPE_CHECKING

from .scenarios import Scenario, load_scenario
from .warmup import (
    HEAVY,
    backends_reached,
    collector_paused,
    is_light,
    modules_for,
    preload,
    settle_logging_threads,
)

if TYPE_CHECKING:  # pragma: no cover
    from .run import ScenarioResult

__all__ = ["run_pool", "warm_up_indices", "Runner"]

#: Runs one scenario (picklable: a module-level function or a ``functools.partial`` of
#: one, sent to the forked workers with each scenario's path).
Runner = Callable[[Scenario], "ScenarioResult"]
Work = tuple[str, Runner]


def _run_one(work: Work) -> ScenarioResult:
    path, runner = work
    return runner(load_scenario(path))


def _start_cold(scenarios: Sequence[Scenario], work: list[Work],
                ) -> tuple[ProcessPoolExecutor | None, dict[Future[ScenarioResult], int]]:
    """Fork the cold worker now and queue the light scenarios on it (in order)."""
    light = [index for index, scenario in enumerate(scenarios) if is_light(scenario)]
    if not light:
        return None, {}
    gc.freeze()             # the worker neither scans nor copies the parent's objects
    cold = ProcessPoolExecutor(max_workers=1)
    return cold, {cold.submit(_run_one, work[index]): index for index in light}


def _faulted(scenario: Scenario) -> bool:
    return any(key in step for step in scenario.upstream for key in ("fault", "bedrock_fault"))


def warm_up_indices(scenarios: Sequence[Scenario]) -> list[int]:
    """The first scenario reaching each heavy backend, and the first reaching it with a
    fault in its upstream script (run in the parent before forking: a failed call makes
    litellm import ~110 more modules — fastapi, starlette, opentelemetry — for its
    guardrail check, ~0.25 s that every warm worker would otherwise spend again)."""
    first: dict[tuple[str, bool], int] = {}
    for index, scenario in enumerate(scenarios):
        for backend in sorted(backends_reached(scenario) & HEAVY.keys()):
            first.setdefault((backend, _faulted(scenario)), index)
    return sorted(set(first.values()))


def run_pool(scenarios: Sequence[Scenario], runner: Runner, jobs: int,
             progress: Callable[[ScenarioResult, int, int], None] | None = None,
             ) -> list[ScenarioResult]:
    """Run each of ``scenarios`` with ``runner`` on ``jobs`` forked workers (plus the
    cold one, see the module docstring); ``progress`` is called in completion order;
    return the results in the scenarios' order."""
    work: list[Work] = [(scenario.path, runner) for scenario in scenarios]
    cold, cold_futures = _start_cold(scenarios, work)
    warm: ProcessPoolExecutor | None = None
    results: list[ScenarioResult | None] = [None] * len(work)
    done = 0

    def finished(index: int, result: ScenarioResult) -> None:
        nonlocal done
        results[index], done = result, done + 1
        if progress:
            progress(result, done, len(work))

    try:
        with collector_paused():    # long-lived objects: see harness.parity.warmup
            preload(modules_for(scenarios))
            for index in warm_up_indices(scenarios):
                finished(index, runner(scenarios[index]))
        settle_logging_threads()
        # cancel() succeeds only for scenarios the cold worker has not started.
        futures = {f: i for f, i in cold_futures.items() if not f.cancel()}
        warm = ProcessPoolExecutor(max_workers=jobs)
        taken = set(futures.values())
        futures.update({warm.submit(_run_one, work[index]): index
                        for index, result in enumerate(results)
                        if result is None and index not in taken})
        for future in as_completed(futures):
            finished(futures[future], future.result())
    finally:
        # Not waiting: the workers exit while the caller writes its reports (the
        # interpreter joins them at exit).
        for pool in (cold, warm):
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)
    return [result for result in results if result is not None]
