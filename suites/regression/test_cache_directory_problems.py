"""Regression: a cache directory that cannot be used is a clear error or a warning.

On main a non-SQLite file in the directory raised a raw ``sqlite3.DatabaseError``, a
read-only directory ``sqlite3.OperationalError`` and a path that is a file
``FileExistsError``, all at construction; and ``UNIFIED_CACHE_DIRECTORY='~/x'`` created a
literal ``./~`` folder.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import pytest

from unified import (
    CacheConfig,
    CacheFileWarning,
    ConfigError,
    MockBackend,
    UnifiedConfig,
    UnifiedDSPyWrapper,
)
from unified._features.diskstore import FILE_NAME


def _wrapper(directory: str, backend: MockBackend | None = None) -> UnifiedDSPyWrapper:
    config = UnifiedConfig(backend="mock", cache=CacheConfig(directory=directory))
    return UnifiedDSPyWrapper(config, backend=backend or MockBackend([{"answer": "a"}] * 4))


def test_a_cache_directory_that_is_a_file_is_a_config_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "cache"
    path.write_text("not a directory")
    with pytest.raises(ConfigError, match="is a file") as caught:
        _wrapper(str(path))
    assert str(path) in str(caught.value) and caught.value.field == "cache.directory"


def test_a_cache_directory_under_a_file_is_a_config_error_naming_it(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(ConfigError, match="cannot create it") as caught:
        _wrapper(str(tmp_path / "file" / "cache"))
    assert str(tmp_path / "file" / "cache") in str(caught.value)


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc")
def test_a_read_only_cache_directory_is_a_config_error_naming_it() -> None:
    # /proc/self is read-only even for root, so this holds whoever runs the suite.
    with pytest.raises(ConfigError, match="read-only") as caught:
        _wrapper("/proc/self")
    assert "/proc/self" in str(caught.value)


def test_a_corrupt_cache_file_warns_and_the_cache_runs_in_memory(tmp_path: Path) -> None:
    (tmp_path / FILE_NAME).write_bytes(b"this is not an SQLite database" * 100)
    backend = MockBackend([{"answer": "a"}] * 4)
    with pytest.warns(CacheFileWarning, match=FILE_NAME):
        wrapper = _wrapper(str(tmp_path), backend)
    with wrapper:
        qa = wrapper.create_module("question -> answer")
        answers = [qa.predict(question="q").answer for _ in range(2)]
    assert answers == ["a", "a"] and backend.call_count == 1  # memory hit
    assert (tmp_path / FILE_NAME).read_bytes().startswith(b"this is not")  # left as it was


def test_a_tilde_in_the_cache_directory_is_the_home_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    config = UnifiedConfig.from_env({"UNIFIED_BACKEND": "mock",
                                     "UNIFIED_CACHE_DIRECTORY": "~/x"})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with UnifiedDSPyWrapper(config, backend=MockBackend([{"answer": "a"}])) as wrapper:
            wrapper.create_module("question -> answer").predict(question="q")
    assert (tmp_path / "home" / "x" / FILE_NAME).is_file()
    assert not os.path.exists(tmp_path / "~")
