"""The whole parity suite replays clean, and the cassettes pass their lint.

This is what ``make parity`` checks, run inside ``make test`` too (replay only: no
server, no network).
"""

from __future__ import annotations

import pytest

from harness.parity import ParityRun, run_parity
from harness.replay import lint_cassettes

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def parity_run() -> ParityRun:
    return run_parity()


def test_every_scenario_passes_or_differs_only_as_documented(parity_run) -> None:
    failures = {s.scenario: {r.implementation: [*r.problems, *r.diffs.values()]
                             for r in s.results if r.status == "FAIL"}
                for s in parity_run.scenarios if s.failed}
    assert not failures


def test_every_compat_shim_was_compared_with_its_reference(parity_run) -> None:
    kinds = {(s.pattern, r.implementation.split(":")[0]) for s in parity_run.scenarios
             for r in s.results}
    for pattern in ("enhanced", "gateway", "bedrock", "simple", "dynamic"):
        assert {(pattern, "legacy"), (pattern, "compat"), (pattern, "unified")} <= kinds


def test_expected_differences_cite_documented_ids(parity_run) -> None:
    from harness.differences import load_differences

    known = load_differences()
    cited = {i for s in parity_run.scenarios for r in s.results for i in r.cited}
    assert cited and cited <= set(known)


def test_cassettes_hold_no_secrets_no_unused_interactions_and_no_orphans(parity_run) -> None:
    from harness.adapters.base import FAKE_API_KEY

    problems = lint_cassettes(parity_run.played_by_cassette(), extra_secrets=[FAKE_API_KEY])
    assert not problems, [str(p) for p in problems]
