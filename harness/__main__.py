"""``python -m harness parity|record|lint`` — the harness's command line.

- ``parity [--scenario GLOB]... [--impl NAME]... [--jobs N] [--reports DIR]``: replay
  every scenario through every implementation, print progress and the matrix, write
  ``parity.json``, ``parity.md`` and ``parity-junit.xml``; exit 1 on any FAIL.
- ``record [--scenario GLOB]...``: re-record cassettes against the local stack (see
  :mod:`harness.recording`).
- ``perf`` (and ``parity --perf``): the performance gate (:mod:`harness.perf_gate`).
- ``lint``: run the parity replay quietly and lint every cassette (secrets, unused
  interactions, cassettes no scenario uses); exit 1 on findings.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _quiet_environment() -> None:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    os.environ.setdefault("LITELLM_OFFLINE_MODE", "true")
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    import dspy

    dspy.configure_cache(enable_disk_cache=False, enable_memory_cache=False)


def _progress(result, done: int, total: int) -> None:  # type: ignore[no-untyped-def]
    verdicts = " ".join(f"{r.implementation}={r.status}" for r in result.results)
    print(f"[{done:>3}/{total}] {result.scenario:<42} {verdicts}", flush=True)


def cmd_parity(args: argparse.Namespace) -> int:
    """Run the parity suite and write the reports."""
    from .parity import run_parity
    from .report import matrix_rows, write_reports

    run = run_parity(args.scenario or ["*"], only=args.impl or (), jobs=args.jobs,
                     progress=_progress)
    if not run.scenarios:
        print("no scenario matched", file=sys.stderr)
        return 2
    paths = write_reports(run, Path(args.reports), getattr(args, "report_extra", None))
    from unified.datatable import DataTableFrame

    print()
    print(DataTableFrame(matrix_rows(run)).to_markdown())
    counts = ", ".join(f"{k}: {v}" for k, v in sorted(run.counts().items()))
    print(f"\n{len(run.scenarios)} scenarios, {counts}; {run.wall_time:.1f} s")
    print("reports: " + ", ".join(str(p) for p in paths))
    if run.failed:
        for scenario in run.scenarios:
            for result in scenario.results:
                if result.status == "FAIL":
                    detail = "; ".join([*result.problems,
                                        *(f"{k}: {v}" for k, v in result.diffs.items())])
                    print(f"FAIL {scenario.scenario} [{result.implementation}]: {detail}")
        return 1
    return 0


def cmd_record(args: argparse.Namespace) -> int:
    """Re-record cassettes."""
    from .recording import record_scenarios

    record_scenarios(args.scenario or ["*"])
    return 0


def cmd_lint(args: argparse.Namespace) -> int:
    """Lint every cassette against a quiet parity run."""
    from .parity import run_parity
    from .replay import lint_cassettes

    problems = lint_cassettes(run_parity(["*"]).played_by_cassette())
    for problem in problems:
        print(problem)
    print(f"{len(problems)} cassette problem(s)")
    return 1 if problems else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m harness``."""
    parser = argparse.ArgumentParser(prog="python -m harness", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    parity = sub.add_parser("parity", help="replay every scenario and compare")
    parity.add_argument("--scenario", action="append", help="glob of scenario ids")
    parity.add_argument("--impl", action="append", help="implementation name prefix")
    parity.add_argument("--jobs", type=int, default=1, help="parallel processes")
    parity.add_argument("--reports", default=str(ROOT / "reports"), help="report directory")
    parity.set_defaults(func=cmd_parity)
    from .perf_gate import register as register_perf

    register_perf(sub, parity, reports=str(ROOT / "reports"), command=cmd_parity)
    record = sub.add_parser("record", help="re-record cassettes against the local stack")
    record.add_argument("--scenario", action="append", help="glob of scenario ids")
    record.set_defaults(func=cmd_record)
    lint = sub.add_parser("lint", help="lint the cassettes")
    lint.set_defaults(func=cmd_lint)
    args = parser.parse_args(argv)
    if getattr(args, "jobs", 1) < 1:
        parser.error("--jobs must be >= 1")
    _quiet_environment()
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
