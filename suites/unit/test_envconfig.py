"""``UNIFIED_*`` variables: every name the project uses is a config field or allow-listed.

``UnifiedConfig.from_env`` refuses unknown ``UNIFIED_*`` variables, so a variable read
anywhere else in the repository (the backends, the DataTable engine, the harness, the
suites) must be in ``NON_CONFIG_VARIABLES`` or setting it would break every service that
loads its config from the environment.
"""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

from unified._config import SECTIONS, UnifiedConfig
from unified._envconfig import NON_CONFIG_VARIABLES

ROOT = Path(__file__).resolve().parents[2]
#: Files that name wrong variables on purpose (the tests of the refusal).
DELIBERATELY_WRONG = {"suites/regression/test_config_env_strict.py", "suites/unit/test_envconfig.py"}
SUFFIXES = {".py", ".md", ".toml", ".yaml", ".yml", ".cfg", ".ini", ".sh", ""}


def _config_variables() -> set[str]:
    names = set()
    for f in fields(UnifiedConfig):
        names.add(f"UNIFIED_{f.name.upper()}")
        if f.name in SECTIONS:
            names |= {f"UNIFIED_{f.name.upper()}_{sf.name.upper()}"
                      for sf in fields(SECTIONS[f.name])}
    return names


#: A variable name as code and docs write one: quoted (``"UNIFIED_X"``, ```UNIFIED_X```)
#: or assigned (``UNIFIED_X=1``); a Python constant that happens to start with
#: ``UNIFIED_`` is neither.
VARIABLE = re.compile(r"""(?:(?<=["'`])(UNIFIED_[A-Z0-9_]*[A-Z0-9])\b)"""
                      r"|(?<![A-Za-z0-9_])(UNIFIED_[A-Z0-9_]*[A-Z0-9])=")


def _names_in(path: Path) -> set[str]:
    text = path.read_text("utf-8", "replace")
    return {quoted or assigned for quoted, assigned in VARIABLE.findall(text)}


def _names_used_in_the_repository() -> dict[str, str]:
    paths = [ROOT / name for name in ("Makefile", "README.md", "pyproject.toml")]
    for folder in ("unified", "harness", "suites", "examples", ".ci"):
        paths += sorted(p for p in (ROOT / folder).rglob("*")
                        if p.is_file() and p.suffix in SUFFIXES)
    used: dict[str, str] = {}
    for path in paths:
        relative = path.relative_to(ROOT).as_posix()
        if path.is_file() and relative not in DELIBERATELY_WRONG:
            for name in _names_in(path):
                used.setdefault(name, relative)
    return used


def test_every_unified_variable_in_the_repository_is_a_field_or_allow_listed() -> None:
    known = _config_variables() | NON_CONFIG_VARIABLES
    stray = {name: where for name, where in _names_used_in_the_repository().items()
             if name not in known}
    assert stray == {}


def test_a_python_constant_is_not_taken_for_a_variable(tmp_path: Path) -> None:
    path = tmp_path / "x.py"
    path.write_text('UNIFIED_ONLY = 1\nos.environ.get("UNIFIED_A")\n`UNIFIED_B=1`\n')
    assert _names_in(path) == {"UNIFIED_A", "UNIFIED_B"}


def test_the_allow_list_names_no_config_field() -> None:
    assert not NON_CONFIG_VARIABLES & _config_variables()
