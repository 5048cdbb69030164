"""Runs migrated fixture programs against the mock backend, in one process.

Usage: ``python run_migrated.py FILE...``; prints one JSON object mapping each file to
``{"stdout", "error", "backends"}``. Every ``UnifiedDSPyWrapper`` built while a file
runs gets a :class:`unified.MockBackend` (which answers every output field with
``"mock <field>"``) in place of the backend its config asks for; ``backends`` lists the
backend types the configs asked for, so a test can check that a migrated gateway
program asked for the gateway. Nothing is sent anywhere.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import runpy
import sys
import traceback
from typing import Any

os.environ["UNIFIED_ALLOW_MOCK"] = "1"

import dspy  # noqa: E402

import unified.backends.auto as auto  # noqa: E402
from unified import MockBackend  # noqa: E402

dspy.configure_cache(enable_disk_cache=False, enable_memory_cache=False)
requested: list[str] = []


def _mock_backend(config: Any, *args: Any, **kwargs: Any) -> tuple[MockBackend, str]:
    requested.append(config.backend.value)
    return MockBackend(model=config.model), "test: mock backend"


auto.select_backend = _mock_backend  # type: ignore[assignment]


def main(paths: list[str]) -> None:
    report = {}
    for path in paths:
        requested.clear()
        out, error = io.StringIO(), None
        try:
            with contextlib.redirect_stdout(out):
                runpy.run_path(path, run_name="__main__")
        except BaseException:  # noqa: B036 - reported to the test, which fails on it
            error = traceback.format_exc()
        report[path] = {"stdout": out.getvalue(), "error": error, "backends": list(requested)}
    print(json.dumps(report))


if __name__ == "__main__":
    main(sys.argv[1:])
