"""Helpers for the codemod tests; the sample programs under ``fixtures/`` are not tests."""

from __future__ import annotations

import textwrap
from pathlib import Path

from unified.migrate import Migration, migrate_source

collect_ignore_glob = ["fixtures/*", "run_migrated.py"]

HERE = Path(__file__).parent
FIXTURES = HERE / "fixtures"
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
