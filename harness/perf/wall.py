"""The wall-clock pairs of the perf gate: what counted instructions cannot see.

Each builder takes ``(inject, regression)`` and returns ``(baseline, candidate)``
:class:`~harness.perf.measure.Subject` s. ``inject`` slows the candidate down (the gate's
self-test, :mod:`harness.perf.selftest`): ``{"share": s}`` busy-waits ``s`` times the
operation's own time, ``{"spin": s}`` busy-waits ``s`` seconds and
``{"sleep": s}`` sleeps ``s`` seconds per operation. With ``regression`` the baseline is
the clean candidate itself (how the self-test asks "would the gate see this change?").

- ``cache_pair``: a memory-cache hit against a miss on a backend answering in 1 ms
  (pipeline level): the hit must cost at most 5 % of such a miss;
- ``http_pair``: the gateway backend against a raw ``httpx`` POST of the same body to
  the same local OpenAI-compatible server, run in a process of its own
  (:mod:`harness.perf.upstream_process`); the wall side of ``http:gateway``, whose
  client work is also counted (:mod:`harness.perf.wire`).

The import pair is counted, not timed: :mod:`harness.perf.imports`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from .measure import Subject
from .subjects import Workload

__all__ = ["slowdown", "slowed", "cache_pair", "http_pair"]


def slowdown(inject: dict[str, Any] | None) -> Callable[[], None]:
    """The per-operation slowdown ``inject`` asks for (a no-op for ``None``)."""
    spin, sleep = float((inject or {}).get("spin", 0.0)), float((inject or {}).get("sleep", 0.0))

    def slow() -> None:
        if spin:
            end = time.perf_counter() + spin
            while time.perf_counter() < end:
                pass
        if sleep:
            time.sleep(sleep)

    return slow


def slowed(workload: Workload, inject: dict[str, Any] | None) -> Workload:
    """``workload`` with ``inject``'s slowdown after each of its operations; ``{"share":
    s}`` busy-waits ``s`` times what the operations just took (a true +s whatever the
    machine's load does to them, where a fixed ``spin`` is a smaller share of slower
    operations)."""
    if not inject:
        return workload
    slow, share = slowdown(inject), float(inject.get("share", 0.0))

    def run(n: int) -> None:
        began = time.perf_counter()
        workload.run(n)
        if share:
            end = time.perf_counter()
            end += share * (end - began)
            while time.perf_counter() < end:
                pass
        for _ in range(n):
            slow()

    return Workload(f"{workload.name} (slowed)", run, workload.close)


def cache_pair(inject: dict[str, Any] | None, regression: bool) -> tuple[Subject, Subject]:
    """Miss on a 1 ms backend (or the clean hit) vs a memory-cache hit."""
    from .subjects import cache_workloads

    loads = cache_workloads(latency=0.001)
    hit = loads["memory"]
    baseline = hit if regression else loads["miss"]
    candidate = slowed(hit, inject)
    return (Subject(baseline.name, baseline.subject().measure, loads["miss"].close),
            candidate.subject())


def http_pair(inject: dict[str, Any] | None, regression: bool) -> tuple[Subject, Subject]:
    """Raw httpx (or the clean gateway backend) vs the gateway backend, one local server."""
    from .subjects import http_workloads
    from .upstream_process import UpstreamProcess

    upstream = UpstreamProcess().start()
    try:
        loads = http_workloads(upstream.url)
        clean = http_workloads(upstream.url)["gateway"] if regression else None
    except BaseException:
        upstream.stop()
        raise
    raw = loads["raw"]
    baseline = clean if clean is not None else raw

    def close() -> None:
        raw.close()
        upstream.stop()

    return (Subject(baseline.name, baseline.subject().measure, close),
            slowed(loads["gateway"], inject).subject())
