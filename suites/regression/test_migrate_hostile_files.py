"""Regression: ``unified-migrate`` survives hostile files: it neither hangs nor crashes.

- A FIFO named ``*.py`` inside a walked directory made the run block forever on reading
  it; non-regular files are now skipped and reported.
- Deeply nested code crashed the run: 3,000 nested brackets (or a 10,000-term sum)
  overflowed the C stack in libcst's native parser (a segfault), 150 nested lists raised
  an uncaught ``RecursionError`` (exit 1, as if changes were pending, and the remaining
  files were never looked at). Both are now a failed file (exit 2), left unchanged.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from unified.migrate.cli import main

LEGACY = "from tidyllm.dspy_enhanced import DSPyEnhancedWrapper\nw = DSPyEnhancedWrapper()\n"


@pytest.mark.timeout(60)
def test_a_fifo_in_a_walked_directory_is_skipped(tmp_path: Path, capsys) -> None:
    (tmp_path / "app.py").write_text(LEGACY, encoding="utf-8")
    os.mkfifo(tmp_path / "pipe.py")
    assert main(["--check", str(tmp_path)]) == 1
    assert f"skipped non-regular file: {tmp_path / 'pipe.py'}" in capsys.readouterr().out


@pytest.mark.parametrize("body", ["x = " + "(" * 3000 + "1" + ")" * 3000,
                                  "x = 1" + "+1" * 10_000],
                         ids=["3000 nested brackets", "10000-term sum"])
def test_code_too_deep_for_the_native_parser_is_a_failed_file_not_a_crash(
        tmp_path: Path, body: str) -> None:
    path = tmp_path / "deep.py"
    path.write_text(LEGACY + body + "\n", encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "unified.migrate", "--write", str(path)],
                         capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 2, run.stderr[-500:]
    assert "nested too deeply" in run.stderr and path.read_text() == LEGACY + body + "\n"


def test_a_recursion_error_is_a_failed_file_and_the_other_files_still_run(
        tmp_path: Path, capsys) -> None:
    (tmp_path / "a_deep.py").write_text(LEGACY + "x = " + "[" * 150 + "]" * 150 + "\n")
    (tmp_path / "b_app.py").write_text(LEGACY, encoding="utf-8")
    assert main(["--write", str(tmp_path)]) == 2
    out = capsys.readouterr()
    assert "a_deep.py: cannot parse: nested too deeply" in out.err
    assert "1 file rewritten, 0 unchanged, 1 failed" in out.out
