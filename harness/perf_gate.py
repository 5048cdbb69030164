"""The gated pairs, the gate run, its reports and its command-line options.

Pairs (``candidate`` vs ``baseline``, limit = the issue's target):

======================  ===========================  ======================  ==========
name                    candidate                    baseline                limit
======================  ===========================  ======================  ==========
``compat:<pattern>``    the compat shim              its legacy reference    1 + min_effect (1.05)
``unified:floor``       unified ``Predict`` (mock,   ``Predict`` on a bare   1.10
                        cache miss, retry,           engine (same text)
                        validation, metrics)
``cache:memory-hit``    memory-cache hit             mock-backend miss       0.05 (≥ 20× faster)
                        (pipeline level)             (pipeline level)
``http:gateway``        gateway backend              raw httpx POST          1.15
``import:unified``      ``import unified`` + dspy    ``import dspy``         1.2
======================  ===========================  ======================  ==========

``run_gate`` measures the selected pairs one after another (each interleaved, see
:mod:`harness.perf`), writes ``perf.json`` and ``perf.md`` and appends one line to
``perf-history.jsonl`` (the dashboard charts it). ``python -m harness perf`` runs it
alone; ``python -m harness parity --perf`` runs it before the parity replay and puts
its table into ``parity.md``. Either exits 1 when a pair FAILs (or cannot be measured).
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .perf import GateConfig, GateResult, PairResult, Subject, decide, machine_info, measure_pair
from .perf_subjects import dump_json

__all__ = ["PairSpec", "PAIRS", "run_gate", "gate_markdown", "write_gate_reports",
           "add_gate_options", "config_from_args", "cmd_perf", "with_perf_gate"]


@dataclass(frozen=True)
class PairSpec:
    """A gated comparison: ``build()`` returns ``(baseline, candidate)`` subjects."""

    name: str
    baseline: str
    candidate: str
    target: str
    build: Callable[[], tuple[Subject, Subject]]
    limit: float | None = None        # None: 1 + min_effect
    subprocess: bool = False          # samples are fresh interpreters (fewer rounds)


def _pattern_pair(pattern: str) -> Callable[[], tuple[Subject, Subject]]:
    def build() -> tuple[Subject, Subject]:
        from .perf_patterns import pattern_workload

        legacy = pattern_workload("legacy", pattern)
        try:
            compat = pattern_workload("compat", pattern)
        except BaseException:
            legacy.close()
            raise
        return legacy.subject(), compat.subject()

    return build


def _floor_pair() -> tuple[Subject, Subject]:
    from .perf_subjects import floor_workload, unified_workload

    return floor_workload().subject(), unified_workload().subject()


def _cache_pair() -> tuple[Subject, Subject]:
    from .perf_subjects import cache_workloads

    loads = cache_workloads()
    return loads["miss"].subject(), loads["memory"].subject()


def _http_pair() -> tuple[Subject, Subject]:
    from .perf_subjects import http_workloads
    from .upstream import ScriptedUpstream

    upstream = ScriptedUpstream().start()
    try:
        loads = http_workloads(upstream.url)
    except BaseException:
        upstream.stop()
        raise
    raw = loads["raw"]

    def close() -> None:
        raw.close()
        upstream.stop()

    return Subject(raw.name, raw.subject().measure, close), loads["gateway"].subject()


def _stream_pair() -> tuple[Subject, Subject]:
    from .perf_stream import stream_pair

    return stream_pair()


def _import_pair() -> tuple[Subject, Subject]:
    from .perf_subjects import import_pair_subjects

    return import_pair_subjects()


PAIRS: tuple[PairSpec, ...] = (
    *(PairSpec(f"compat:{p}", f"legacy:{p}", f"compat:{p}", "≤ 1.05 × legacy",
               _pattern_pair(p)) for p in ("enhanced", "gateway", "bedrock", "simple",
                                          "dynamic")),
    PairSpec("unified:floor", "bare engine", "unified Predict", "≤ 1.10 × bare engine",
             _floor_pair, limit=1.10),
    PairSpec("cache:memory-hit", "mock miss", "memory hit", "≥ 20 × faster than a miss",
             _cache_pair, limit=0.05),
    PairSpec("http:gateway", "raw httpx", "gateway backend", "≤ 1.15 × raw httpx",
             _http_pair, limit=1.15),
    PairSpec("stream:first-chunk", "raw httpx SSE", "wrapper stream", "≤ 1.10 × raw httpx",
             _stream_pair, limit=1.10),
    PairSpec("import:unified", "import dspy", "import unified + dspy",
             "≤ 1.2 × import dspy", _import_pair, limit=1.2, subprocess=True),
)


def select_pairs(patterns: Sequence[str] = ()) -> list[PairSpec]:
    """The pairs whose names match any glob in ``patterns`` (all when empty)."""
    if not patterns:
        return list(PAIRS)
    chosen = [p for p in PAIRS if any(fnmatch.fnmatchcase(p.name, g) for g in patterns)]
    if not chosen:
        names = ", ".join(p.name for p in PAIRS)
        raise ValueError(f"no perf pair matches {list(patterns)}; pairs: {names}")
    return chosen


def _limit(spec: PairSpec, config: GateConfig) -> float:
    if spec.name in config.targets:
        return float(config.targets[spec.name])
    return spec.limit if spec.limit is not None else 1.0 + config.min_effect


GAPS_PATH = Path(__file__).resolve().parent / "perf_gaps.yaml"


def load_gaps(path: Path = GAPS_PATH) -> dict[str, dict[str, Any]]:
    """The accepted gaps (pair name -> entry with ``cap``, ``measured``, ``why``)."""
    import yaml

    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {entry["pair"]: entry for entry in data.get("gaps", [])}


def _apply_gap(result: PairResult, gap: dict[str, Any], base: Sequence[float],
               cand: Sequence[float], alpha: float) -> None:
    """A FAIL within an accepted gap's cap becomes KNOWN-GAP; beyond the cap it stays."""
    capped = decide(base, cand, limit=float(gap["cap"]), alpha=alpha)
    if not capped.regression:
        result.status = "KNOWN-GAP"
        result.detail += (f"; target missed, within the accepted gap (cap {capped.limit:.2f},"
                          " harness/perf_gaps.yaml)")


def run_pair(spec: PairSpec, config: GateConfig) -> PairResult:
    """Measure and judge one pair; a failure to build or run it is an ERROR."""
    limit = _limit(spec, config)
    gap = None if spec.name in config.targets else load_gaps().get(spec.name)
    result = PairResult(spec.name, spec.baseline, spec.candidate, spec.target, limit, "ERROR")
    start = time.perf_counter()
    try:
        baseline, candidate = spec.build()
    except Exception as exc:  # noqa: BLE001 - reported in the table, fails the gate
        result.detail = f"could not build: {type(exc).__name__}: {exc}"
        return result
    try:
        rounds = config.subprocess_rounds if spec.subprocess else config.rounds
        got = measure_pair(
            baseline, candidate, rounds=rounds, sample_seconds=config.sample_seconds,
            warmup_seconds=0.0 if spec.subprocess else config.warmup_seconds,
            repeats=1 if spec.subprocess else config.repeats,
            inner=1 if spec.subprocess else None)
        result.inner = got.inner
        result.clean_share = None if spec.subprocess else round(got.clean_share, 3)
        result.record(decide(got.baseline, got.candidate, limit=limit, alpha=config.alpha),
                      got.baseline, got.candidate)
        if gap is not None and result.status == "FAIL":
            _apply_gap(result, gap, got.baseline, got.candidate, config.alpha)
    except Exception as exc:  # noqa: BLE001
        result.detail = f"failed while measuring: {type(exc).__name__}: {exc}"
    finally:
        for subject in (baseline, candidate):
            subject.close()
        result.seconds = round(time.perf_counter() - start, 3)
    return result


def run_gate(config: GateConfig | None = None, patterns: Sequence[str] = (),
             progress: Callable[[PairResult], None] | None = None) -> GateResult:
    """Run the selected pairs (all by default) and return the verdicts."""
    config = config or GateConfig()
    start, machine = time.perf_counter(), machine_info()
    results = []
    for spec in select_pairs(patterns):
        results.append(run_pair(spec, config))
        if progress is not None:
            progress(results[-1])
    machine["loadavg_after"] = machine_info()["loadavg"]
    return GateResult(config, results, time.perf_counter() - start, machine)


def _fmt_ratio(pair: PairResult) -> str:
    if pair.ratio is None:
        return "—"
    return f"{pair.ratio:.3f} [{pair.ratio_q1:.3f}–{pair.ratio_q3:.3f}]"


def _fmt_time(stats: dict[str, float]) -> str:
    if not stats:
        return "—"
    if stats["median"] >= 0.1:
        return f"{stats['median'] * 1e3:,.0f} ms (IQR {stats['iqr'] * 1e3:,.0f})"
    return f"{stats['median'] * 1e6:,.0f} µs (IQR {stats['iqr'] * 1e6:,.0f})"


def gate_rows(result: GateResult) -> list[dict[str, str]]:
    """One table row per pair (for Markdown and the console)."""
    return [{"pair": p.name, "candidate": _fmt_time(p.candidate_stats),
             "baseline": _fmt_time(p.baseline_stats), "ratio [IQR]": _fmt_ratio(p),
             "limit": f"{p.limit:.3f}", "target": p.target,
             "p": "—" if p.p_value is None else f"{p.p_value:.2g}",
             "unpreempted": "—" if p.clean_share is None else f"{p.clean_share:.0%}",
             "verdict": p.status}
            for p in result.pairs]


def markdown_table(rows: Sequence[dict[str, str]]) -> str:
    """A GitHub-flavoured Markdown table of ``rows`` (keys of the first row as header)."""
    if not rows:
        return "(no rows)"
    header = list(rows[0])
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(r.get(h, "")).replace("|", "\\|") for h in header) + " |"
              for r in rows]
    return "\n".join(lines)


def gate_markdown(result: GateResult) -> str:
    """The perf section of the Markdown report: the table, then how to read it."""
    cfg = result.config
    lines = [markdown_table(gate_rows(result)), "",
             f"Ratio = median(candidate) / median(baseline), IQR of the per-round ratios; "
             f"FAIL = ratio above the limit and one-sided Mann-Whitney U p < {cfg.alpha:g} "
             f"against limit × baseline; {cfg.rounds} interleaved rounds (imports: "
             f"{cfg.subprocess_rounds}, one fresh interpreter each), an in-process sample "
             f"being the fastest unpreempted of {cfg.repeats} batches; "
             f"{result.wall_time:.1f} s; load "
             f"{result.machine.get('loadavg')} on {result.machine.get('cpu_count')} CPUs."]
    for pair in result.pairs:
        if pair.status in ("FAIL", "ERROR"):
            lines.append(f"- **{pair.name}** {pair.status}: {pair.detail}")
    return "\n".join(lines)


def write_gate_reports(result: GateResult, directory: Path) -> list[Path]:
    """``perf.json``, ``perf.md`` and one line appended to ``perf-history.jsonl``."""
    directory.mkdir(parents=True, exist_ok=True)
    payload = result.to_dict()
    md = directory / "perf.md"
    md.write_text("# Performance gate\n\n" + gate_markdown(result) + "\n", encoding="utf-8")
    history = directory / "perf-history.jsonl"
    line = {"generated_at": payload["generated_at"], "commit": payload["commit"],
            "failed": payload["failed"],
            "pairs": {p["name"]: {k: p[k] for k in ("ratio", "ratio_q1", "ratio_q3", "limit",
                                                    "p_value", "status")}
                      for p in payload["pairs"]}}
    with history.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(line, default=str) + "\n")
    return [dump_json(directory / "perf.json", payload), md, history]


def add_gate_options(parser: argparse.ArgumentParser, prefix: str = "") -> None:
    """The gate's options (``--pair``, ``--alpha``, …), with ``prefix`` (``perf-``)."""
    d = GateConfig()
    parser.add_argument(f"--{prefix}pair", dest="perf_pair", action="append", default=[],
                        help="glob of gated pair names (default: all)")
    parser.add_argument(f"--{prefix}alpha", dest="perf_alpha", type=float, default=d.alpha,
                        help="significance level of the Mann-Whitney U test")
    parser.add_argument(f"--{prefix}min-effect", dest="perf_min_effect", type=float,
                        default=d.min_effect, help="compat shim limit = 1 + this")
    parser.add_argument(f"--{prefix}rounds", dest="perf_rounds", type=int, default=d.rounds,
                        help="interleaved rounds per in-process pair")
    parser.add_argument(f"--{prefix}target", dest="perf_target", action="append", default=[],
                        metavar="PAIR=RATIO", help="override one pair's limit")


def config_from_args(args: argparse.Namespace) -> GateConfig:
    """A :class:`GateConfig` from the parsed options."""
    targets = {}
    for item in args.perf_target:
        name, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"--target expects PAIR=RATIO, got {item!r}")
        targets[name.strip()] = float(value)
    return GateConfig(alpha=args.perf_alpha, min_effect=args.perf_min_effect,
                      rounds=args.perf_rounds, targets=targets)


def _print_progress(pair: PairResult) -> None:
    print(f"[perf] {pair.name:<18} {pair.status:<5} {_fmt_ratio(pair):<24} "
          f"limit {pair.limit:.3f}  ({pair.seconds:.1f} s) {pair.detail}", flush=True)


def gate_from_args(args: argparse.Namespace, reports: Path) -> GateResult:
    """Run the gate as the options say, print it and write its reports."""
    result = run_gate(config_from_args(args), args.perf_pair, progress=_print_progress)
    paths = write_gate_reports(result, reports)
    if getattr(args, "otlp_endpoint", None):
        from .report.otel_metrics import export, record_gate

        export(args.otlp_endpoint, lambda meter: record_gate(result, meter))
    verdict = "FAIL" if result.failed else "PASS"
    print(f"[perf] gate {verdict} in {result.wall_time:.1f} s; reports: "
          + ", ".join(str(p) for p in paths), flush=True)
    return result


def cmd_perf(args: argparse.Namespace) -> int:
    """``python -m harness perf``: the gate alone."""
    return 1 if gate_from_args(args, Path(args.reports)).failed else 0


def with_perf_gate(command: Callable[[argparse.Namespace], int]
                   ) -> Callable[[argparse.Namespace], int]:
    """Wrap the parity command: with ``--perf``, run the gate first, hand its Markdown
    section to the parity reports (``args.report_extra``) and fail when it fails."""

    def run(args: argparse.Namespace) -> int:
        if not getattr(args, "perf", False):
            return command(args)
        result = gate_from_args(args, Path(args.reports))
        args.report_extra = {"perf": {"failed": result.failed, "report": "perf.json"},
                             "markdown_sections": {"Performance gate": gate_markdown(result)}}
        code = command(args)
        return max(code, 1 if result.failed else 0)

    return run


def register(sub: Any, parity: argparse.ArgumentParser, *, reports: str,
             command: Callable[[argparse.Namespace], int]) -> None:
    """Hook the performance tooling into the harness CLI: ``parity --perf`` and the
    ``perf``, ``bench`` (:mod:`harness.bench`) and ``dashboard``
    (:mod:`harness.report.dashboard`) subcommands."""
    from .bench import register as register_bench
    from .report.dashboard import register as register_dashboard

    parity.add_argument("--perf", action="store_true", help="also run the perf gate")
    add_gate_options(parity, "perf-")
    parity.set_defaults(func=with_perf_gate(command))
    perf = sub.add_parser("perf", help="run the performance gate (interleaved A/B)")
    add_gate_options(perf)
    perf.add_argument("--reports", default=reports, help="report directory")
    perf.add_argument("--otlp-endpoint", help="also send the ratios as OTel metrics")
    perf.set_defaults(func=cmd_perf)
    register_bench(sub, reports=reports)
    register_dashboard(sub, reports=reports)
