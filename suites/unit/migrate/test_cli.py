"""The ``unified-migrate`` command line: modes, exit codes, summaries, paths, safety."""

from __future__ import annotations

import difflib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from suites.unit.migrate.conftest import FIXTURES
from unified.migrate.cli import main

LEGACY = FIXTURES / "legacy"
EXPECTED = FIXTURES / "expected"
NAMES = sorted(p.name for p in LEGACY.glob("*.py"))
BAD = b"from tidyllm.dspy_enhanced import RetryConfig\n\ndef broken(:\n    pass\n"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and not p.is_symlink()}


@pytest.fixture
def legacy_copy(tmp_path: Path) -> Path:
    return Path(shutil.copytree(LEGACY, tmp_path / "legacy"))


def test_fixtures_cover_every_expected_file() -> None:
    assert NAMES == sorted(p.name for p in EXPECTED.glob("*.py"))
    assert len(NAMES) >= 7


def test_check_prints_the_expected_diffs_exits_1_and_writes_nothing(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    before = snapshot(LEGACY)
    monkeypatch.chdir(FIXTURES)
    status, out, err = run(capsys, "--check", "legacy")
    assert (status, err) == (1, "")
    for name in NAMES:
        diff = "".join(difflib.unified_diff(
            (LEGACY / name).read_text().splitlines(keepends=True),
            (EXPECTED / name).read_text().splitlines(keepends=True),
            f"a/legacy/{name}", f"b/legacy/{name}"))
        assert diff and diff in out, name
        assert f"would rewrite legacy/{name}: " in out
    assert out.endswith(f"{len(NAMES)} files would be rewritten, 0 unchanged, 0 failed\n")
    assert snapshot(LEGACY) == before


def test_check_is_the_default_mode(capsys: pytest.CaptureFixture[str], legacy_copy: Path) -> None:
    before = snapshot(legacy_copy)
    status, out, _ = run(capsys, str(legacy_copy))
    assert status == 1 and "would rewrite" in out
    assert snapshot(legacy_copy) == before


def test_write_gives_the_expected_files_then_check_finds_nothing(
        capsys: pytest.CaptureFixture[str], legacy_copy: Path) -> None:
    status, out, _ = run(capsys, "--write", str(legacy_copy))
    assert status == 0
    assert out.endswith(f"{len(NAMES)} files rewritten, 0 unchanged, 0 failed\n")
    for name in NAMES:
        assert (legacy_copy / name).read_bytes() == (EXPECTED / name).read_bytes(), name
    status, out, _ = run(capsys, "--check", str(legacy_copy))
    assert (status, out) == (0, f"0 files would be rewritten, {len(NAMES)} unchanged, 0 failed\n")


def test_summary_counts_rewrites_and_lists_review_comments(
        capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "--check", str(LEGACY / "review_cases.py"))
    assert status == 1
    assert f"would rewrite {LEGACY / 'review_cases.py'}: 2 rewrites, 6 review comments\n" in out
    assert "    legacy imports -> unified / unified.compat: 2\n" in out
    assert "    review: no UnifiedDSPyWrapper in scope stands for the global DSPy LM " in out
    _, out, _ = run(capsys, "--check", str(LEGACY / "gateway_backend.py"))
    assert "    configure_dspy_with_gateway -> UnifiedDSPyWrapper + dspy.configure: 3\n" in out


def test_unparsable_file_is_reported_with_its_line_and_left_unchanged(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_bytes(BAD)
    good = tmp_path / "good.py"
    shutil.copy(LEGACY / "aliased_imports.py", good)
    status, out, err = run(capsys, "--write", str(tmp_path))
    assert status == 2
    assert err == f"{bad}:3:12: cannot parse: invalid syntax\n"
    assert bad.read_bytes() == BAD
    assert good.read_bytes() == (EXPECTED / "aliased_imports.py").read_bytes()
    assert out.endswith("1 file rewritten, 0 unchanged, 1 failed\n")
    status, _, _ = run(capsys, "--check", str(tmp_path))
    assert status == 2  # a failure outranks pending changes (none are left here)


def test_a_nul_byte_is_reported_where_it_is(capsys: pytest.CaptureFixture[str],
                                                     tmp_path: Path) -> None:
    nul = tmp_path / "nul.py"
    nul.write_bytes(b"from tidyllm.dspy_enhanced import RetryConfig\nx = 1\x00\n")
    status, _, err = run(capsys, "--write", str(nul))
    assert (status, err) == (2, f"{nul}:2:6: cannot parse: NUL byte\n")
    assert nul.read_bytes() == b"from tidyllm.dspy_enhanced import RetryConfig\nx = 1\x00\n"


def test_an_internal_error_leaves_the_file_alone_and_the_others_go_on(
        capsys: pytest.CaptureFixture[str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    import unified.migrate.engine as engine

    real = engine.migrate_source

    def flaky(source: bytes | str) -> engine.Migration:
        if b"boom" in (source if isinstance(source, bytes) else source.encode()):
            raise RuntimeError("boom")
        return real(source)

    monkeypatch.setattr(engine, "migrate_source", flaky)
    (tmp_path / "a.py").write_text("# boom\nfrom tidyllm.dspy_enhanced import RetryConfig\n")
    shutil.copy(LEGACY / "aliased_imports.py", tmp_path / "b.py")
    status, out, err = run(capsys, "--write", str(tmp_path))
    assert status == 2
    assert err == f"{tmp_path / 'a.py'}: internal error, file left unchanged: RuntimeError: boom\n"
    assert out.endswith("1 file rewritten, 0 unchanged, 1 failed\n")


def test_symlinks_are_never_followed_out_of_the_given_paths(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    target = outside / "legacy.py"
    shutil.copy(LEGACY / "aliased_imports.py", target)
    root = tmp_path / "root"
    root.mkdir()
    (root / "link.py").symlink_to(target)
    (root / "linkdir").symlink_to(outside, target_is_directory=True)
    before = snapshot(outside)
    status, out, _ = run(capsys, "--write", str(root), str(root / "link.py"))
    assert status == 0
    assert out.count(f"skipped symlink: {root / 'link.py'}\n") == 2
    assert f"skipped symlink: {root / 'linkdir'}\n" in out
    assert snapshot(outside) == before
    assert sorted(p.name for p in root.iterdir()) == ["link", "link.py", "linkdir"][1:]


def test_walk_skips_hidden_and_tool_directories_and_reports_missing_paths(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    for folder in (".venv", "__pycache__", "node_modules", "lib/site-packages"):
        (tmp_path / folder).mkdir(parents=True)
        shutil.copy(LEGACY / "aliased_imports.py", tmp_path / folder / "x.py")
    (tmp_path / "notes.txt").write_text("from tidyllm.dspy_enhanced import RetryConfig\n")
    before = snapshot(tmp_path)
    status, out, err = run(capsys, "--write", str(tmp_path), str(tmp_path / "missing"))
    assert status == 2
    assert err == f"{tmp_path / 'missing'}: no such file or directory\n"
    assert out.endswith("0 files rewritten, 0 unchanged, 1 failed\n")
    assert snapshot(tmp_path) == before


def test_write_keeps_permission_bits_and_takes_explicit_files_of_any_name(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    script = tmp_path / "migrate-me"
    shutil.copy(LEGACY / "aliased_imports.py", script)
    os.chmod(script, 0o640)
    status, _, _ = run(capsys, "--write", str(script))
    assert status == 0
    assert script.read_bytes() == (EXPECTED / "aliased_imports.py").read_bytes()
    assert oct(script.stat().st_mode & 0o777) == oct(0o640)
    assert [p.name for p in tmp_path.iterdir()] == ["migrate-me"]  # no temporary file left


def test_module_and_console_script_entry_points(tmp_path: Path) -> None:
    target = tmp_path / "clean.py"
    target.write_text("import os\n")
    module = subprocess.run([sys.executable, "-m", "unified.migrate", "--check",
                             str(LEGACY / "aliased_imports.py")],
                            capture_output=True, text=True, timeout=60)
    assert module.returncode == 1 and "+from unified import CacheConfig" in module.stdout
    script = Path(sys.executable).with_name("unified-migrate")
    if not script.exists():  # the editable install always has it; a bare checkout may not
        script = Path(shutil.which("unified-migrate") or script)
    clean = subprocess.run([str(script), str(target)], capture_output=True, text=True,
                           timeout=60)
    assert (clean.returncode, clean.stdout) == (0, "0 files would be rewritten, 1 unchanged, "
                                                   "0 failed\n")
    usage = subprocess.run([str(script)], capture_output=True, text=True, timeout=60)
    assert usage.returncode == 2 and "PATH" in usage.stderr
