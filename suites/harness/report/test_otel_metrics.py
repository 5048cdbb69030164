"""The parity verdicts and perf-gate ratios as OTel metrics (``--otlp-endpoint``)."""

from __future__ import annotations

from pathlib import Path

import pytest

import harness.__main__ as cli
from harness.parity.run import ImplResult, ParityRun, ScenarioResult
from harness.perf.measure import GateConfig, GateResult, PairResult
from harness.report.otel_metrics import export, record_gate, record_parity
from suites.unit.features.otel_capture import exported_metrics, running_receiver

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

RUN = ParityRun([
    ScenarioResult("s1", "gateway", "gateway", "d", [ImplResult("legacy:gateway", "REFERENCE"),
                                                     ImplResult("unified", "PASS")]),
    ScenarioResult("s2", "bedrock", "bedrock", "d", [ImplResult("legacy:bedrock", "REFERENCE"),
                                                     ImplResult("unified", "FAIL")]),
], wall_time=3.5)
GATE = GateResult(GateConfig(), [
    PairResult("unified:floor", "b", "c", "t", limit=1.1, status="PASS", estimate=1.02),
    PairResult("http:gateway", "b", "c", "t", limit=1.15, status="ERROR"),
])


def test_verdicts_and_ratios_reach_an_otlp_collector() -> None:
    with running_receiver() as receiver:
        export(receiver.url, lambda meter: (record_parity(RUN, meter), record_gate(GATE, meter)))
        metrics = exported_metrics(receiver)
    verdicts = {(p["attributes"]["scenario"], p["attributes"]["implementation"],
                 p["attributes"]["status"]): p["value"]
                for p in metrics["unified.parity.verdicts"]}
    assert verdicts == {("s1", "legacy:gateway", "REFERENCE"): 1, ("s1", "unified", "PASS"): 1,
                        ("s2", "legacy:bedrock", "REFERENCE"): 1, ("s2", "unified", "FAIL"): 1}
    assert [p["value"] for p in metrics["unified.parity.duration"]] == [3.5]
    assert [(p["attributes"], p["value"]) for p in metrics["unified.perf.ratio"]] == [
        ({"pair": "unified:floor", "status": "PASS"}, 1.02)]
    assert sorted(p["value"] for p in metrics["unified.perf.limit"]) == [1.1, 1.15]


def test_the_parity_command_sends_its_verdicts_with_otlp_endpoint(tmp_path: Path) -> None:
    with running_receiver() as receiver:
        code = cli.main(["parity", "--scenario", "gateway-predict-plain", "--reports",
                         str(tmp_path), "--otlp-endpoint", receiver.url])
        metrics = exported_metrics(receiver)
    assert code == 0
    statuses = {p["attributes"]["implementation"]: p["attributes"]["status"]
                for p in metrics["unified.parity.verdicts"]}
    assert statuses["legacy:gateway"] == "REFERENCE"
    assert statuses["unified"] in ("PASS", "EXPECTED-DIFF")
