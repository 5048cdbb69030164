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

from unified.config import SECTIONS, UnifiedConfig
from unified._envconfig import NON_CONFIG_VARIABLES

ROOT = Path(__file__).resolve().parents[2]
#: Files that name wrong variables on purpose (the tests of the refusal).
DELIBERATELY_WRONG = {"suites/regression/test_config_env_strict.py"}
SUFFIXES = {".py", ".md", ".toml", ".yaml", ".yml", ".cfg", ".ini", ".sh", ""}


def _config_variables() -> set[str]:
    names = set()
    for f in fields(UnifiedConfig):
        names.add(f"UNIFIED_{f.name.upper()}")
        if f.name in SECTIONS:
            names |= {f"UNIFIED_{f.name.upper()}_{sf.name.upper()}"
                      for sf in fields(SECTIONS[f.name])}
    return names


def _names_used_in_the_repository() -> dict[str, str]:
    used: dict[str, str] = {}
    for folder in ("unified", "harness", "suites", "examples", ".ci"):
        for path in sorted((ROOT / folder).rglob("*")):
            relative = path.relative_to(ROOT).as_posix()
            if not path.is_file() or path.suffix not in SUFFIXES or relative in DELIBERATELY_WRONG:
                continue
            for name in re.findall(r"\bUNIFIED_[A-Z0-9_]*[A-Z0-9]\b", path.read_text("utf-8",
                                                                                   "replace")):
                used.setdefault(name, relative)
    for name in ("Makefile", "README.md", "pyproject.toml"):
        for found in re.findall(r"\bUNIFIED_[A-Z0-9_]*[A-Z0-9]\b", (ROOT / name).read_text()):
            used.setdefault(found, name)
    return used


def test_every_unified_variable_in_the_repository_is_a_field_or_allow_listed() -> None:
    known = _config_variables() | NON_CONFIG_VARIABLES
    stray = {name: where for name, where in _names_used_in_the_repository().items()
             if name not in known}
    assert stray == {}


def test_the_allow_list_names_no_config_field() -> None:
    assert not NON_CONFIG_VARIABLES & _config_variables()
