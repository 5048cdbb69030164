"""What a parallel parity run imports in the parent before forking its warm workers.

``python -m harness parity --jobs N`` runs scenarios in forked workers (see
:mod:`harness.parity.pool`), so whatever the parent has imported they share instead of each
importing it again. litellm alone costs ~4–5 s of CPU to import (the direct backend
and the legacy LMs use it); moto and boto3 ~0.6 s (Bedrock). A scenario that reaches
neither backend needs none of it: those are the *light* scenarios a worker forked
before the import runs while the parent imports (:func:`is_light`).

The imports run with the cyclic garbage collector paused (:func:`collector_paused`):
importing litellm allocates ~600,000 objects that live as long as the process, and the
collections those allocations trigger rescan them again and again while finding almost
nothing to free (~3,000 objects) — about a third of the import's CPU time.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from .scenarios import Scenario

__all__ = ["BASE", "HEAVY", "PRELOADED", "backends_reached", "collector_paused", "is_light",
           "modules_for", "preload", "settle_logging_threads"]

#: Modules the replay of every scenario needs.
BASE = ("vcr", "harness.parity.adapters", "harness.parity.replay.http", "unified._backends.gateway")
#: The costly modules a scenario needs for each backend it reaches.
HEAVY = {"direct": ("litellm", "unified._backends.direct"),
         "bedrock": ("boto3", "moto", "harness.parity.replay.bedrock", "unified._backends.bedrock")}
#: Everything :func:`preload` may import (the base and every backend's modules).
PRELOADED = (*BASE, *(name for names in HEAVY.values() for name in names))


def backends_reached(scenario: Scenario) -> frozenset[str]:
    """The backends a scenario's implementations call: its own, its unified fallbacks',
    and direct for the ``dynamic`` pattern (the legacy registry's plain DSPy LM)."""
    unified = scenario.config.get("unified") or {}
    fallbacks = unified.get("fallbacks") if isinstance(unified, dict) else None
    reached = {scenario.backend}
    reached.update(f["backend"] for f in fallbacks or () if isinstance(f, dict) and "backend" in f)
    if scenario.pattern == "dynamic":
        reached.add("direct")
    return frozenset(reached)


def is_light(scenario: Scenario) -> bool:
    """True when the scenario reaches no backend with heavy imports (a worker forked
    before :func:`preload` runs it without importing litellm or moto)."""
    return not backends_reached(scenario) & HEAVY.keys()


def modules_for(scenarios: Iterable[Scenario]) -> tuple[str, ...]:
    """:data:`BASE` plus the heavy modules of every backend the scenarios reach."""
    reached: set[str] = set()
    for scenario in scenarios:
        reached |= backends_reached(scenario)
    return (*BASE, *(name for backend in sorted(reached & HEAVY.keys())
                     for name in HEAVY[backend]))


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run the block without automatic garbage collections, then move everything
    allocated so far into the collector's permanent generation (``gc.freeze``: later
    collections, and forked workers, neither scan nor copy-on-write those objects) and
    restore the collector's previous state. For blocks that build long-lived objects
    (imports, the first run of a scenario): the few cycles they leave are kept."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def preload(modules: Iterable[str] = PRELOADED) -> list[str]:
    """Import ``modules`` with the collector paused (:func:`collector_paused`, which
    also freezes everything imported so far); return the names that could not be
    imported (a missing optional dependency then fails where it is used, with its own
    message)."""
    missing = []
    with collector_paused():
        for name in modules:
            try:
                importlib.import_module(name)
            except ImportError:
                missing.append(name)
    return missing


#: litellm's module holding the thread pool its calls hand their logging callbacks to.
LOGGING_POOL = "litellm.litellm_core_utils.thread_pool_executor"


def settle_logging_threads(timeout: float = 5.0) -> None:
    """Wait until litellm's logging thread pool has run what the parent's calls handed
    it (call before forking): a fork while one of its threads is being woken copies its
    queue's lock held with nobody to release it, so the worker's logging threads wait
    forever and the worker never exits (seen once as a hung ``--jobs 2`` run)."""
    pool = getattr(sys.modules.get(LOGGING_POOL), "executor", None)
    if pool is not None:
        with contextlib.suppress(Exception):   # a full backlog drops (cancels) the no-op
            pool.submit(int).result(timeout=timeout)
