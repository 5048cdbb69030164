"""The perf gate end to end: a deliberate slowdown injected into a compat shim makes the
gate (and ``parity --perf``, what ``make parity`` runs) exit non-zero; without it, zero.

The pair used is ``compat:simple`` (the shim costs about half the instructions of its
legacy reference). The slowdowns are injected into ``DSPyWrapper.predict`` in the
measuring process (``UNIFIED_PERF_INJECT``): extra work of 10 % of the shim's
instructions per call, and a 3 ms sleep per call. Both are judged by counted
instructions and counted waits, never by wall time, so a busy machine cannot flip them.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import pytest

import harness.__main__ as cli
from harness.perf.cli import gate_verdict, with_perf_gate
from harness.perf.gate import PAIRS, measure_wall
from harness.perf.measure import GateConfig, GateResult, PairResult, Subject

PAIR = "compat:simple"
HOT_PATH = "unified.compat.dspy_wrapper:DSPyWrapper.predict"
SHIM_PER_CALL = 3_300_000       # instructions of one compat:simple call (perf.json)
BURN_ITERATION = 30             # instructions of one burn() turn, at most (it is ~15)
FAST = ["--perf-calls", "20", "--perf-budget", "0"]
pytestmark = pytest.mark.skipif(not __import__("shutil").which("valgrind")
                                and not __import__("shutil").which("perf"),
                                reason="needs an instruction counter (apt-get install valgrind)")


def _inject(monkeypatch: pytest.MonkeyPatch, **inject: Any) -> None:
    monkeypatch.setenv("UNIFIED_PERF_INJECT",
                       json.dumps({"compat:simple": {"target": HOT_PATH, **inject}}))


@pytest.fixture
def fake_parity(monkeypatch: pytest.MonkeyPatch) -> list[argparse.Namespace]:
    """Replace the parity replay (not under test here) by a command that passes."""
    seen: list[argparse.Namespace] = []

    def cmd_parity(args: argparse.Namespace) -> int:
        seen.append(args)
        return 0

    monkeypatch.setattr(cli, "cmd_parity", cmd_parity)
    return seen


def _perf_json(reports: Path) -> dict[str, Any]:
    return json.loads((reports / "perf.json").read_text())


def test_gate_and_make_parity_pass_without_a_slowdown(
        tmp_path: Path, fake_parity: list[argparse.Namespace]) -> None:
    assert cli.main(["parity", "--perf", "--perf-pair", PAIR, "--reports", str(tmp_path),
                     *FAST]) == 0
    report = _perf_json(tmp_path)
    (pair,) = report["pairs"]
    assert pair["name"] == PAIR and pair["status"] == "PASS" and not report["failed"]
    assert pair["instrument"] == report["instrument"]["name"] in ("cachegrind", "perf")
    assert pair["low"] <= pair["estimate"] <= pair["high"] <= pair["limit"] == 1.05
    assert pair["reference"]["subject"] == "legacy:simple"  # forward() route, reported
    assert {"perf.json", "perf.md", "perf-history.jsonl"} <= {p.name for p in tmp_path.iterdir()}
    assert fake_parity


def test_make_parity_fails_with_a_slowdown_in_a_shim(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        fake_parity: list[argparse.Namespace]) -> None:
    # The shim costs ~0.48 × its reference, so a slowdown that must cross 1.05 × is
    # sized to the reference: extra work of at least 1.2 × the shim's own instructions.
    _inject(monkeypatch, burn=SHIM_PER_CALL * 6 // 5 // BURN_ITERATION * 2)
    code = cli.main(["parity", "--perf", "--perf-pair", PAIR, "--reports", str(tmp_path),
                     *FAST])
    assert code == 1
    (pair,) = _perf_json(tmp_path)["pairs"]
    assert pair["status"] == "FAIL" and pair["low"] > pair["limit"]
    (args,) = fake_parity  # the parity replay still ran, and got the perf section
    assert "Performance gate" in args.report_extra["markdown_sections"]
    assert "compat:simple" in args.report_extra["markdown_sections"]["Performance gate"]


def test_a_sleep_in_a_shim_fails_the_gate_by_its_counted_waits(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _inject(monkeypatch, sleep=0.003)
    assert cli.main(["perf", "--pair", PAIR, "--reports", str(tmp_path),
                     "--calls", "20", "--budget", "0"]) == 1
    (pair,) = _perf_json(tmp_path)["pairs"]
    assert pair["status"] == "FAIL" and "blocks" in pair["detail"]
    assert pair["candidate_cost"]["waits_per_call"] >= 0.5  # WAIT_LIMIT


def test_without_perf_flag_the_gate_does_not_run(
        tmp_path: Path, fake_parity: list[argparse.Namespace]) -> None:
    assert cli.main(["parity", "--reports", str(tmp_path)]) == 0
    assert not (tmp_path / "perf.json").exists()
    assert getattr(fake_parity[0], "report_extra", None) is None


def test_a_failing_parity_run_still_fails_when_the_gate_passes(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from harness.perf import cli as perf_cli
    from harness.perf.measure import GateConfig, GateResult

    monkeypatch.setattr(perf_cli, "gate_from_args",
                        lambda args, reports: (GateResult(GateConfig(), []), None))
    wrapped = with_perf_gate(lambda args: 1)
    assert wrapped(argparse.Namespace(perf=True, reports=str(tmp_path))) == 1


def test_a_pair_whose_subject_cannot_be_counted_is_an_error(monkeypatch: pytest.MonkeyPatch,
                                                             tmp_path: Path) -> None:
    from harness.perf import gate as perf_gate
    from harness.perf.count import InstrumentError

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise InstrumentError("job 'no such subject' failed: KeyError")

    monkeypatch.setattr(perf_gate, "count_jobs", broken)
    assert cli.main(["perf", "--pair", PAIR, "--reports", str(tmp_path)]) == 1
    (pair,) = _perf_json(tmp_path)["pairs"]
    assert pair["status"] == "ERROR" and "no such subject" in pair["detail"]


def test_an_unknown_subject_is_refused_by_name() -> None:
    from harness.perf.server import build_workload

    with pytest.raises(KeyError, match="unknown perf subject"):
        build_workload("no such subject")


@pytest.mark.parametrize("spec", [s for s in PAIRS if s.build is not None], ids=lambda s: s.name)
def test_every_wall_pairs_builder_resolves_to_a_function(spec) -> None:
    from importlib import import_module

    module, name = spec.build.target
    assert callable(getattr(import_module(module), name))


def _scripted(slow_calls: int, slow: float) -> Subject:
    calls = {"n": 0}

    def measure(n: int) -> float:
        calls["n"] += 1
        return slow if calls["n"] <= slow_calls else 1.0

    return Subject("scripted", measure)


def test_a_wall_fail_waits_for_enough_rounds_so_a_burst_of_load_does_not_fail_the_pair(
        ) -> None:
    config = GateConfig(warmup_seconds=0.0)
    disturbed_first_dozen_rounds = _scripted(slow_calls=12 * config.repeats, slow=2.0)
    ratio, base, _, _ = measure_wall(_scripted(0, 1.0), disturbed_first_dozen_rounds,
                                     config, time.monotonic() + 60, limit=1.15)
    assert len(base) >= config.fail_rounds
    assert ratio.high <= 1.15


def test_a_slowdown_in_every_round_fails_the_wall_pair_once_it_has_enough_rounds() -> None:
    config = GateConfig(warmup_seconds=0.0)
    ratio, base, _, _ = measure_wall(_scripted(0, 1.0), _scripted(10**9, 2.0), config,
                                     time.monotonic() + 60, limit=1.15)
    assert len(base) == config.fail_rounds
    assert ratio.low > 1.15


def _gate_of(*statuses: str) -> GateResult:
    return GateResult(GateConfig(), [PairResult(f"p{i}", "b", "c", "t", 1.1, status)
                                     for i, status in enumerate(statuses)])


def test_the_gate_is_named_by_its_worst_pair_so_an_inconclusive_one_is_not_called_a_fail(
        ) -> None:
    assert gate_verdict(_gate_of("PASS", "INCONCLUSIVE"), None) == "INCONCLUSIVE"
    assert gate_verdict(_gate_of("INCONCLUSIVE", "FAIL"), None) == "FAIL"
    assert gate_verdict(_gate_of("PASS", "PASS"), None) == "PASS"


def test_an_undetected_mutant_fails_the_gate_whatever_its_pairs_say() -> None:
    assert gate_verdict(_gate_of("PASS"), {"detected": 32, "total": 33}) == "FAIL"
