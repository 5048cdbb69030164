"""Runs write to the ignored ``reports/latest/``; the committed reports and histories
change only through ``python -m harness publish``."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

import harness.__main__ as cli
from harness.report.locations import COMMITTED, LATEST, ROOT, display_path
from harness.report.publish import PublishError, merge_history, publish

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _git_status() -> set[str]:
    out = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"],
                         cwd=ROOT, capture_output=True, text=True, check=True)
    return set(out.stdout.splitlines())


def _ignored(path: Path) -> bool:
    return subprocess.run(["git", "check-ignore", "-q", str(path)], cwd=ROOT,
                          check=False).returncode == 0


def test_parity_and_dashboard_with_their_defaults_leave_git_status_as_it_was() -> None:
    before = _git_status()
    assert cli.main(["parity", "--scenario", "enhanced-direct-plain"]) == 0
    assert cli.main(["dashboard"]) == 0
    assert _git_status() == before
    assert (LATEST / "parity.json").is_file() and (LATEST / "dashboard" / "index.html").is_file()


def test_every_report_a_run_writes_lands_in_an_ignored_folder() -> None:
    from suites.harness.parity.test_mutants import REPORT as mutants
    from suites.reliability.conftest import REPORT_PATH as reliability

    parser = cli._parser()
    defaults = [parser.parse_args(["parity"]).reports, parser.parse_args(["perf"]).reports,
                parser.parse_args(["bench"]).output, parser.parse_args(["dashboard"]).reports]
    for path in [*map(Path, defaults), reliability, mutants,
                 LATEST / "perf-history.jsonl", LATEST / "bench" / "history.jsonl"]:
        assert _ignored(path / "x.json" if path.suffix == "" else path), path


def _run(directory: Path, commit: str, *, filtered: bool = False) -> Path:
    (directory / "bench").mkdir(parents=True, exist_ok=True)
    (directory / "parity.json").write_text(json.dumps({
        "commit": commit, "failed": False, "summary": {}, "scenarios": [],
        "selection": {"filtered": filtered, "description": "1 of 38 scenarios, filter: x",
                      "matched": 1, "total": 38, "filter": "x"}}))
    (directory / "parity.md").write_text(f"# Parity report {commit}\n")
    with (directory / "perf-history.jsonl").open("a") as fh:
        fh.write(json.dumps({"commit": commit, "pairs": {}}) + "\n")
    with (directory / "bench" / "history.jsonl").open("a") as fh:
        fh.write(json.dumps({"commit": commit, "benchmarks": []}) + "\n")
    return directory


def test_publish_copies_reports_appends_new_history_lines_once_and_redraws(
        tmp_path: Path) -> None:
    latest, committed = tmp_path / "latest", tmp_path / "reports"
    committed.mkdir()
    readme = tmp_path / "README.md"
    readme.write_text("We run <!-- gen:scenarios -->1<!-- /gen --> scenarios.\n")
    _run(latest, "aaa")
    first = publish(latest, committed, readme)
    _run(latest, "bbb")
    publish(latest, committed, readme)
    assert "parity.json" in first.copied and first.readme_changed
    assert json.loads((committed / "parity.json").read_text())["commit"] == "bbb"
    commits = [json.loads(x)["commit"] for x in
               (committed / "perf-history.jsonl").read_text().splitlines()]
    assert commits == ["aaa", "bbb"]
    assert len((committed / "bench" / "history.jsonl").read_text().splitlines()) == 2
    assert (committed / "dashboard" / "index.html").is_file()
    count = len(list((ROOT / "suites" / "scenarios").glob("*.yaml")))
    assert readme.read_text() == f"We run <!-- gen:scenarios -->{count}<!-- /gen --> scenarios.\n"


def test_publish_refuses_a_filtered_run(tmp_path: Path) -> None:
    latest, committed = _run(tmp_path / "latest", "aaa", filtered=True), tmp_path / "reports"
    committed.mkdir()
    with pytest.raises(PublishError, match="filtered"):
        publish(latest, committed, tmp_path / "README.md")
    assert list(committed.iterdir()) == []


def test_publish_without_a_run_is_one_error_line(tmp_path: Path, capsys) -> None:
    assert cli.main(["publish", "--latest", str(tmp_path / "none"),
                     "--to", str(tmp_path)]) == 2
    assert capsys.readouterr().err.startswith("error: nothing to publish")


def test_merge_history_ignores_key_order_and_blank_lines(tmp_path: Path) -> None:
    (tmp_path / "a").write_text('{"x": 1, "y": 2}\n\n{"x": 3}\n')
    (tmp_path / "b").write_text('{"y": 2, "x": 1}\n')
    assert merge_history(tmp_path / "a", tmp_path / "b") == 1
    assert merge_history(tmp_path / "a", tmp_path / "b") == 0


def test_the_committed_dashboard_shows_no_machine_path() -> None:
    html = (COMMITTED / "dashboard" / "index.html").read_text(encoding="utf-8")
    assert str(ROOT) not in html and "/work/" not in html and "/home/" not in html


def test_a_rendered_dashboard_names_its_source_relative_to_the_checkout(tmp_path) -> None:
    from harness.report.dashboard import render_dashboard

    assert str(tmp_path) not in render_dashboard(tmp_path)
    assert display_path(LATEST) == "reports/latest"
