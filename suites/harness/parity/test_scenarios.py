"""Scenario files: every committed one loads; malformed ones name file, field and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.parity.scenarios import SCENARIO_DIR, ScenarioError, load_scenario, load_scenarios

VALID = """id: {id}
description: a test scenario
pattern: enhanced
backend: direct
calls:
  - {{question: "q"}}
upstream:
  - reply: {{answer: "a"}}
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text)
    return path


def test_every_committed_scenario_loads() -> None:
    scenarios = load_scenarios()
    assert len(scenarios) >= 30
    assert {s.pattern for s in scenarios} == {"enhanced", "gateway", "bedrock", "simple",
                                             "dynamic"}
    assert {s.backend for s in scenarios} == {"direct", "gateway", "bedrock"}


def test_committed_scenarios_cover_the_required_situations() -> None:
    ids = {s.id for s in load_scenarios()}
    for needed in ("multi-field", "system-prompt", "chain-of-thought", "chain", "batch-8",
                   "cache-repeat", "cache-changed", "429-retry-after", "503", "401",
                   "retries-exhausted", "validation", "fallback-dict", "throttling",
                   "circuit-opens", "budget", "few-shot", "mcp"):
        assert any(needed in i for i in ids), needed


def test_a_valid_file_loads_with_defaults(tmp_path: Path) -> None:
    scenario = load_scenario(write(tmp_path, "ok", VALID.format(id="ok")))
    assert scenario.program == "predict"
    assert scenario.implementations == ("legacy", "compat", "unified")
    assert scenario.cassette == "direct/ok.yaml"


@pytest.mark.parametrize(("change", "field", "line"), [
    (("pattern: enhanced", "pattern: fancy"), "pattern", 3),
    (("backend: direct", "backend: ftp"), "backend", 4),
    (("calls:\n  - {question: \"q\"}", "calls: []"), "calls", 5),
    (("description: a test scenario", "description: a test scenario\ncolour: red"),
     "colour", 3),
])
def test_schema_errors_name_the_file_field_and_line(tmp_path: Path, change, field, line) -> None:
    path = write(tmp_path, "bad", VALID.format(id="bad").replace(*change))
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.field == field and info.value.line == line
    assert str(path) in str(info.value) and field in str(info.value)


def test_broken_yaml_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "broken", "id: broken\ncalls: [\n  {a: 1\n")
    with pytest.raises(ScenarioError, match=r"broken\.yaml:\d+: yaml"):
        load_scenario(path)


def test_the_id_must_match_the_file_name(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="file name stem"):
        load_scenario(write(tmp_path, "one", VALID.format(id="two")))


def test_a_missing_required_field_is_named(tmp_path: Path) -> None:
    text = VALID.format(id="m").replace("upstream:\n  - reply: {answer: \"a\"}\n", "")
    with pytest.raises(ScenarioError, match="upstream: required field is missing"):
        load_scenario(write(tmp_path, "m", text))


def test_cassette_paths_cannot_escape_the_cassette_directory(tmp_path: Path) -> None:
    text = VALID.format(id="esc") + "cassette: ../../etc/passwd\n"
    with pytest.raises(ScenarioError, match="cassette"):
        load_scenario(write(tmp_path, "esc", text))


def test_scenario_ids_are_unique() -> None:
    ids = [p.stem for p in SCENARIO_DIR.glob("*.yaml")]
    assert len(ids) == len(set(ids))
