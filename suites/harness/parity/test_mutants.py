"""The harness catches regressions: every mutant in the catalogue makes parity FAIL.

Each mutant is injected into the unified code at run time; the parity suite (its
``suite`` subset, with the legacy references observed once) must then report FAIL for
every scenario the mutant names. The detection rate is written to
``reports/latest/mutants.json``, which the parity report quotes.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from harness.parity.mutants import CATALOGUE, MutantResult, run_mutant, write_mutants_report
from harness.report.locations import LATEST

REPORT = LATEST / "mutants.json"
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def references() -> dict:
    return {}


@pytest.fixture(scope="module")
def results() -> Iterator[list[MutantResult]]:
    collected: list[MutantResult] = []
    yield collected
    if len(collected) == len(CATALOGUE):
        write_mutants_report(collected, REPORT)


def test_the_catalogue_has_at_least_twelve_distinct_mutants() -> None:
    assert len(CATALOGUE) >= 12
    assert len({m.name for m in CATALOGUE}) == len(CATALOGUE)


@pytest.mark.parametrize("mutant", CATALOGUE, ids=[m.name for m in CATALOGUE])
def test_parity_fails_under_the_mutant_naming_the_affected_scenarios(mutant, references,
                                                                     results) -> None:
    result = run_mutant(mutant, references)
    results.append(result)
    missed = sorted(set(mutant.expect) - set(result.failed))
    assert not missed, f"{mutant.name} ({mutant.description}) went unnoticed in {missed}"


def test_without_a_mutant_the_same_suites_pass(references) -> None:
    from harness.parity.run import run_parity

    suites = sorted({glob for m in CATALOGUE for glob in m.suite})
    run = run_parity(suites, references=references)
    assert not run.failed, [s.scenario for s in run.scenarios if s.failed]
