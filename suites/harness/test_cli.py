"""``python -m harness``: errors are one clear line each (exit 2, no traceback), a
filtered run says so in its reports, library log lines stay out of the progress."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import harness.__main__ as cli
import harness.parity.run  # noqa: F401 - bound to the real scenario folder before any monkeypatch
from harness.parity import scenarios as scenario_module
from harness.report.markdown import LEGEND
from suites.harness.parity.test_scenarios import VALID as GOOD

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
def broken_scenarios(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "good-one.yaml").write_text(GOOD.format(id="good-one"))
    (tmp_path / "bad-yaml.yaml").write_text("id: bad-yaml\ncalls: [\n  oops: : :\n")
    (tmp_path / "bad-field.yaml").write_text(GOOD.format(id="bad-field")
                                             + "pattern_typo: x\n")
    monkeypatch.setattr(scenario_module, "SCENARIO_DIR", tmp_path)
    return tmp_path


def test_every_malformed_scenario_file_is_one_error_line_with_file_and_line(
        broken_scenarios: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["parity", "--reports", str(broken_scenarios / "out")])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    lines = [line for line in err.splitlines() if line.startswith("error: ")]
    assert len(lines) == 2
    assert any("bad-yaml.yaml:3: yaml" in line for line in lines)
    assert any("bad-field.yaml:9: pattern_typo: unknown field" in line for line in lines)


def test_a_broken_file_does_not_block_a_run_that_does_not_select_it(
        broken_scenarios: Path) -> None:
    loaded = scenario_module.load_scenarios(broken_scenarios, ["good-*"])
    assert [s.id for s in loaded] == ["good-one"]


def test_an_unreadable_cassette_is_one_error_line(monkeypatch, capsys) -> None:
    from harness.parity.replay import CassetteError

    def broken(args):
        raise CassetteError("cassettes/x.yaml:4: invalid YAML at line 4 (mapping values)")

    monkeypatch.setattr(cli, "cmd_lint", broken)
    assert cli.main(["lint"]) == 2
    err = capsys.readouterr().err
    assert err == "error: cassettes/x.yaml:4: invalid YAML at line 4 (mapping values)\n"


def test_a_filtered_run_records_its_filter_in_json_and_markdown(tmp_path: Path) -> None:
    total = len(list(scenario_module.SCENARIO_DIR.glob("*.yaml")))
    assert cli.main(["parity", "--scenario", "enhanced-direct-plain",
                     "--reports", str(tmp_path)]) == 0
    selection = json.loads((tmp_path / "parity.json").read_text())["selection"]
    assert selection["filtered"] is True and selection["matched"] == 1
    assert selection["total"] == total
    assert selection["description"] == (f"1 of {total} scenarios, filter: "
                                         "--scenario 'enhanced-direct-plain'")
    markdown = (tmp_path / "parity.md").read_text()
    assert f"**Filtered run: 1 of {total} scenarios" in markdown
    junit = (tmp_path / "parity-junit.xml").read_text()
    assert 'name="selection.filter" value="--scenario \'enhanced-direct-plain\'"' in junit


def test_retry_log_lines_go_to_the_run_log_not_the_progress(tmp_path: Path, capsys) -> None:
    assert cli.main(["parity", "--scenario", "gateway-503-then-success",
                     "--reports", str(tmp_path)]) == 0
    shown = capsys.readouterr()
    assert "try 1/3 failed" not in shown.out + shown.err
    assert "try 1/3 failed" in (tmp_path / "parity.log").read_text()
    assert "library log: " in shown.out and "parity.log" in shown.out


def test_a_run_prints_its_matrix(tmp_path: Path, capsys) -> None:
    assert cli.main(["parity", "--scenario", "enhanced-direct-plain",
                     "--reports", str(tmp_path)]) == 0
    assert "| enhanced-direct-plain |" in capsys.readouterr().out


def test_a_matrix_longer_than_the_limit_is_left_to_parity_md(tmp_path: Path, capsys,
                                                              monkeypatch) -> None:
    monkeypatch.setattr(cli, "MATRIX_ROWS_PRINTED", 1)
    assert cli.main(["parity", "--scenario", "enhanced-direct-plain", "--scenario",
                     "gateway-503-then-success", "--reports", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "| enhanced-direct-plain |" not in out
    assert "the matrix (2 rows) is in " in out and "parity.md" in out


def test_the_legend_explains_every_mark_of_the_matrix() -> None:
    for mark in ("REFERENCE =", "PASS =", "EXPECTED-DIFF =", "FAIL =", "SKIPPED =", "— ="):
        assert mark in LEGEND
