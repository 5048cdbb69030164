"""The library wheel holds the library only (the wrapper, tlm and datatable): no
harness, no pytest plugin."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                    "--no-build-isolation", "-w", str(out), str(ROOT)],
                   check=True, capture_output=True, text=True, timeout=300)
    (built,) = out.glob("unified_dspy-*.whl")
    return zipfile.ZipFile(built)


def test_the_wheels_top_level_packages_are_unified_tlm_and_datatable_only(
        wheel: zipfile.ZipFile) -> None:
    tops = {name.split("/", 1)[0] for name in wheel.namelist()
            if not name.split("/", 1)[0].endswith(".dist-info")}
    assert tops == {"unified", "unified_tlm", "unified_datatable"}


def test_the_wrapper_does_not_import_tlm_or_datatable() -> None:
    code = ("import sys, unified, unified._features.metrics, unified.compat; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('unified_tlm', 'unified_datatable')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120)
    assert out.stdout.strip() == "[]"


def test_the_wheel_registers_no_pytest_plugin(wheel: zipfile.ZipFile) -> None:
    entry_points = [wheel.read(name).decode() for name in wheel.namelist()
                    if name.endswith(".dist-info/entry_points.txt")]
    assert entry_points, "the console script unified-migrate must still be declared"
    assert all("pytest11" not in text for text in entry_points)
    assert any("unified-migrate = unified.migrate.cli:main" in text for text in entry_points)


def test_the_wheel_declares_its_license_as_an_spdx_expression(wheel: zipfile.ZipFile) -> None:
    (metadata,) = [wheel.read(name).decode() for name in wheel.namelist()
                   if name.endswith(".dist-info/METADATA")]
    assert "License-Expression: Apache-2.0" in metadata.splitlines()


def test_reading_the_project_configuration_gives_setuptools_no_warning() -> None:
    import warnings

    from setuptools.config.pyprojecttoml import apply_configuration
    from setuptools.dist import Distribution

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        apply_configuration(Distribution(), ROOT / "pyproject.toml")
    assert [str(w.message) for w in caught] == []
