"""``make bench`` bookkeeping: history lines and per-commit regression flags, from
synthetic pytest-benchmark JSON (no benchmark runs here), and the suite's opt-in."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

from harness.perf.bench import HISTORY_NAME, append_history, load_history, summarize_run

ROOT = Path(__file__).resolve().parents[3]
DATA = [1.0e-4, 1.02e-4, 0.98e-4, 1.01e-4, 0.99e-4, 1.03e-4, 0.97e-4, 1.0e-4]


def bench_json(commit: str, factors: dict[str, float]) -> dict[str, Any]:
    """A pytest-benchmark JSON document with one benchmark per entry of ``factors``."""
    benchmarks = []
    for name, factor in factors.items():
        data = [d * factor for d in DATA]
        ordered = sorted(data)
        benchmarks.append({
            "group": "predict", "name": f"test_predict[{name}]",
            "fullname": f"suites/bench/test_bench_calls.py::test_predict[{name}]",
            "extra_info": {}, "stats": {
                "data": data, "median": (ordered[3] + ordered[4]) / 2, "q1": ordered[2],
                "q3": ordered[5], "iqr": ordered[5] - ordered[2], "mean": sum(data) / 8,
                "rounds": len(data)}})
    return {"datetime": "2026-11-25T10:00:00", "benchmarks": benchmarks,
            "machine_info": {"node": "ci", "python_version": "3.11.7", "cpu": {"count": 2}},
            "commit_info": {"id": commit, "dirty": False, "branch": "main"}}


def record(directory: Path, name: str, doc: dict[str, Any]) -> dict[str, Any]:
    (directory / name).write_text(json.dumps(doc))
    history = directory / HISTORY_NAME
    line = summarize_run(doc, name, load_history(history), directory)
    append_history(line, history)
    return line


def by_short(line: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["short"]: b for b in line["benchmarks"]}


def test_first_run_has_nothing_to_compare(tmp_path: Path) -> None:
    line = record(tmp_path, "1.json", bench_json("aaa", {"floor": 1.0, "unified": 1.3}))
    rows = by_short(line)
    assert line["commit"] == "aaa" and line["file"] == "1.json"
    assert line["machine"]["cpu_count"] == 2
    assert rows["test_predict[floor]"]["median"] == DATA[0]
    assert not any(b["regression"] for b in line["benchmarks"])
    assert "ratio" not in rows["test_predict[floor]"]


def test_slower_next_commit_is_flagged_and_noise_is_not(tmp_path: Path) -> None:
    record(tmp_path, "1.json", bench_json("aaa", {"floor": 1.0, "unified": 1.0}))
    line = record(tmp_path, "2.json", bench_json("bbb", {"floor": 1.02, "unified": 1.3}))
    rows = by_short(line)
    slow, same = rows["test_predict[unified]"], rows["test_predict[floor]"]
    assert slow["regression"] and slow["vs_commit"] == "aaa" and slow["p_value"] < 0.01
    assert slow["ratio"] > 1.25
    assert not same["regression"]  # 2 %: below the 5 % minimum effect
    assert len(load_history(tmp_path / HISTORY_NAME)) == 2


def test_runs_of_the_same_commit_compare_with_the_previous_commit(tmp_path: Path) -> None:
    record(tmp_path, "1.json", bench_json("aaa", {"unified": 1.0}))
    record(tmp_path, "2.json", bench_json("bbb", {"unified": 1.0}))
    line = record(tmp_path, "3.json", bench_json("bbb", {"unified": 1.4}))
    row = by_short(line)["test_predict[unified]"]
    assert row["vs_commit"] == "aaa" and row["regression"]


def test_a_missing_earlier_file_skips_the_comparison(tmp_path: Path) -> None:
    record(tmp_path, "1.json", bench_json("aaa", {"unified": 1.0}))
    (tmp_path / "1.json").unlink()
    line = record(tmp_path, "2.json", bench_json("bbb", {"unified": 2.0}))
    assert not line["benchmarks"][0]["regression"]


def test_unreadable_history_lines_are_skipped(tmp_path: Path) -> None:
    history = tmp_path / HISTORY_NAME
    history.write_text('{"commit": "aaa"}\nnot json\n')
    assert load_history(history) == [{"commit": "aaa"}]
    assert load_history(tmp_path / "missing.jsonl") == []


class _Item:
    def __init__(self, path: Path) -> None:
        self.path, self.markers = path, []

    def add_marker(self, marker: Any) -> None:
        self.markers.append(marker)


class _Config:
    def __init__(self, markexpr: str = "", benchmark_only: bool = False) -> None:
        self.options = {"markexpr": markexpr, "benchmark_only": benchmark_only}
        self.deselected: list[Any] = []
        self.hook = self

    def getoption(self, name: str, default: Any = None) -> Any:
        return self.options.get(name, default)

    def pytest_deselected(self, items: list[Any]) -> None:
        self.deselected.extend(items)


def _collect(config: _Config, pytestconfig: Any) -> list[_Item]:
    spec = importlib.util.spec_from_file_location("bench_conftest",
                                                  ROOT / "suites" / "bench" / "conftest.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.pytest_configure(pytestconfig)  # registers the marker, as in a real run
    items = [_Item(ROOT / "suites" / "bench" / "test_bench_calls.py"),
             _Item(ROOT / "suites" / "unit" / "test_types.py")]
    module.pytest_collection_modifyitems(config, items)  # type: ignore[arg-type]
    return items


def test_benchmarks_stay_out_of_ordinary_runs(monkeypatch: Any, pytestconfig: Any) -> None:
    """``make test`` collects the bench suite but deselects every benchmark; ``-m bench``,
    ``--benchmark-only`` or ``UNIFIED_BENCH=1`` keep them."""
    monkeypatch.delenv("UNIFIED_BENCH", raising=False)
    plain = _Config()
    kept = _collect(plain, pytestconfig)
    assert [i.path.name for i in kept] == ["test_types.py"]
    assert [i.path.name for i in plain.deselected] == ["test_bench_calls.py"]
    for config in (_Config("bench"), _Config(benchmark_only=True)):
        assert len(_collect(config, pytestconfig)) == 2 and not config.deselected
    assert len(_collect(_Config("not bench"), pytestconfig)) == 1
    monkeypatch.setenv("UNIFIED_BENCH", "1")
    assert len(_collect(_Config(), pytestconfig)) == 2
