"""Cassette lint: secrets, unused interactions, cassettes no scenario uses, and cassettes
that are not what was recorded for their scenario (missing, edited by hand, answers the
scenario's ``upstream`` script never gives: :mod:`harness.parity.replay.integrity`)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .files import read_cassette
from .http import CASSETTE_DIR

__all__ = ["CassetteProblem", "SECRET_PATTERNS", "scan_for_secrets", "lint_cassettes",
           "interaction_count"]

#: What a leaked credential looks like (patterns), plus exact fake secrets tests use.
SECRET_PATTERNS: dict[str, re.Pattern[str]] = {
    "bearer token": re.compile(r"(?i)bearer\s+[A-Za-z0-9._~+/=-]{8,}"),
    "openai-style key": re.compile(r"\bsk-[A-Za-z0-9_-]{10,}"),
    "aws access key id": re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b"),
    "aws secret access key": re.compile(
        r"(?i)aws_?secret_?access_?key['\"]?\s*[:=]\s*['\"]?[A-Za-z0-9/+=]{30,}"),
    "aws session token": re.compile(r"(?i)x-amz-security-token['\"]?\s*[:=]"),
    "sigv4 signature": re.compile(r"Signature=[0-9a-f]{64}"),
    "sigv4 credential scope": re.compile(r"Credential=[A-Z0-9]{16,}/\d{8}/"),
    "authorization header": re.compile(r"(?im)^\s*-?\s*['\"]?authorization['\"]?\s*:"),
}


@dataclass(frozen=True)
class CassetteProblem:
    """One lint finding: which file, what kind of problem, details."""

    path: str
    kind: str
    detail: str

    def __str__(self) -> str:
        return f"{self.path}: {self.kind}: {self.detail}"


def scan_for_secrets(text: str, extra_secrets: Iterable[str] = ()) -> list[str]:
    """Names of the secret patterns (and exact secrets) found in ``text``."""
    found = [name for name, pattern in SECRET_PATTERNS.items() if pattern.search(text)]
    found += [f"exact secret {s[:4]}…" for s in extra_secrets if s and s in text]
    return found


def interaction_count(path: Path) -> int:
    """How many interactions a cassette file holds (errors name the file and line)."""
    return len(read_cassette(path).get("interactions", []))


def lint_cassettes(used: Mapping[str, set[int]], *, directory: Path = CASSETTE_DIR,
                   extra_secrets: Iterable[str] = (),
                   scenarios: Sequence[Any] | None = None) -> list[CassetteProblem]:
    """Lint every cassette under ``directory``.

    ``used`` maps a cassette's relative path to the indices of its interactions that a
    parity run played; cassettes absent from it are unused by every scenario.
    ``scenarios`` (default: every scenario file, when ``directory`` is the project's
    cassette folder) are checked against their cassettes' recording stamps.
    """
    from .integrity import cassette_problems

    problems = []
    secrets = list(extra_secrets)
    if scenarios is None:
        from ..scenarios import load_scenarios

        scenarios = load_scenarios() if directory == CASSETTE_DIR else ()
    for scenario in scenarios:
        problems += [CassetteProblem(scenario.cassette, "recording", detail)
                     for detail in cassette_problems(scenario, directory)]
    for path in sorted(directory.rglob("*.yaml")):
        rel = path.relative_to(directory).as_posix()
        text = path.read_text(encoding="utf-8")
        for name in scan_for_secrets(text, secrets):
            problems.append(CassetteProblem(rel, "secret", name))
        if rel not in used:
            problems.append(CassetteProblem(rel, "unused cassette", "no scenario replays it"))
            continue
        unplayed = sorted(set(range(interaction_count(path))) - used[rel])
        if unplayed:
            problems.append(CassetteProblem(rel, "unused interactions",
                                            f"never played: {unplayed}"))
    return problems
