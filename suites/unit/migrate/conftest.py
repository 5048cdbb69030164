"""Helpers for the codemod tests; the sample programs under ``fixtures/`` are not tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from unified.migrate import Migration, migrate_source

collect_ignore_glob = ["fixtures/*", "run_programs.py", "corpus.py"]

HERE = Path(__file__).parent
FIXTURES = HERE / "fixtures"
REPO = HERE.parents[2]
REVIEW = "# unified-migrate: review: "


def migrate(source: str) -> Migration:
    """Migrate dedented ``source``; also check that the result compiles (Python 3.11
    grammar) and that migrating it again changes nothing."""
    result = migrate_source(textwrap.dedent(source).lstrip("\n"))
    compile(result.code, "<migrated>", "exec", dont_inherit=True)
    again = migrate_source(result.code)
    assert again.code == result.code, "not idempotent:\n" + again.code.decode()
    return result


def code(source: str) -> str:
    """The migrated code of dedented ``source`` (idempotency checked)."""
    return migrate(source).code.decode()


def dedent(source: str) -> str:
    """``source`` as the tests compare it."""
    return textwrap.dedent(source).lstrip("\n")


def without_reviews(text: str) -> str:
    """``text`` without its review comment lines."""
    return "".join(line for line in text.splitlines(keepends=True)
                   if not line.lstrip().startswith(REVIEW))


def assert_kept(source: str, *reasons: str, module: str) -> str:
    """Migrate ``source`` and check that it stays on the legacy API: each of ``reasons``
    is a review comment, and apart from review comments only the imports change (from
    the legacy ``module`` to ``unified.compat``). Returns the migrated code."""
    out = code(source)
    for reason in reasons:
        assert REVIEW + reason in out, reason
    assert without_reviews(out) == dedent(source).replace(module, "unified.compat")
    return out


def run_programs(mode: str, files: Sequence[Path], root: Path) -> dict[str, dict[str, Any]]:
    """Run ``files`` with ``run_programs.py`` in ``mode`` (``legacy`` or ``migrated``) in
    one subprocess, with this checkout's packages first on the path; the report by file
    name (see ``run_programs.py``)."""
    work = root / "work"
    work.mkdir(exist_ok=True)
    path = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "DSPY_CACHEDIR": str(root / "dspy-cache"), "UNIFIED_ALLOW_MOCK": "1",
           "PYTHONPATH": path}
    done = subprocess.run([sys.executable, "-W", "ignore", str(HERE / "run_programs.py"), mode,
                           *map(str, files)], cwd=work, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    return {Path(path).name: result for path, result in report.items()}
