"""Shards: deterministic, cost-balanced, and merged back into the unsharded report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.__main__ import main
from harness.parity.merge import MergeError, merge_runs
from harness.parity.shard import ShardError, assign, parse_shard, shard_from

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_every_scenario_lands_in_exactly_one_shard() -> None:
    ids = [f"s{i:02d}" for i in range(23)]
    shards = assign(ids, 4, {})
    assert sorted(i for shard in shards for i in shard) == ids


def test_shards_balance_the_recorded_cost_not_the_count() -> None:
    costs = {"slow": 9.0, **{f"fast{i}": 1.0 for i in range(9)}}
    shards = assign(list(costs), 2, costs)
    assert ["slow"] in shards
    assert [len(s) for s in shards] in ([1, 9], [9, 1])


def test_the_split_does_not_depend_on_the_order_scenarios_are_listed() -> None:
    ids = [f"s{i}" for i in range(10)]
    costs = {i: float(len(i) % 3) for i in ids}
    assert assign(ids, 3, costs) == assign(list(reversed(ids)), 3, costs)


def test_the_ci_node_variables_give_the_shard_when_no_option_does() -> None:
    assert shard_from(None, {"CI_NODE_INDEX": "2", "CI_NODE_TOTAL": "3"}) == (2, 3)
    assert shard_from("1/4", {"CI_NODE_INDEX": "2", "CI_NODE_TOTAL": "3"}) == (1, 4)
    assert shard_from(None, {}) is None


@pytest.mark.parametrize("text", ["0/4", "5/4", "1-4", "a/b"])
def test_a_malformed_shard_is_a_shard_error(text) -> None:
    with pytest.raises(ShardError):
        parse_shard(text)


def _comparable(directory: Path) -> dict:
    data = json.loads((directory / "parity.json").read_text(encoding="utf-8"))
    for key in ("generated_at", "wall_time_s", "shards"):
        data.pop(key, None)
    for scenario in data["scenarios"]:
        for result in scenario["results"]:
            result.get("observation", {}).pop("wall_time", None)
    return data


def test_shards_1_to_4_merged_give_the_unsharded_report(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("CI_NODE_INDEX", raising=False)
    monkeypatch.delenv("CI_NODE_TOTAL", raising=False)
    subset = ["--scenario", "enhanced-direct-*", "--scenario", "simple-*"]
    assert main(["parity", *subset, "--reports", str(tmp_path / "whole")]) == 0
    shards = [tmp_path / f"shard{k}" for k in range(1, 5)]
    for k, directory in enumerate(shards, 1):
        assert main(["parity", *subset, "--shard", f"{k}/4", "--reports", str(directory)]) == 0
    assert main(["merge", *map(str, shards), "--reports", str(tmp_path / "merged")]) == 0
    assert _comparable(tmp_path / "merged") == _comparable(tmp_path / "whole")
    junit = (tmp_path / "merged" / "parity-junit.xml").read_text(encoding="utf-8")
    assert junit.count("<testcase") == (tmp_path / "whole" / "parity-junit.xml").read_text(
        encoding="utf-8").count("<testcase")
    assert (tmp_path / "merged" / "dashboard" / "index.html").is_file()
    with pytest.raises(MergeError, match="every shard"):
        merge_runs(shards[:3])
