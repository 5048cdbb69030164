"""The dashboard counts verdicts of imported and hand-written scenarios separately."""

from __future__ import annotations

import json
import re

from harness.report.dashboard import origin_counts, origin_section, render_dashboard


def _scenario(name: str, *verdicts: tuple[str, str]) -> dict:
    return {"scenario": name, "pattern": name.split("-")[0], "backend": "direct",
            "description": name, "cassette": "", "played": [],
            "results": [{"implementation": i, "status": s, "diffs": {}, "cited": [],
                         "problems": [], "observation": {}} for i, s in verdicts]}


PARITY = {"scenarios": [
    _scenario("enhanced-direct-plain", ("legacy:enhanced", "REFERENCE"),
              ("compat:enhanced", "PASS"), ("unified", "EXPECTED-DIFF")),
    _scenario("gateway-plain", ("legacy:gateway", "REFERENCE"), ("compat:gateway", "FAIL"),
              ("unified", "PASS")),
    _scenario("imported-direct-0123456789ab", ("compat:enhanced", "PASS"), ("unified", "FAIL")),
    _scenario("imported-gateway-0123456789ab", ("unified", "PASS")),
]}


def test_counts_are_split_by_origin_per_implementation() -> None:
    counts = origin_counts(PARITY)
    assert counts["unified"] == {
        "hand-written": {"PASS": 1, "EXPECTED-DIFF": 1, "FAIL": 0},
        "imported": {"PASS": 1, "EXPECTED-DIFF": 0, "FAIL": 1}}
    assert counts["compat:enhanced"]["imported"] == {"PASS": 1, "EXPECTED-DIFF": 0, "FAIL": 0}
    assert "imported" not in counts["legacy:enhanced"]


def test_the_table_shows_a_dash_where_an_implementation_ran_no_scenario_of_an_origin() -> None:
    html = origin_section(PARITY)
    row = re.search(r'<tr data-impl="legacy:gateway">(.*?)</tr>', html).group(1)
    assert re.findall(r">([^<]*)</td>", row) == ["legacy:gateway", "0", "0", "0", "—", "—", "—"]


def test_the_dashboard_page_has_the_origin_table(tmp_path) -> None:
    (tmp_path / "parity.json").write_text(json.dumps(PARITY), encoding="utf-8")
    assert 'id="origins"' in render_dashboard(tmp_path)
