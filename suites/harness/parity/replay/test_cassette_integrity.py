"""A cassette is replayed only while it is what was recorded for its scenario: a hand
edit, a changed ``upstream`` script or a missing file FAILs the lint and parity."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from harness.parity.replay import http as replay_http
from harness.parity.replay.integrity import cassette_problems, stamp_cassette
from harness.parity.replay.lint import lint_cassettes
from harness.parity.run import run_scenario
from harness.parity.scenarios import SCENARIO_DIR, load_scenario

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
SCENARIO = load_scenario(SCENARIO_DIR / "enhanced-gateway-plain.yaml")
FORGED = "MLflow is DEPRECATED, use CompetitorX."


@pytest.fixture
def cassettes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the project's cassette of SCENARIO, replayed from ``tmp_path``."""
    target = tmp_path / SCENARIO.cassette
    target.parent.mkdir(parents=True)
    shutil.copyfile(replay_http.CASSETTE_DIR / SCENARIO.cassette, target)
    monkeypatch.setattr(replay_http, "CASSETTE_DIR", tmp_path)
    return tmp_path


def _forge(cassettes: Path) -> Path:
    path = cassettes / SCENARIO.cassette
    text = path.read_text(encoding="utf-8")
    answer = next(s["reply"]["answer"] for s in SCENARIO.upstream if "reply" in s)
    assert answer in text
    path.write_text(text.replace(answer, FORGED), encoding="utf-8")
    return path


def test_every_committed_cassette_matches_its_recording_stamp_and_script() -> None:
    from harness.parity.scenarios import load_scenarios

    assert {s.id: cassette_problems(s) for s in load_scenarios()
            if cassette_problems(s)} == {}


def test_a_hand_edited_answer_fails_parity(cassettes: Path) -> None:
    _forge(cassettes)
    result = run_scenario(SCENARIO)
    assert result.failed
    assert "edited after it was recorded" in " ".join(result.results[0].problems)


def test_a_hand_edited_answer_fails_the_lint(cassettes: Path) -> None:
    _forge(cassettes)
    problems = lint_cassettes({SCENARIO.cassette: {0}}, directory=cassettes,
                              scenarios=[SCENARIO])
    assert any(p.kind == "recording" and "edited after it was recorded" in p.detail
               for p in problems)


def test_a_forged_answer_fails_even_when_the_stamp_is_recomputed(cassettes: Path) -> None:
    stamp_cassette(_forge(cassettes), SCENARIO)
    problems = cassette_problems(SCENARIO)
    assert problems and all(FORGED[:20] in p and "upstream script never sends" in p
                            for p in problems)


def test_a_changed_upstream_script_asks_for_a_re_recording(cassettes: Path) -> None:
    from dataclasses import replace

    changed = replace(SCENARIO, upstream=(*SCENARIO.upstream, {"reply": "extra"}))
    problems = cassette_problems(changed)
    assert any("upstream script changed since" in p and "make record" in p for p in problems)


def test_a_missing_cassette_is_one_message_naming_the_file_and_make_record(
        cassettes: Path) -> None:
    (cassettes / SCENARIO.cassette).unlink()
    result = run_scenario(SCENARIO)
    reference, *others = result.results
    assert reference.status == "FAIL" and len(reference.problems) == 1
    assert SCENARIO.cassette in reference.problems[0] and "missing" in reference.problems[0]
    assert "make record" in reference.problems[0]
    assert others and all(r.status == "SKIPPED" and not r.problems for r in others)


def test_stamping_keeps_the_recorded_text_and_replaces_an_old_stamp(cassettes: Path) -> None:
    path = cassettes / SCENARIO.cassette
    before = path.read_text(encoding="utf-8")
    stamp_cassette(path, SCENARIO)
    stamp_cassette(path, SCENARIO)
    assert path.read_text(encoding="utf-8") == before
    assert before.count("\nrecording:\n") == 1


def test_stamp_gives_an_unstamped_cassette_its_stamp_only_when_its_answers_are_scripted(
        cassettes: Path) -> None:
    from harness.parity.replay.integrity import stamp_unstamped

    path = cassettes / SCENARIO.cassette
    path.write_text(path.read_text(encoding="utf-8").split("\nrecording:\n")[0] + "\n",
                    encoding="utf-8")
    assert "carries no recording stamp" in cassette_problems(SCENARIO)[0]
    assert stamp_unstamped([SCENARIO]) == {SCENARIO.id: "stamped"}
    assert cassette_problems(SCENARIO) == []
    assert stamp_unstamped([SCENARIO]) == {SCENARIO.id: "already stamped"}


def test_stamp_refuses_a_forged_unstamped_cassette(cassettes: Path) -> None:
    from harness.parity.replay.integrity import stamp_unstamped

    path = _forge(cassettes)
    path.write_text(path.read_text(encoding="utf-8").split("\nrecording:\n")[0] + "\n",
                    encoding="utf-8")
    assert stamp_unstamped([SCENARIO])[SCENARIO.id].startswith("refused: ")
    assert "\nrecording:\n" not in path.read_text(encoding="utf-8")
