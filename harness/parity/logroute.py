"""Keep library log lines out of the harness's progress output.

During a run the legacy references and the libraries log (e.g. ``gateway chat try 1/3
failed: HTTP 503``) to stderr, which a terminal interleaves with the progress lines.
:func:`logs_to_file` sends every log record and every other write to stderr into a
file for the duration of the run; the command then says where they went.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = ["LogFile", "logs_to_file"]


@dataclass
class LogFile:
    """Where the run's log went and how many lines it holds (set on exit)."""

    path: Path
    lines: int = 0


def _stream_handlers() -> list[logging.StreamHandler]:  # type: ignore[type-arg]
    loggers = [logging.getLogger(), *(lg for lg in logging.root.manager.loggerDict.values()
                                      if isinstance(lg, logging.Logger))]
    return [h for lg in loggers for h in lg.handlers
            if type(h) is logging.StreamHandler and h.stream in (sys.stderr, sys.stdout)]


@contextlib.contextmanager
def logs_to_file(path: Path) -> Iterator[LogFile]:
    """Route logging and stderr to ``path`` (truncated) inside the block."""
    path.parent.mkdir(parents=True, exist_ok=True)
    result = LogFile(path)
    with path.open("w", encoding="utf-8") as fh:
        handler = logging.StreamHandler(fh)
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        root = logging.getLogger()
        saved = [(h, h.stream) for h in _stream_handlers()]
        for h, _ in saved:
            h.setStream(fh)
        root.addHandler(handler)
        try:
            with contextlib.redirect_stderr(fh):
                yield result
        finally:
            root.removeHandler(handler)
            for h, stream in saved:
                h.setStream(stream)
    text = path.read_text(encoding="utf-8")
    result.lines = len(text.splitlines())
