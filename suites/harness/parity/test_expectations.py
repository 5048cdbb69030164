"""Scenarios judged against their expect block and the recorded wire (no legacy column)."""

from __future__ import annotations

import base64
import json
from dataclasses import replace

from harness.parity import expectations
from harness.parity.expectations import fixture_bytes, judge_expected, resolve_inputs
from harness.parity.observation import CallOutcome, Observation
from harness.parity.run import run_scenario
from harness.parity.scenarios import SCENARIO_DIR, load_scenario
from harness.report.markdown import matrix_rows


def image_scenario():
    return load_scenario(SCENARIO_DIR / "gateway-image-input.yaml")


def test_fixture_markers_become_dspy_media_carrying_the_file_bytes() -> None:
    image = resolve_inputs({"image": {"$image": "red.png"}})["image"]
    encoded = base64.b64encode(fixture_bytes("red.png")).decode()
    assert image.url == f"data:image/png;base64,{encoded}"


def test_a_recorded_body_without_the_fixture_bytes_is_a_problem(tmp_path, monkeypatch) -> None:
    scenario = image_scenario()
    other = base64.b64encode(fixture_bytes("blue.png")).decode()
    (tmp_path / "gateway").mkdir()
    (tmp_path / scenario.cassette).write_text(json.dumps({"interactions": [
        {"request": {"body": json.dumps({"url": f"data:image/png;base64,{other}"})}}]}))
    monkeypatch.setattr(expectations, "CASSETTE_DIR", tmp_path)
    observation = Observation("unified", scenario.id, calls=[CallOutcome({"color": "red"})])
    diffs, problems = judge_expected(scenario, observation)
    assert diffs == {} and "not byte for byte" in problems[0]


def test_outputs_that_differ_from_expect_are_a_diff() -> None:
    scenario = replace(image_scenario(), expect={"outputs": [{"color": "blue"}]})
    diffs, _ = judge_expected(scenario, Observation("unified", scenario.id,
                                                    calls=[CallOutcome({"color": "red"})]))
    assert "outputs" in diffs


def test_a_recorded_scenario_passes_and_shows_na_for_the_legacy_columns() -> None:
    result = run_scenario(image_scenario())
    assert [r.status for r in result.results] == ["PASS"] and result.reference == "recorded"
    row = matrix_rows(type("Run", (), {"scenarios": [result]})())[0]
    assert (row["legacy"], row["compat"], row["unified"]) == ("n/a", "n/a", "PASS")


def test_the_dashboard_shows_na_for_the_legacy_column_of_a_recorded_scenario() -> None:
    from harness.report.sections import parity_section

    html = parity_section({"scenarios": [
        {"scenario": "a", "pattern": "gateway", "backend": "gateway", "reference": "legacy",
         "results": [{"implementation": "legacy:gateway", "status": "REFERENCE"}]},
        {"scenario": "b", "pattern": "gateway", "backend": "gateway", "reference": "recorded",
         "results": [{"implementation": "unified", "status": "PASS"}]}]})
    assert '<td class="skip">n/a</td>' in html


def test_recorded_scenarios_cover_each_part_on_each_backend_that_carries_it() -> None:
    from harness.parity.scenarios import load_scenarios

    ids = {s.id for s in load_scenarios() if s.expect}
    for backend in ("gateway", "direct", "bedrock"):
        assert {f"{backend}-image-input", f"{backend}-native-tool-call",
                f"{backend}-react-agent", f"{backend}-structured-output"} <= ids
        assert any(i.startswith(backend) and i.endswith("-refused") for i in ids)
    assert {"direct-document-input", "bedrock-document-input", "gateway-audio-input",
            "direct-audio-input", "direct-thinking", "bedrock-thinking"} <= ids
