"""``python -m harness`` ends without tearing its objects down once :func:`main`
returned: its output is complete, its exit code is the command's, and no parallel worker
outlives it (one would hold the captured pipes open past the timeout)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _harness(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_")}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, "-m", "harness", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def test_a_parallel_run_prints_everything_and_exits_with_the_commands_code(
        tmp_path: Path) -> None:
    done = _harness("parity", "--scenario", "simple-predict-plain", "--scenario",
                    "gateway-predict-plain", "--jobs", "2", "--reports", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "[  2/2]" in done.stdout and "reports: " in done.stdout
    assert (tmp_path / "parity.json").exists()


def test_a_command_that_exits_through_argparse_keeps_its_code() -> None:
    assert _harness("parity", "--jobs", "0").returncode == 2
