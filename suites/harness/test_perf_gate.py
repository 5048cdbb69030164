"""The perf gate end to end: a deliberate slowdown injected into a compat shim makes the
gate (and ``parity --perf``, what ``make parity`` runs) exit non-zero; without it, zero.

The pair used is ``compat:simple`` (the shim is about twice as fast as its legacy
reference here), so "zero without the slowdown" holds with the default limits. A 3 ms
``sleep`` per call puts the shim at several times the reference, far enough to stay
significant on a loaded 2-core machine. The verdicts, not the timings, are asserted.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import pytest

import harness.__main__ as cli
from harness.perf_gate import with_perf_gate

PAIR = "compat:simple"


@pytest.fixture
def slow_shim(monkeypatch: pytest.MonkeyPatch) -> None:
    """Inject a 3 ms sleep into every ``DSPyWrapper.predict`` call of the compat shim."""
    from unified.compat import dspy_wrapper

    original = dspy_wrapper.DSPyWrapper.predict

    def predict(self: Any, signature: Any, **inputs: Any) -> Any:
        time.sleep(0.003)
        return original(self, signature, **inputs)

    monkeypatch.setattr(dspy_wrapper.DSPyWrapper, "predict", predict)


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


def test_gate_passes_without_a_slowdown(tmp_path: Path) -> None:
    assert cli.main(["perf", "--pair", PAIR, "--reports", str(tmp_path)]) == 0
    report = _perf_json(tmp_path)
    (pair,) = report["pairs"]
    assert pair["name"] == PAIR and pair["status"] == "PASS" and not report["failed"]
    assert pair["ratio"] < pair["limit"] == pytest.approx(1.05)
    assert {"perf.json", "perf.md", "perf-history.jsonl"} <= {p.name for p in tmp_path.iterdir()}


def test_make_parity_fails_with_a_slowdown_in_a_shim(
        tmp_path: Path, slow_shim: None, fake_parity: list[argparse.Namespace]) -> None:
    code = cli.main(["parity", "--perf", "--perf-pair", PAIR, "--reports", str(tmp_path)])
    assert code == 1
    (pair,) = _perf_json(tmp_path)["pairs"]
    assert pair["status"] == "FAIL" and pair["ratio"] > 1.05 and pair["p_value"] < 0.01
    (args,) = fake_parity  # the parity replay still ran, and got the perf section
    assert "Performance gate" in args.report_extra["markdown_sections"]
    assert "compat:simple" in args.report_extra["markdown_sections"]["Performance gate"]


def test_make_parity_passes_without_the_slowdown(
        tmp_path: Path, fake_parity: list[argparse.Namespace]) -> None:
    assert cli.main(["parity", "--perf", "--perf-pair", PAIR, "--reports", str(tmp_path)]) == 0
    assert fake_parity and _perf_json(tmp_path)["pairs"][0]["status"] == "PASS"


def test_without_perf_flag_the_gate_does_not_run(
        tmp_path: Path, fake_parity: list[argparse.Namespace]) -> None:
    assert cli.main(["parity", "--reports", str(tmp_path)]) == 0
    assert not (tmp_path / "perf.json").exists()
    assert getattr(fake_parity[0], "report_extra", None) is None


def test_a_failing_parity_run_still_fails_when_the_gate_passes(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from harness import perf_gate
    from harness.perf import GateConfig, GateResult

    monkeypatch.setattr(perf_gate, "gate_from_args",
                        lambda args, reports: GateResult(GateConfig(), []))
    wrapped = with_perf_gate(lambda args: 1)
    assert wrapped(argparse.Namespace(perf=True, reports=str(tmp_path))) == 1


def test_a_pair_that_cannot_be_built_is_an_error(monkeypatch: pytest.MonkeyPatch,
                                                  tmp_path: Path) -> None:
    from harness import perf_gate

    def broken() -> Any:
        raise ImportError("no such shim")

    spec = perf_gate.PairSpec("compat:broken", "legacy", "compat", "≤ 1.05 × legacy", broken)
    monkeypatch.setattr(perf_gate, "PAIRS", (spec,))
    assert cli.main(["perf", "--reports", str(tmp_path)]) == 1
    (pair,) = _perf_json(tmp_path)["pairs"]
    assert pair["status"] == "ERROR" and "no such shim" in pair["detail"]
