"""``unified-migrate`` (also ``python -m unified.migrate``): the codemod's command line.

Usage::

    unified-migrate [--check | --write] PATH...

- ``--check`` (the default, so that nothing is written unless asked): print a unified
  diff of every pending change and a summary per file; write nothing.
- ``--write``: apply the changes in place (atomically: a temporary file in the same
  directory replaces the original; its permission bits are kept).

Exit codes: ``0`` nothing left to change (``--check``) or every change written
(``--write``); ``1`` ``--check`` found changes pending; ``2`` some input could not be
processed -- a file that does not parse (reported as ``path:line:column: cannot parse:
why``, the position from Python's own parser, which only parses), one nested too deeply
to parse safely, an unreadable or missing path -- and takes precedence over ``1``. A file
that fails is left byte-for-byte unchanged; the others are still processed (so is every
file after an internal error of the codemod, which is reported the same way).

Paths: a file is migrated whatever its name; a directory is walked for ``*.py`` files,
skipping hidden directories, ``__pycache__``, ``node_modules``, ``site-packages`` and
anything that is not a regular file (a FIFO would block the read).
Symbolic links are never followed: a symlink given or met in a walk is reported and
skipped, so nothing outside the given paths is read or written. The code being migrated
is only parsed, never imported or executed.
"""

from __future__ import annotations

import argparse
import ast
import difflib
import os
import stat
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

__all__ = ["main", "iter_python_files"]

_SKIP_DIRS = frozenset({"__pycache__", "node_modules", "site-packages"})


def iter_python_files(paths: Sequence[str], notes: list[str]) -> Iterator[Path]:
    """The files to migrate under ``paths`` (see module docstring); skipped symlinks and
    missing paths are described in ``notes`` (missing ones start with ``error:``)."""
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        if path.is_symlink():
            notes.append(f"skipped symlink: {path}")
        elif path.is_file():
            yield from _once(path, seen)
        elif path.is_dir():
            yield from _walk(path, seen, notes)
        else:
            notes.append(f"error: {path}: no such file or directory")


def _once(path: Path, seen: set[Path]) -> Iterator[Path]:
    key = path.resolve()
    if key not in seen:
        seen.add(key)
        yield path


def _walk(root: Path, seen: set[Path], notes: list[str]) -> Iterator[Path]:
    for folder, dirs, names in os.walk(root, followlinks=False):
        base = Path(folder)
        kept = []
        for name in sorted(dirs):
            if (base / name).is_symlink():
                notes.append(f"skipped symlink: {base / name}")
            elif not name.startswith(".") and name not in _SKIP_DIRS:
                kept.append(name)
        dirs[:] = kept
        for name in sorted(names):
            if not name.endswith(".py"):
                continue
            if (base / name).is_symlink():
                notes.append(f"skipped symlink: {base / name}")
            elif not (base / name).is_file():  # a FIFO or device: reading it could block
                notes.append(f"skipped non-regular file: {base / name}")
            else:
                yield from _once(base / name, seen)


def _write(path: Path, data: bytes) -> None:
    """Replace ``path``'s content atomically, keeping its permission bits."""
    mode = stat.S_IMODE(path.lstat().st_mode)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".migrate")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _diff(path: Path, before: bytes, after: bytes, encoding: str) -> str:
    old = before.decode(encoding, errors="replace").splitlines(keepends=True)
    new = after.decode(encoding, errors="replace").splitlines(keepends=True)
    name = path.as_posix().lstrip("/")
    lines = difflib.unified_diff(old, new, f"a/{name}", f"b/{name}")
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
                   for line in lines)


_TOO_DEEP = " cannot parse: nested too deeply to migrate safely"


def _python_verdict(source: bytes) -> str | None:
    """What Python's own parser (it only parses) says of ``source``: ``None`` when it
    accepts it, :data:`_TOO_DEEP`, or ``line:column: cannot parse: why``.

    Too deep: libcst's native parser can overflow the C stack on such input (3,000 nested
    brackets, a 10,000-term sum) -- a crash no handler catches -- so it never gets it.
    Otherwise libcst decides, and when it rejects the file too, Python's position is the
    one reported (libcst's point past the error).
    """
    try:
        ast.parse(source)
    except SyntaxError as err:
        if "too many nested" in str(err.msg) or "too complex" in str(err.msg):
            return _TOO_DEEP
        if err.lineno is not None:
            return f"{err.lineno}:{err.offset or 1}: cannot parse: {err.msg}"
    except (RecursionError, MemoryError):
        return _TOO_DEEP
    except ValueError:  # older Pythons reject a NUL byte this way
        pass
    return None


def _where(source: bytes, verdict: str | None, exc: Any) -> str:
    """Where libcst's rejection of ``source`` is, for the report."""
    if verdict is not None:
        return verdict
    nul = source.find(b"\0")
    if nul >= 0:  # neither parser places it
        line = source.count(b"\n", 0, nul) + 1
        column = nul - source.rfind(b"\n", 0, nul)
        return f"{line}:{column}: cannot parse: NUL byte"
    return f"{exc.editor_line}:{exc.editor_column}: cannot parse: {exc.message}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


class _Run:
    def __init__(self, write: bool, out: TextIO, err: TextIO) -> None:
        self.write, self.out, self.err = write, out, err
        self.changed = self.unchanged = self.failed = 0

    def migrate(self, path: Path) -> None:
        """Migrate one file: print its diff (check) or write it, then its summary."""
        import libcst as cst

        from .engine import migrate_source

        verdict = None
        try:
            source = path.read_bytes()
            verdict = _python_verdict(source)
            if verdict == _TOO_DEEP:
                self._fail(f"{path}:{verdict}")
                return
            result = migrate_source(source)
        except cst.ParserSyntaxError as exc:
            self._fail(f"{path}:{_where(source, verdict, exc)}")
            return
        except RecursionError:
            self._fail(f"{path}:{_TOO_DEEP}")
            return
        except (OSError, UnicodeError, SyntaxError) as exc:
            self._fail(f"{path}: cannot read: {exc}")
            return
        except Exception as exc:  # a codemod bug must not stop the other files
            self._fail(f"{path}: internal error, file left unchanged: "
                       f"{type(exc).__name__}: {exc}")
            return
        if not result.changed:
            self.unchanged += 1
            return
        self.changed += 1
        if self.write:
            _write(path, result.code)
        else:
            self.out.write(_diff(path, source, result.code, result.encoding))
        verb = "rewrote" if self.write else "would rewrite"
        total = sum(result.rewrites.values())
        self.out.write(f"{verb} {path}: {_plural(total, 'rewrite')}, "
                       f"{_plural(len(result.reviews), 'review comment')}\n")
        for label, count in result.rewrites.items():
            self.out.write(f"    {label}: {count}\n")
        for message in result.reviews:
            self.out.write(f"    review: {message}\n")

    def _fail(self, message: str) -> None:
        self.failed += 1
        self.err.write(message + "\n")

    def finish(self, notes: list[str]) -> int:
        """Print the notes and the totals; return the exit code."""
        for note in notes:
            if note.startswith("error: "):
                self._fail(note.removeprefix("error: "))
            else:
                self.out.write(note + "\n")
        verb = "rewritten" if self.write else "would be rewritten"
        self.out.write(f"{_plural(self.changed, 'file')} {verb}, {self.unchanged} unchanged, "
                       f"{self.failed} failed\n")
        if self.failed:
            return 2
        return 1 if self.changed and not self.write else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line (see module docstring); returns the exit code."""
    parser = argparse.ArgumentParser(
        prog="unified-migrate",
        description="Rewrite legacy tidyllm DSPy wrappers to the unified API.")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true",
                      help="show the diff and exit 1 when changes are pending (default)")
    mode.add_argument("--write", action="store_true", help="apply the changes in place")
    parser.add_argument("paths", nargs="+", metavar="PATH", help="files or directories")
    args = parser.parse_args(argv)
    try:
        import libcst  # noqa: F401
    except ImportError:
        sys.stderr.write("unified-migrate needs libcst: pip install 'unified-dspy[migrate]'\n")
        return 2
    run = _Run(args.write, sys.stdout, sys.stderr)
    notes: list[str] = []
    for path in iter_python_files(args.paths, notes):
        run.migrate(path)
    return run.finish(notes)
