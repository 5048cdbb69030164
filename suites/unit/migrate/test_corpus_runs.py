"""Generated legacy programs behave the same before and after ``unified-migrate --write``.

The corpus (``corpus.py``) combines the five patterns' imports and configs. Each program
runs twice in a subprocess (``run_programs.py``): as written, against the reference
reconstructions in ``harness/legacy`` imported as ``tidyllm.*``, and migrated, against
``unified`` -- both over scripted backends that answer every output field with
``"mock <field>"``. A migrated program must not fail where the legacy one ran, must
print the same, and must be answered by the same kind of backend (the gateway it
configured, Bedrock; a legacy enhanced wrapper with no LM configured used the global
DSPy LM, which the unified wrapper leaves to ``backend=auto``).
"""

from __future__ import annotations

from typing import Any

import pytest

from suites.unit.migrate.conftest import run_programs
from suites.unit.migrate.corpus import programs
from unified.migrate.cli import main

CORPUS = programs()
_SAME_KIND = {"lm": "auto"}  # the legacy global LM <-> the unified automatic choice


def _kinds(answered: list[str]) -> list[str]:
    return sorted({_SAME_KIND.get(kind, kind) for kind in answered})


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[dict[str, Any], ...]]:
    root = tmp_path_factory.mktemp("corpus")
    for side in ("legacy", "migrated"):
        (root / side).mkdir()
        for name, text in CORPUS.items():
            (root / side / name).write_text(text, encoding="utf-8")
    assert main(["--write", str(root / "migrated")]) == 0
    before = run_programs("legacy", sorted((root / "legacy").glob("*.py")), root)
    after = run_programs("migrated", sorted((root / "migrated").glob("*.py")), root)
    return {name: (before[name], after[name], (root / "migrated" / name).read_text())
            for name in CORPUS}


def test_the_corpus_combines_every_pattern_in_enough_programs() -> None:
    assert len(CORPUS) >= 50
    for module in ("dspy_enhanced", "dspy_wrapper", "dspy_gateway_backend",
                   "dspy_bedrock_enhanced", "base_module"):
        assert sum(f"tidyllm.{module} import" in text for text in CORPUS.values()) >= 5, module
    assert any("ValidationConfig(min_length=1) if STRICT else None" in text
               for text in CORPUS.values())
    assert any("configure_dspy_with_gateway(" in t and "DSPyEnhancedWrapper(" in t
               for t in CORPUS.values())


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_a_migrated_program_behaves_as_the_legacy_one(runs, name: str) -> None:
    before, after, migrated = runs[name]
    assert before["error"] is None, before["error"]  # the corpus itself runs
    assert after["error"] is None, f"{after['error']}\n{migrated}"
    assert after["stdout"] == before["stdout"], migrated
    assert _kinds(after["answered"]) == _kinds(before["answered"]), migrated

