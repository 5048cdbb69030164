"""The counting side of the perf gate: a fork server run under an instruction counter.

``python -m harness.perf.server PLAN OUTDIR`` imports DSPy, ``unified`` and the
harness once (the start-up every measurement shares), then runs each job of the JSON
plan in a child forked from that clean state: the child builds its subject, warms it
up, runs ``calls`` operations and leaves with ``os._exit`` (no teardown is counted).
Under ``valgrind --tool=cachegrind --cachegrind-out-file=OUTDIR/cg.%p`` every child
leaves its own instruction total, which includes the parent's start-up; two children
of the same subject with ``calls = N`` and ``calls = 0`` differ by exactly the N
operations (:mod:`harness.perf.count` subtracts them). With ``--no-fork`` the single
job runs in this process (for ``perf stat``, which counts one whole process).

Each child also writes ``OUTDIR/<job id>.json``: its pid (which cachegrind file is its),
its voluntary context switches during the counted calls (a ``sleep`` or any blocking
wait shows here, where instructions cannot see it) and the wall seconds they took.

A job may carry an injected slowdown (the gate's self-test, :mod:`harness.perf.selftest`,
or ``UNIFIED_PERF_INJECT``, see :func:`_environment_inject`):
``{"burn": k}`` runs ``k`` iterations of :func:`burn` per operation, ``{"sleep": s}``
sleeps ``s`` seconds per operation, either after the operation or, with ``"target":
"module:Class.method"``, inside that function on every call.
"""

from __future__ import annotations

import functools
import gc
import importlib
import itertools
import json
import os
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["burn", "build_workload", "run_job", "main"]


def burn(iterations: int) -> None:
    """Deterministic CPU work: ``iterations`` turns of an empty Python loop, each the
    same instructions (``itertools.repeat`` allocates nothing per turn, unlike ``range``
    past the cached small ints), so a calibrated count scales linearly."""
    for _ in itertools.repeat(None, iterations):
        pass


def _builders() -> dict[str, Callable[[], Any]]:
    from .patterns import PATTERNS, pattern_workload
    from .subjects import (
        cache_workloads,
        dspy_cache_hit_workload,
        floor_workload,
        unified_cache_hit_workload,
        unified_workload,
    )

    found: dict[str, Callable[[], Any]] = {
        "bare engine": floor_workload, "unified Predict": unified_workload,
        "mock miss": lambda: cache_workloads()["miss"],
        "memory hit": lambda: cache_workloads()["memory"],
        "dspy cache hit": dspy_cache_hit_workload,
        "unified cache hit": unified_cache_hit_workload,
        "burn": lambda: _burn_workload()}
    from .wire import WIRE_SUBJECTS, wire_workload

    for subject in WIRE_SUBJECTS:
        found[subject] = functools.partial(wire_workload, subject)
    from .layers import LAYER_SETUPS, layer_workload

    for subject in LAYER_SETUPS:
        if subject.startswith("layers:"):
            found[subject] = functools.partial(layer_workload, subject)
    for pattern in PATTERNS:
        for kind in ("legacy", "compat", "legacy-engine"):
            found[f"{kind}:{pattern}"] = functools.partial(pattern_workload, kind, pattern)
    return found


def _burn_workload() -> Any:
    from .subjects import Workload

    return Workload("burn", lambda n: burn(1000 * n))


def build_workload(subject: str) -> Any:
    """The :class:`~harness.perf.subjects.Workload` called ``subject``."""
    builders = _builders()
    if subject not in builders:
        raise KeyError(f"unknown perf subject {subject!r}; known: {sorted(builders)}")
    return builders[subject]()


def _slowdown(inject: dict[str, Any]) -> Callable[[], None]:
    iterations, seconds = int(inject.get("burn", 0)), float(inject.get("sleep", 0.0))

    def slow() -> None:
        if iterations:
            burn(iterations)
        if seconds:
            time.sleep(seconds)

    return slow


def _patch_target(target: str, slow: Callable[[], None]) -> None:
    """Wrap ``module:Qual.name`` so that every call also runs ``slow``."""
    module_name, _, qualname = target.partition(":")
    owner: Any = importlib.import_module(module_name)
    *path, attr = qualname.split(".")
    for part in path:
        owner = getattr(owner, part)
    original = getattr(owner, attr)

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        slow()
        return original(*args, **kwargs)

    setattr(owner, attr, wrapped)


def _environment_inject(subject: str) -> dict[str, Any]:
    """The slowdown ``UNIFIED_PERF_INJECT`` (JSON: subject glob -> inject) asks for
    ``subject``: how a test slows a shim down in the measuring process."""
    import fnmatch

    wanted = json.loads(os.environ.get("UNIFIED_PERF_INJECT") or "{}")
    for glob, inject in wanted.items():
        if fnmatch.fnmatchcase(subject, glob):
            return dict(inject)
    return {}


def run_job(job: dict[str, Any], outdir: Path) -> None:
    """Build, warm up, run ``job["calls"]`` operations; write ``<id>.json``."""
    workload = build_workload(job["subject"])
    run = workload.run
    inject = job.get("inject") or _environment_inject(job["subject"])
    if inject:
        slow = _slowdown(inject)
        if inject.get("target"):
            _patch_target(inject["target"], slow)
        else:
            inner = run

            def run(n: int) -> None:
                inner(n)
                for _ in range(n):
                    slow()
    run(int(job.get("warmup", 10)))
    gc.collect()
    calls = int(job["calls"])
    # the calling thread's own switches: other threads of the process (a test runner's,
    # an exporter's) must not count as waits of the subject
    who = getattr(resource, "RUSAGE_THREAD", resource.RUSAGE_SELF)
    switches = resource.getrusage(who).ru_nvcsw
    start = time.perf_counter()
    if calls:
        run(calls)
    wall = time.perf_counter() - start
    waits = resource.getrusage(who).ru_nvcsw - switches
    record = {"id": job["id"], "pid": os.getpid(), "waits": waits, "wall": wall}
    (outdir / f"{job['id']}.json").write_text(json.dumps(record), encoding="utf-8")


def _prepare() -> None:
    """The shared start-up: quiet environment, DSPy's cache off, the heavy imports."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    os.environ.setdefault("LITELLM_OFFLINE_MODE", "true")
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    import warnings

    warnings.simplefilter("ignore", DeprecationWarning)
    import dspy

    dspy.configure_cache(enable_disk_cache=False, enable_memory_cache=False)
    import pkgutil

    import unified._wrapper  # noqa: F401
    import unified.compat

    for info in pkgutil.iter_modules(unified.compat.__path__, "unified.compat."):
        importlib.import_module(info.name)
    from ..parity.adapters.patterns import namespace_loader
    from . import engine_route, stream, subjects, wire  # noqa: F401
    from .patterns import PATTERNS

    for pattern in PATTERNS:  # every subject's code is imported once, here
        namespace_loader("legacy", pattern)()


def _fork(job: dict[str, Any], outdir: Path) -> int:
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child, which never returns
        code = 0
        try:
            run_job(job, outdir)
        except BaseException as exc:  # noqa: BLE001 - reported to the parent
            (outdir / f"{job['id']}.error").write_text(f"{type(exc).__name__}: {exc}",
                                                       encoding="utf-8")
            code = 1
        finally:
            sys.stdout.flush()
            os._exit(code)
    return pid


def main(argv: list[str] | None = None) -> int:
    """Run every job of the plan (see the module docstring)."""
    args = list(sys.argv[1:] if argv is None else argv)
    no_fork = "--no-fork" in args
    plan_path, outdir = (Path(a) for a in args if a != "--no-fork")
    plan = json.loads(plan_path.read_text(encoding="utf-8"))
    _prepare()
    if no_fork:
        for job in plan["jobs"]:
            run_job(job, outdir)
        return 0
    parallel, running = max(1, int(plan.get("parallel", 1))), set[int]()
    for job in plan["jobs"]:
        while len(running) >= parallel:
            running.discard(os.wait()[0])
        running.add(_fork(job, outdir))
    while running:
        running.discard(os.wait()[0])
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
