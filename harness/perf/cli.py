"""The perf gate on the command line: ``python -m harness perf`` and ``parity --perf``.

``perf`` runs the gate alone (``make perf``); ``--self-test`` also injects the
catalogue's slowdowns (:mod:`harness.perf.selftest`) and fails when one goes undetected.
``parity --perf`` runs the gate before the parity replay and hands its Markdown section
to the parity reports. Both exit 1 when a pair FAILs, cannot be measured, or stays
INCONCLUSIVE (unless ``--perf-inconclusive=warn``).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .gate import run_gate
from .measure import GateConfig, GateResult, PairResult
from .report import fmt_ratio, fmt_ratios, gate_markdown, write_gate_reports
from .verdict import FAIL, worst

__all__ = ["add_gate_options", "config_from_args", "gate_from_args", "gate_verdict", "cmd_perf",
           "with_perf_gate", "register"]


def add_gate_options(parser: argparse.ArgumentParser, prefix: str = "") -> None:
    """The gate's options (``--pair``, ``--target``, …), with ``prefix`` (``perf-``)."""
    d = GateConfig()
    add = parser.add_argument
    add(f"--{prefix}pair", dest="perf_pair", action="append", default=[],
        help="glob of gated pair names (default: all)")
    add(f"--{prefix}target", dest="perf_target", action="append", default=[],
        metavar="PAIR=RATIO", help="override one pair's limit")
    add(f"--{prefix}min-effect", dest="perf_min_effect", type=float, default=d.min_effect,
        help="compat shim limit = 1 + this")
    add(f"--{prefix}rounds", dest="perf_rounds", type=int, default=d.rounds,
        help="interleaved rounds per wall-clock pair (more are added while inconclusive)")
    add(f"--{prefix}calls", dest="perf_calls", type=int, default=d.calls,
        help="counted calls per job")
    add(f"--{prefix}budget", dest="perf_budget", type=float, default=d.budget_seconds,
        help="seconds of extra rounds for inconclusive pairs")
    add(f"--{prefix}parallel", dest="perf_parallel", type=int, default=d.parallel,
        help="counting children at a time")
    add(f"--{prefix}inconclusive", dest="perf_inconclusive", choices=("fail", "warn"),
        default=d.inconclusive, help="what an INCONCLUSIVE pair does to the exit code")
    add(f"--{prefix}self-test", dest="perf_self_test", action="store_true",
        help="also inject +3 %%, +10 %% and +2 ms into each candidate; fail if one is missed")
    if not prefix:
        add("--layers", dest="perf_layers", action="store_true",
            help="instead of the gate: instructions per call of each layer set-up")


def config_from_args(args: argparse.Namespace) -> GateConfig:
    """A :class:`GateConfig` from the parsed options."""
    targets = {}
    for item in args.perf_target:
        name, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"--target expects PAIR=RATIO, got {item!r}")
        targets[name.strip()] = float(value)
    return GateConfig(min_effect=args.perf_min_effect, rounds=args.perf_rounds,
                      calls=args.perf_calls, budget_seconds=args.perf_budget,
                      parallel=args.perf_parallel, inconclusive=args.perf_inconclusive,
                      targets=targets)


def _print_progress(pair: PairResult) -> None:
    print(f"[perf] {pair.name:<18} {pair.status:<12} {fmt_ratio(pair):<24} "
          f"limit {pair.limit:.3f}  {pair.instrument:<12} ({pair.seconds:.1f} s) "
          f"{pair.detail}", flush=True)


def gate_from_args(args: argparse.Namespace, reports: Path
                   ) -> tuple[GateResult, dict[str, Any] | None]:
    """Run the gate (and the self-test when asked) as the options say, print it and
    write its reports."""
    config = config_from_args(args)
    result = run_gate(config, args.perf_pair, progress=_print_progress)
    selftest = None
    if getattr(args, "perf_self_test", False):
        from .selftest import run_selftest

        selftest = run_selftest(result, config, args.perf_pair)
        for row in selftest["rows"]:
            print(f"[perf self-test] {row['pair']:<18} {row['mutant']:<5} {row['status']:<12}"
                  f" {fmt_ratios(row)} limit {row['limit']:.3f}", flush=True)
    paths = write_gate_reports(result, reports, selftest)
    if getattr(args, "otlp_endpoint", None):
        from ..report.otel_metrics import export, record_gate

        export(args.otlp_endpoint, lambda meter: record_gate(result, meter))
    print(f"[perf] gate {gate_verdict(result, selftest)} in {result.wall_time:.1f} s "
          f"({result.instrument.get('name')}); reports: " + ", ".join(str(p) for p in paths),
          flush=True)
    return result, selftest


def gate_verdict(result: GateResult, selftest: dict[str, Any] | None) -> str:
    """The gate's one-word outcome: FAIL when a mutant went undetected, else the worst
    pair verdict (an INCONCLUSIVE pair is named as such, not as a FAIL; it fails the
    exit code unless ``--inconclusive=warn``)."""
    return FAIL if _missed(selftest) else worst(*(pair.status for pair in result.pairs))


def _missed(selftest: dict[str, Any] | None) -> bool:
    return selftest is not None and selftest["detected"] < selftest["total"]


def _exit_code(result: GateResult, selftest: dict[str, Any] | None) -> int:
    return 1 if result.failed or _missed(selftest) else 0


def cmd_perf(args: argparse.Namespace) -> int:
    """``python -m harness perf``: the gate alone (or, with ``--layers``, the layer table)."""
    if getattr(args, "perf_layers", False):
        from .layers import layers_markdown, run_layers, write_layers

        layers = run_layers(config_from_args(args))
        print(layers_markdown(layers))
        print("reports: " + ", ".join(map(str, write_layers(layers, Path(args.reports)))))
        return 0
    return _exit_code(*gate_from_args(args, Path(args.reports)))


def with_perf_gate(command: Callable[[argparse.Namespace], int]
                   ) -> Callable[[argparse.Namespace], int]:
    """Wrap the parity command: with ``--perf``, run the gate first, hand its Markdown
    section to the parity reports (``args.report_extra``) and fail when it fails."""

    def run(args: argparse.Namespace) -> int:
        if not getattr(args, "perf", False):
            return command(args)
        result, selftest = gate_from_args(args, Path(args.reports))
        code = _exit_code(result, selftest)
        args.report_extra = {"perf": {"failed": bool(code), "report": "perf.json"},
                             "markdown_sections": {"Performance gate":
                                                   gate_markdown(result, selftest)}}
        return max(command(args), code)

    return run


def register(sub: Any, parity: argparse.ArgumentParser, *, reports: str,
             command: Callable[[argparse.Namespace], int]) -> None:
    """Hook the performance tooling into the harness CLI: ``parity --perf`` and the
    ``perf``, ``bench`` (:mod:`harness.perf.bench`) and ``dashboard``
    (:mod:`harness.report.dashboard`) subcommands."""
    from ..report.dashboard import register as register_dashboard
    from .bench import register as register_bench

    parity.add_argument("--perf", action="store_true", help="also run the perf gate")
    add_gate_options(parity, "perf-")
    parity.set_defaults(func=with_perf_gate(command))
    perf = sub.add_parser("perf", help="run the performance gate (instruction counts + wall)")
    add_gate_options(perf)
    perf.add_argument("--reports", default=reports, help="report directory")
    perf.add_argument("--otlp-endpoint", help="also send the ratios as OTel metrics")
    perf.set_defaults(func=cmd_perf)
    register_bench(sub, reports=reports)
    register_dashboard(sub, reports=reports)
