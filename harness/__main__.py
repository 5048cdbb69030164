"""``python -m harness parity|record|lint|publish|...`` — the harness's command line.

- ``parity [--scenario GLOB]... [--impl NAME]... [--jobs N] [--reports DIR]
  [--otlp-endpoint URL]``: replay
  every scenario through every implementation, print progress and the matrix, write
  ``parity.json``, ``parity.md`` and ``parity-junit.xml`` (default ``reports/latest/``,
  ignored by git; library log lines go to ``parity.log`` there, not into the progress);
  exit 1 on any FAIL. A filtered run says so in every report.
- ``record [--scenario GLOB]...``: re-record cassettes against the local stack (see
  :mod:`harness.parity.recording`).
- ``perf`` (and ``parity --perf``): the performance gate (:mod:`harness.perf.gate`).
- ``lint``: run the parity replay quietly and lint every cassette (secrets, unused
  interactions, cassettes no scenario uses, cassettes edited after recording); exit 1
  on findings.
- ``publish``: make the latest run the committed record (:mod:`harness.report.publish`).
- ``readme``: regenerate the README's ``<!-- gen:… -->`` numbers
  (:mod:`harness.report.readme_numbers`).
- ``stamp [--scenario GLOB]...``: give a cassette recorded before recording stamps
  existed its stamp, when every answer in it is one its scenario's script sends.

A harness error (a malformed scenario or cassette, nothing to publish, …) prints one
``error:`` line per problem, no traceback, and exits 2.
"""

from __future__ import annotations

import argparse
import atexit
import gc
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from .report.locations import LATEST, display_path

__all__ = ["main", "cmd_parity", "cmd_record", "cmd_lint", "cmd_stamp", "cmd_readme",
           "harness_errors"]


def harness_errors() -> tuple[type[BaseException], ...]:
    """Errors that mean "the input or the environment is wrong": printed as one
    ``error:`` line each (exit 2), never as a traceback."""
    from unified._errors import UnifiedError

    from .parity.importers.scrub import RulesError
    from .parity.merge import MergeError
    from .parity.replay.files import CassetteError
    from .parity.scenarios import ScenarioError
    from .parity.shard import ShardError
    from .report.publish import PublishError

    return (ScenarioError, CassetteError, PublishError, UnifiedError, OSError, RulesError,
            MergeError, ShardError)


def _quiet_environment() -> None:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    os.environ.setdefault("LITELLM_OFFLINE_MODE", "true")
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    import dspy

    dspy.configure_cache(enable_disk_cache=False, enable_memory_cache=False)


def _progress(result, done: int, total: int) -> None:  # type: ignore[no-untyped-def]
    verdicts = " ".join(f"{r.implementation}={r.status}" for r in result.results)
    print(f"[{done:>3}/{total}] {result.scenario:<42} {verdicts}", flush=True)


#: The most rows (one per scenario) of the matrix ``parity`` prints at the end of a run;
#: a longer one (a corpus of thousands) is only in ``parity.md``.
MATRIX_ROWS_PRINTED = 200


def cmd_parity(args: argparse.Namespace) -> int:
    """Run the parity suite and write the reports."""
    from .parity.logroute import logs_to_file
    from .parity.run import run_parity
    from .parity.scenarios import SCENARIO_DIR, load_scenarios
    from .parity.shard import apply_shard, shard_from
    from .report import matrix_rows, write_reports
    from .report.selection import selection_of

    patterns = args.scenario or ["*"]
    directory = Path(getattr(args, "scenario_dir", None) or SCENARIO_DIR)
    scenarios = load_scenarios(directory, patterns)     # each file parsed once per run
    selection = selection_of(patterns, args.impl or (), directory, matched=len(scenarios))
    if not scenarios:
        print(f"error: no scenario matched {' '.join(patterns)}", file=sys.stderr)
        return 2
    shard = shard_from(getattr(args, "shard", None))
    if shard is not None:
        from .report.locations import COMMITTED

        scenarios, selection = apply_shard(scenarios, selection, shard,
                                           COMMITTED / "parity.json")
    reports = Path(args.reports)
    with logs_to_file(reports / "parity.log") as log:
        run = run_parity(only=args.impl or (), jobs=args.jobs, progress=_progress,
                         scenarios=scenarios)
    extra = {**(getattr(args, "report_extra", None) or {}), "selection": selection}
    paths = write_reports(run, reports, extra)
    if getattr(args, "otlp_endpoint", None):
        from .report.otel_metrics import export, record_parity

        export(args.otlp_endpoint, lambda meter: record_parity(run, meter))
    from unified_datatable import DataTableFrame

    rows = matrix_rows(run)
    if len(rows) <= MATRIX_ROWS_PRINTED:
        print()
        print(DataTableFrame(rows).to_markdown())
    else:   # the progress lines said it row by row already
        matrix = next((p for p in paths if p.name == "parity.md"), reports / "parity.md")
        print(f"\nthe matrix ({len(rows)} rows) is in {display_path(matrix)}")
    counts = ", ".join(f"{k}: {v}" for k, v in sorted(run.counts().items()))
    print(f"\n{selection['description']}; {counts}; {run.wall_time:.1f} s")
    print("reports: " + ", ".join(display_path(p) for p in paths))
    if log.lines:
        print(f"library log: {log.lines} line(s) in {display_path(log.path)}")
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
    from .parity.recording import record_scenarios

    record_scenarios(args.scenario or ["*"])
    return 0


def cmd_stamp(args: argparse.Namespace) -> int:
    """Stamp cassettes recorded before stamps existed (exit 1 when one is refused)."""
    from .parity.replay.integrity import stamp_unstamped
    from .parity.scenarios import load_scenarios

    done = stamp_unstamped(load_scenarios(patterns=args.scenario or ["*"]))
    for scenario, outcome in done.items():
        print(f"{scenario}: {outcome}")
    return 1 if any(o.startswith("refused") for o in done.values()) else 0


def cmd_readme(args: argparse.Namespace) -> int:
    """Regenerate the README's marked numbers (``make publish`` does it too)."""
    from .report.locations import ROOT
    from .report.readme_numbers import update_readme

    changed = update_readme(ROOT / "README.md")
    print(f"README numbers {'updated' if changed else 'unchanged'}")
    return 0


def cmd_lint(args: argparse.Namespace) -> int:
    """Lint every cassette against a quiet parity run."""
    from .parity.logroute import logs_to_file
    from .parity.replay import lint_cassettes
    from .parity.run import run_parity

    with logs_to_file(LATEST / "lint.log"):
        played = run_parity(["*"]).played_by_cassette()
    problems = lint_cassettes(played)
    for problem in problems:
        print(problem)
    print(f"{len(problems)} cassette problem(s)")
    return 1 if problems else 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m harness", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    parity = sub.add_parser("parity", help="replay every scenario and compare")
    parity.add_argument("--scenario", action="append", help="glob of scenario ids")
    parity.add_argument("--impl", action="append", help="implementation name prefix")
    parity.add_argument("--jobs", type=int, default=1, help="parallel processes")
    parity.add_argument("--reports", default=str(LATEST), help="report directory")
    parity.add_argument("--shard", default=None, help="K/N: run the K-th of N cost-balanced "
                        "slices (default: CI_NODE_INDEX/CI_NODE_TOTAL when set)")
    parity.add_argument("--scenario-dir", default=None, help="scenario directory "
                        "(default suites/scenarios; cassettes: PARITY_CASSETTE_DIR)")
    parity.add_argument("--otlp-endpoint", help="also send verdicts (and perf ratios) as "
                        "OTel metrics to this OTLP/HTTP collector")
    parity.set_defaults(func=cmd_parity)
    from .perf.cli import register as register_perf
    from .report.publish import register as register_publish

    register_perf(sub, parity, reports=str(LATEST), command=cmd_parity)
    record = sub.add_parser("record", help="re-record cassettes against the local stack")
    record.add_argument("--scenario", action="append", help="glob of scenario ids")
    record.set_defaults(func=cmd_record)
    lint = sub.add_parser("lint", help="lint the cassettes")
    lint.set_defaults(func=cmd_lint)
    stamp = sub.add_parser("stamp", help="stamp cassettes recorded before stamps existed")
    stamp.add_argument("--scenario", action="append", help="glob of scenario ids")
    stamp.set_defaults(func=cmd_stamp)
    sub.add_parser("readme", help="regenerate the README's marked numbers").set_defaults(
        func=cmd_readme)
    register_publish(sub)
    from .parity.importers.cli import register as register_import
    from .parity.merge import register as register_merge

    register_import(sub)
    register_merge(sub, reports=str(LATEST))
    return parser


def _print_error(error: BaseException) -> None:
    for problem in getattr(error, "errors", None) or [error]:
        print(f"error: {problem}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m harness``."""
    parser = _parser()
    args = parser.parse_args(argv)
    if getattr(args, "jobs", 1) < 1:
        parser.error("--jobs must be >= 1")
    from .parity.warmup import collector_paused

    with collector_paused():    # importing DSPy: long-lived objects, no garbage to find
        _quiet_environment()
    try:
        return int(args.func(args))
    except harness_errors() as error:
        _print_error(error)
        return 2
    finally:
        # The interpreter's last collections at exit walk every object litellm, DSPy and
        # the run created: ~3 s after a parity run. Frozen objects are not walked.
        gc.freeze()


#: The code :func:`main` returned (empty when it raised, e.g. argparse's exit).
_RETURNED: list[int] = []


def _end_without_teardown() -> None:
    """The last exit handler of ``python -m harness`` (registered before anything else):
    the threads are joined (so the parallel workers have exited) and every other
    handler has run; end the process now rather than tear down litellm's, DSPy's and the
    run's objects one by one (~0.2–0.4 s after a parity run). Not when :func:`main`
    did not return or coverage is measuring the process (it saves its data at exit)."""
    if not _RETURNED or "coverage" in sys.modules:
        return
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return
    os._exit(_RETURNED[0])


if __name__ == "__main__":
    atexit.register(_end_without_teardown)
    _RETURNED.append(main())
    sys.exit(_RETURNED[0])
