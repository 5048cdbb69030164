"""The migrated fixtures and examples import and run against the mock backend.

The legacy programs are migrated into a temporary directory with ``--write``; the results
are run as ``__main__`` in one subprocess (``run_programs.py migrated``) whose wrappers all
get a ``MockBackend`` -- it answers every output field with ``"mock <field>"`` -- so
nothing is sent anywhere. The subprocess also reports which backend each config asked for.
"""

from __future__ import annotations

import shutil
from typing import Any

import pytest

from suites.unit.migrate.conftest import FIXTURES, REPO, run_programs
from unified.migrate.cli import main

EXAMPLES = REPO / "examples" / "legacy"

#: file -> (lines its stdout must contain, backends its configs ask for)
EXPECTED_RUNS: dict[str, tuple[list[str], list[str]]] = {
    "aliased_imports.py": (["answer: mock answer"], ["auto"]),
    "bedrock_enhanced.py": (["answer: mock answer", "nearby: mock answer"],
                            ["bedrock", "bedrock"]),
    "dynamic_module.py": (["answer: mock answer", "forward: mock answer",
                           "registry: ForecastingSignature"], ["gateway"]),
    "enhanced_wrapper.py": (["answer: mock answer", "batch: ['mock answer', 'mock answer']",
                             "process: mock answer", "requests: 4"], ["auto"] * 4),
    "gateway_backend.py": (["answer: mock answer"], ["gateway"]),
    "review_cases.py": (["review cases loaded"], []),
    "simple_wrapper.py": (["answer: mock answer", "quick: mock a"], ["gateway", "gateway"]),
    "qa_service.py": (["answer: mock answer", "answer: mock answer", "success rate: 1.0"],
                      ["auto"]),
    "gateway_pipeline.py": (["insights: mock insights", "summary: mock summary"],
                            ["gateway"]),
    "bedrock_summaries.py": (["summary: mock summary"], ["bedrock"]),
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    root = tmp_path_factory.mktemp("migrated")
    shutil.copytree(FIXTURES / "legacy", root / "fixtures")
    shutil.copytree(EXAMPLES, root / "examples")
    assert main(["--write", str(root / "fixtures"), str(root / "examples")]) == 0
    return run_programs("migrated", sorted(root.glob("*/*.py")), root)


def test_every_program_is_covered(runs: dict[str, dict[str, Any]]) -> None:
    assert sorted(runs) == sorted(EXPECTED_RUNS)


@pytest.mark.parametrize("name", sorted(EXPECTED_RUNS))
def test_migrated_program_runs_on_the_mock_backend(runs: dict[str, dict[str, Any]],
                                                   name: str) -> None:
    result = runs[name]
    assert result["error"] is None, result["error"]
    lines, backends = EXPECTED_RUNS[name]
    assert result["stdout"].splitlines() == lines
    assert result["backends"] == backends


def test_examples_stay_legacy_for_the_readme(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--check", str(EXAMPLES)]) == 1
    assert capsys.readouterr().out.endswith("3 files would be rewritten, 0 unchanged, 0 failed\n")
