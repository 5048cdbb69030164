"""``harness.legacy.load_legacy_module`` and the ``PARITY_LEGACY_PACKAGE`` setting."""

from __future__ import annotations

import sys

import pytest

from harness.legacy import LEGACY_MODULES, PACKAGE_ENV_VAR, load_legacy_module


def test_by_default_the_reconstructions_are_loaded(monkeypatch):
    monkeypatch.delenv(PACKAGE_ENV_VAR, raising=False)
    assert [load_legacy_module(n).__name__ for n in LEGACY_MODULES] == [
        f"harness.legacy.{n}" for n in LEGACY_MODULES]


def test_the_package_setting_points_at_another_checkout(monkeypatch, tmp_path):
    package = tmp_path / "fake_tidyllm_checkout"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "dspy_wrapper.py").write_text("ORIGIN = 'original'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv(PACKAGE_ENV_VAR, "fake_tidyllm_checkout")
    try:
        assert load_legacy_module("dspy_wrapper").ORIGIN == "original"
    finally:
        for name in [m for m in sys.modules if m.startswith("fake_tidyllm_checkout")]:
            del sys.modules[name]


def test_an_unknown_module_name_is_refused():
    with pytest.raises(ValueError, match="unknown legacy module"):
        load_legacy_module("os")
