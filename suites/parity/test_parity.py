"""The parity gate as pytest items: one per scenario × implementation.

Each item's id is ``scenario[implementation]`` (``enhanced-direct-plain[compat:enhanced]``)
so ``-k``, ``-x``, pytest-xdist (``-n``; items of one scenario share an
``xdist_group``, run them with ``--dist loadgroup`` to replay each scenario once),
reruns and JUnit work per item. A scenario is replayed once per worker, the first time
one of its items runs; its other items read the verdicts from that run. The checks over
the whole run (every shim compared, cited ids documented, the cassette lint) follow.

This is what ``make parity`` checks, run inside ``make test`` too (replay only: no
server, no network). ``make parity`` itself writes the reports and the matrix.
"""

from __future__ import annotations

import pytest

from harness.parity.replay import lint_cassettes
from harness.parity.run import ParityRun, ScenarioResult, implementations_for, run_scenario
from harness.parity.scenarios import Scenario, load_scenarios

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

_SCENARIOS = load_scenarios()
_RESULTS: dict[str, ScenarioResult] = {}


def _cases() -> list[object]:
    return [pytest.param(scenario, impl.name, id=f"{scenario.id}[{impl.name}]",
                         marks=pytest.mark.xdist_group(scenario.id))
            for scenario in _SCENARIOS for impl in implementations_for(scenario)]


def _result(scenario: Scenario) -> ScenarioResult:
    if scenario.id not in _RESULTS:
        _RESULTS[scenario.id] = run_scenario(scenario)
    return _RESULTS[scenario.id]


@pytest.mark.parametrize(("scenario", "implementation"), _cases())
def test_parity(scenario: Scenario, implementation: str) -> None:
    """The implementation PASSes, differs only as documented, or is the reference."""
    verdict = next(r for r in _result(scenario).results if r.implementation == implementation)
    if verdict.status == "SKIPPED":
        pytest.skip("the scenario's cassette is unusable (reported on its first item)")
    assert verdict.status != "FAIL", "; ".join(
        [*verdict.problems, *(f"{k}: {v}" for k, v in verdict.diffs.items())])


@pytest.fixture(scope="module")
def parity_run() -> ParityRun:
    return ParityRun([_result(scenario) for scenario in _SCENARIOS])


def test_every_compat_shim_was_compared_with_its_reference(parity_run) -> None:
    kinds = {(s.pattern, r.implementation.split(":")[0]) for s in parity_run.scenarios
             for r in s.results}
    for pattern in ("enhanced", "gateway", "bedrock", "simple", "dynamic"):
        assert {(pattern, "legacy"), (pattern, "compat"), (pattern, "unified")} <= kinds


def test_expected_differences_cite_documented_ids(parity_run) -> None:
    from harness.parity.differences import load_differences

    known = load_differences()
    cited = {i for s in parity_run.scenarios for r in s.results for i in r.cited}
    assert cited and cited <= set(known)


def test_cassettes_hold_no_secrets_no_unused_interactions_and_no_orphans(parity_run) -> None:
    from harness.parity.adapters.base import FAKE_API_KEY

    problems = lint_cassettes(parity_run.played_by_cassette(), extra_secrets=[FAKE_API_KEY])
    assert not problems, [str(p) for p in problems]
