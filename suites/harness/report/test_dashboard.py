"""The dashboard: rendered from synthetic reports, then opened in headless Chromium.

The Chromium test needs Debian's ``chromium`` (``.ci/run`` installs it); it is skipped,
saying so, where no Chromium binary exists.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path
from typing import Any

import pytest

from harness.report.dashboard import render_dashboard, write_dashboard
from harness.report.svg import Point, Series, history_chart, nice_ticks, ratio_bar, scale_unit

COMMITS = ("a1b2c3d4e5f60718", "b2c3d4e5f6071829", "c3d4e5f60718293a")
GROUPS = {"predict": {"bare-engine-floor": 300e-6, "unified-mock-miss": 400e-6},
          "batch": {"batch[1]": 0.095, "batch[2]": 0.055, "batch[4]": 0.035},
          "import": {"dspy": 0.6, "unified": 0.09}}


def _bench_line(index: int, commit: str) -> dict[str, Any]:
    rows = []
    for group, names in GROUPS.items():
        for name, base in names.items():
            slow = 1.3 if (index == 2 and name == "unified-mock-miss") else 1.0
            median = base * slow * (1 + 0.02 * index)
            rows.append({"name": f"suites/bench/test.py::{name}", "short": name,
                         "group": group, "median": median, "q1": median * 0.95,
                         "q3": median * 1.07, "iqr": median * 0.12, "mean": median,
                         "rounds": 20, "extra": {}, "regression": slow > 1,
                         "ratio": 1.3 if slow > 1 else 1.02, "p_value": 0.001 if slow > 1
                         else 0.4, "vs_commit": COMMITS[index - 1] if index else None})
    return {"generated_at": f"2026-11-2{index}T10:00:00+00:00", "commit": commit,
            "short_commit": commit[:10], "dirty": False, "file": "", "benchmarks": rows}


def _pair(name: str, ratio: float, limit: float, status: str) -> dict[str, Any]:
    return {"name": name, "baseline": "legacy", "candidate": "compat", "target": "≤ limit",
            "limit": limit, "status": status, "instrument": "cachegrind", "detail": "",
            "baseline_cost": {"estimate": 2_000_000.0, "low": 1_999_000.0,
                              "high": 2_001_000.0, "waits_per_call": 0.0},
            "candidate_cost": {"estimate": 2_000_000.0 * ratio, "low": 1_999_000.0 * ratio,
                               "high": 2_001_000.0 * ratio, "waits_per_call": 0.0},
            "estimate": ratio, "low": ratio * 0.999, "high": ratio * 1.001,
            "reference": None, "power": {"resolves": 0.002}, "seconds": 1.0}


def write_reports(directory: Path, parity: dict[str, Any] | None = None) -> Path:
    """Write every dashboard input under ``directory``; return it."""
    (directory / "bench").mkdir(parents=True, exist_ok=True)
    with (directory / "bench" / "history.jsonl").open("w") as fh:
        for index, commit in enumerate(COMMITS):
            fh.write(json.dumps(_bench_line(index, commit)) + "\n")
    pairs = [_pair("compat:enhanced", 1.01, 1.05, "PASS"), _pair("unified:floor", 1.3, 1.1,
                                                                  "FAIL")]
    with (directory / "perf-history.jsonl").open("w") as fh:
        for index, commit in enumerate(COMMITS):
            status = "FAIL" if index == 2 else "PASS"
            fh.write(json.dumps({"commit": commit, "failed": index == 2, "pairs": {
                "compat:enhanced": {"estimate": 1.0 + index / 100, "low": 0.98,
                                    "high": 1.04, "limit": 1.05, "status": "PASS"},
                "unified:floor": {"estimate": 1.05 + index / 8, "low": 1.0 + index / 8,
                                  "high": 1.1 + index / 8, "limit": 1.1,
                                  "status": status}}}) + "\n")
    (directory / "perf.json").write_text(json.dumps({
        "schema_version": "2.0", "generated_at": "2026-11-22T10:00:00+00:00",
        "commit": COMMITS[2], "failed": True, "pairs": pairs,
        "instrument": {"name": "cachegrind", "reason": "no perf counters"},
        "config": {"calls": 50, "min_effect": 0.05},
        "machine": {"loadavg": [0.5, 0.4, 0.3], "cpu_count": 2}}))
    (directory / "parity.json").write_text(json.dumps(parity or {
        "schema_version": "1.0", "generated_at": "2026-11-22T10:00:00+00:00",
        "commit": COMMITS[2], "failed": True, "summary": {"REFERENCE": 2, "PASS": 2, "FAIL": 1},
        "scenarios": [
            {"scenario": "enhanced-direct-basic", "pattern": "enhanced", "backend": "direct",
             "description": "one call", "results": [
                 {"implementation": "legacy:enhanced", "status": "REFERENCE"},
                 {"implementation": "compat:enhanced", "status": "PASS"},
                 {"implementation": "unified", "status": "EXPECTED-DIFF", "cited": ["D011"]}]},
            {"scenario": "gateway-retry-<script>", "pattern": "gateway", "backend": "gateway",
             "description": "escaping <b>check</b>", "results": [
                 {"implementation": "legacy:gateway", "status": "REFERENCE"},
                 {"implementation": "compat:gateway", "status": "FAIL",
                  "diffs": {"attempts": "legacy [1] != [2]"}}]}]}))
    return directory


# -- static checks ------------------------------------------------------------------------
def test_page_is_self_contained(tmp_path: Path) -> None:
    html = render_dashboard(write_reports(tmp_path))
    assert "<script" not in html and "<link" not in html and "@import" not in html
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", html))
    assert urls <= {"http://www.w3.org/2000/svg"}, urls
    assert html.count('class="chart"') == 5  # two gate pairs + predict, batch, import
    assert 'id="parity-matrix"' in html and 'id="perf-gate"' in html


def test_user_text_is_escaped(tmp_path: Path) -> None:
    html = render_dashboard(write_reports(tmp_path))
    assert "gateway-retry-&lt;script&gt;" in html and "<b>check</b>" not in html


def test_regressions_and_failures_are_marked(tmp_path: Path) -> None:
    html = render_dashboard(write_reports(tmp_path))
    assert html.count('class="regression"') == 2  # bench unified-mock-miss + gate FAIL
    assert '<td class="fail">FAIL</td>' in html and "D011" in html


def test_missing_inputs_give_notices(tmp_path: Path) -> None:
    html = render_dashboard(tmp_path / "nothing-here")
    assert "No perf gate report yet" in html and "No parity report yet" in html
    assert "No benchmark history yet" in html


def test_one_point_per_commit_latest_run_wins(tmp_path: Path) -> None:
    write_reports(tmp_path)
    history = tmp_path / "bench" / "history.jsonl"
    lines = [json.loads(x) for x in history.read_text().splitlines()]
    rerun = json.loads(json.dumps(lines[-1]))
    for bench in rerun["benchmarks"]:
        bench.update(median=bench["median"] * 10, regression=False)
    history.write_text("\n".join(json.dumps(x) for x in [*lines, rerun]) + "\n")
    html = render_dashboard(tmp_path)
    assert html.count('class="regression"') == 1  # the re-run replaced the flagged point
    assert len(re.findall(r"unified-mock-miss @ c3d4e5f:", html)) == 1


def test_svg_helpers() -> None:
    assert scale_unit(5e-4) == (1e6, "µs") and scale_unit(0.5) == (1e3, "ms")
    assert scale_unit(2.0) == (1.0, "s") and scale_unit(3.0, "x") == (1.0, "x")
    ticks = nice_ticks(0.0, 97.0)
    assert ticks[0] <= 0 and ticks[-1] >= 97 and 3 <= len(ticks) <= 7
    empty = history_chart("t", [], [])
    assert "no data yet" in empty
    chart = history_chart("t", ["a", "b"], [Series("s", [Point(0, 1e-3, 9e-4, 2e-3),
                                                         Point(1, 1.0, 0.9, 1.1, True)])])
    assert "log scale" in chart and chart.count("<circle") == 3
    assert 'stroke="#d62728"' in ratio_bar(1.3, 1.2, 1.4, 1.1, failed=True)
    assert "empty" in ratio_bar(None, None, None, 1.1, failed=False)


# -- headless Chromium ---------------------------------------------------------------------
CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")
                 if shutil.which(n)), None)
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--enable-logging=stderr", "--v=0")


def _chromium(page: Path, profile: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *extra,
                           page.as_uri()], capture_output=True, text=True, timeout=120,
                          check=False, env={**os.environ, "LANG": "C.UTF-8"})


def _png_pixels(path: Path) -> tuple[int, int, bytes]:
    """Width, height and the decompressed scanlines of a PNG (no imaging library)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    idat, pos = b"", 8
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"IDAT":
            idat += data[pos + 8:pos + 8 + length]
        pos += 12 + length
    return width, height, zlib.decompress(idat)


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium binary (.ci/run installs it)")
def test_dashboard_renders_in_headless_chromium(tmp_path: Path) -> None:
    page = write_dashboard(write_reports(tmp_path / "reports"))
    dom = _chromium(page, tmp_path / "profile-dom", "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    console = [line for line in dom.stderr.splitlines() if ":CONSOLE" in line]
    assert console == [], console
    html = dom.stdout
    charts = re.findall(r'<svg class="chart"[^>]*data-series="(\d+)"[^>]*>(.*?)</svg>', html,
                        re.S)
    assert len(charts) == 5 and all(int(n) > 0 and "<circle" in body for n, body in charts)
    assert all(("<polyline" in body) or ("<rect" in body) for _, body in charts)
    matrix = re.search(r'<table id="parity-matrix">(.*?)</table>', html, re.S)
    assert matrix and matrix.group(1).count("<tr>") == 3  # header + two scenarios
    assert re.search(r'<table id="perf-gate">.*unified:floor.*</table>', html, re.S)

    shot = tmp_path / "dashboard.png"
    run = _chromium(page, tmp_path / "profile-shot", "--window-size=1400,2400",
                    f"--screenshot={shot}")
    assert run.returncode == 0 and shot.is_file(), run.stderr[-2000:]
    width, height, pixels = _png_pixels(shot)
    assert (width, height) == (1400, 2400)
    assert len(set(pixels[: len(pixels) // 2])) > 40  # drawn, not a blank page


def test_legend_labels_are_the_test_parameters() -> None:
    from harness.report.history import legend_label

    assert legend_label("test_pattern[enhanced-compat]") == "enhanced-compat"
    assert legend_label("test_parity_replay") == "parity_replay"


# -- what the page says ----------------------------------------------------------------------
def _filtered_parity() -> dict[str, Any]:
    return {"commit": COMMITS[2], "failed": False, "summary": {"REFERENCE": 1, "PASS": 2},
            "selection": {"filtered": True, "matched": 1, "total": 38,
                          "filter": "--scenario 'enhanced-*'",
                          "description": "1 of 38 scenarios, filter: --scenario 'enhanced-*'"},
            "scenarios": [{"scenario": "enhanced-direct-basic", "pattern": "enhanced",
                           "backend": "direct", "description": "", "results": [
                               {"implementation": "legacy:enhanced", "status": "REFERENCE"},
                               {"implementation": "compat:enhanced", "status": "PASS"},
                               {"implementation": "unified", "status": "PASS"}]}]}


def test_a_filtered_run_shows_its_filter_and_never_a_plain_pass(tmp_path: Path) -> None:
    html = render_dashboard(write_reports(tmp_path, _filtered_parity()))
    assert "1 of 38 scenarios, filter: --scenario &#x27;enhanced-*&#x27;" in html
    assert "a filtered run, not a verdict on the whole suite" in html
    parity = html[html.index('id="glance"'):html.index('id="failures"')]
    assert 'badge diff">PARTIAL' in parity and 'Parity <span class="badge pass">' not in parity
    (tmp_path / "perf.json").unlink()  # its FAIL would fill the failures section
    assert "No failures in these reports (a filtered run: 1 of 38 scenarios" in \
        render_dashboard(tmp_path)


def test_failures_come_first_with_what_differed(tmp_path: Path) -> None:
    html = render_dashboard(write_reports(tmp_path))
    order = [html.index(f'<h2 id="{name}"') for name in
             ("glance", "failures", "parity", "perf", "self-test", "reliability", "history")]
    assert order == sorted(order)
    failures = html[html.index('id="failures-table"'):]
    failures = failures[:failures.index("</table>")]
    assert "gateway-retry-&lt;script&gt;" in failures and "attempts: legacy [1] != [2]" in failures
    assert "unified:floor" in failures and "ratio 1.300 [1.299–1.301] above its limit 1.1" in failures
    assert "2 pairs (FAIL 1, PASS 1)" in html
    matrix = html[html.index('id="parity-matrix"'):]
    assert matrix.index("gateway-retry-&lt;script&gt;") < matrix.index("enhanced-direct-basic")


def test_the_legend_explains_the_dash(tmp_path: Path) -> None:
    html = render_dashboard(write_reports(tmp_path))
    assert "— = the implementation does not apply to the scenario" in html


def test_the_mutant_self_test_and_reliability_figures_are_shown(tmp_path: Path) -> None:
    reports = write_reports(tmp_path)
    (reports / "mutants.json").write_text(json.dumps({
        "detected": 1, "total": 2, "detection_rate": 0.5, "mutants": [
            {"name": "retry-off-by-one", "description": "one attempt too many",
             "expected": ["a"], "failed": ["a"], "detected": True},
            {"name": "temperature", "description": "a default temperature",
             "expected": ["b"], "failed": [], "detected": False}]}))
    (reports / "reliability.json").write_text(json.dumps({
        "suite": "suites/reliability", "python": "3.11", "cpus": 2, "seconds": 40.0,
        "tests": {"passed": 162}, "load": {"calls": 640, "results_lost": 0}}))
    html = render_dashboard(reports)
    table = html[html.index('<table id="mutants">'):]
    assert "retry-off-by-one" in table and ">MISSED<" in table and ">caught<" in table
    assert "1 of 2 deliberate deviations detected" in html
    assert "162 tests passed" in html and "calls: 640, results_lost: 0" in html


def test_gate_history_is_one_small_chart_per_pair_on_a_fitted_axis(tmp_path: Path) -> None:
    html = render_dashboard(write_reports(tmp_path))
    gate = html[html.index("<h3>Perf-gate ratio per pair"):html.index("<h3>Benchmarks")]
    charts = re.findall(r'<svg class="chart"[^>]*aria-label="([^"]+)"(.*?)</svg>', gate, re.S)
    assert [name for name, _ in charts] == ["compat:enhanced, limit 1.05",
                                            "unified:floor, limit 1.1"]
    for _, body in charts:
        ticks = [float(t) for t in re.findall(r'text-anchor="end">([\d.]+)<', body)]
        assert ticks and min(ticks) > 0.5  # not squeezed against a zero baseline
        assert 'class="limit"' in body
    assert "a red ring marks a run in which the gate FAILed that pair" in html
    assert "regression flagged against" not in html


def test_the_batch_legend_names_workers(tmp_path: Path) -> None:
    html = render_dashboard(write_reports(tmp_path))
    batch = html[html.index('aria-label="benchmark group: batch"'):]
    batch = batch[:batch.index("</svg>")]
    assert "1 worker</text>" in batch and "4 workers</text>" in batch


def test_commit_labels_are_thinned_to_stay_readable() -> None:
    labels = [f"c{i:06d}" for i in range(40)]
    points = [Point(i, 1.0 + i / 100, 0.99, 1.1) for i in range(40)]
    chart = history_chart("t", labels, [Series("s", points)], unit="ratio", width=320,
                          height=200, zero_based=False, legend=False)
    shown = re.findall(r'class="tick" x="[\d.]+" y="[\d.]+" text-anchor="middle">(c\d+)', chart)
    assert 2 <= len(shown) <= 5 and shown[-1] == "c000039"
    assert chart.count("<circle") == 40  # every commit keeps its point and tooltip
