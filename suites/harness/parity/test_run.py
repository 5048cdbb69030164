"""The comparator's verdicts on synthetic observations (no replay involved)."""

from __future__ import annotations

from harness.parity.differences import Difference, load_differences
from harness.parity.observation import CallOutcome, Observation, WireEvent
from harness.parity.run import _verdict, compare, field_diff
from harness.parity.scenarios import Scenario

SCENARIO = Scenario(id="s", description="d", pattern="gateway", backend="gateway",
                    calls=({"q": "1"},), upstream=(), expected_differences=("D900",))
DIFFS = {"D900": Difference("D900", "messages flattened", frozenset({"gateway"}),
                            frozenset({"requests"}), shim="legacy")}


def observation(name: str, answer: str = "a", content: str = "hi") -> Observation:
    return Observation(name, "s", calls=[CallOutcome(outputs={"answer": answer},
                                                     wire_requests=1)],
                       wire=[WireEvent("POST", "/x", 200, {"messages": [content]})])


def test_identical_observations_have_no_diff() -> None:
    assert compare(observation("a"), observation("b"), ("outputs", "requests")) == {}


def test_field_diff_points_at_the_first_difference() -> None:
    assert field_diff([{"a": 1}, {"a": 2}], [{"a": 1}, {"a": 3}]) == "[1]: .a: legacy 2 != 3"


def test_a_compat_shim_fails_on_any_difference() -> None:
    result = _verdict(SCENARIO, observation("legacy"), observation("compat", content="x"),
                      "compat", DIFFS)
    assert result.status == "FAIL" and "requests" in result.diffs


def test_a_listed_difference_is_an_expected_diff_citing_its_id() -> None:
    result = _verdict(SCENARIO, observation("legacy"), observation("unified", content="x"),
                      "unified", DIFFS)
    assert (result.status, result.cited) == ("EXPECTED-DIFF", ["D900"])


def test_an_unlisted_difference_of_the_native_api_fails() -> None:
    result = _verdict(SCENARIO, observation("legacy"), observation("unified", answer="b",
                                                                     content="x"),
                      "unified", DIFFS)
    assert result.status == "FAIL" and "outputs" in result.diffs


def test_a_listed_difference_that_does_not_occur_fails() -> None:
    result = _verdict(SCENARIO, observation("legacy"), observation("unified"), "unified",
                      DIFFS)
    assert result.status == "FAIL"
    assert "expected difference D900 did not occur" in result.problems[0]


def test_a_shim_may_differ_only_where_the_difference_says_the_shim_follows_unified() -> None:
    shim_follows = {"D900": Difference("D900", "t", frozenset({"gateway"}),
                                       frozenset({"requests"}), shim="unified")}
    legacy_kept = _verdict(SCENARIO, observation("legacy"), observation("c", content="x"),
                           "compat", DIFFS)
    follows = _verdict(SCENARIO, observation("legacy"), observation("c", content="x"),
                       "compat", shim_follows)
    assert (legacy_kept.status, follows.status) == ("FAIL", "EXPECTED-DIFF")


def test_a_replay_miss_is_always_a_failure() -> None:
    other = observation("compat")
    other.replay_misses.append("no recorded response for POST /x")
    assert _verdict(SCENARIO, observation("legacy"), other, "compat", DIFFS).status == "FAIL"


def test_the_committed_differences_file_parses_with_unique_ids() -> None:
    differences = load_differences()
    assert differences and all(d.affects and d.patterns for d in differences.values())
