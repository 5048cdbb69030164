"""Scrubbing captured traffic: credentials and personal data out before anything is written.

Rules are a frozen :class:`ScrubRules`: regular expressions (each replaced by a
``<name>`` placeholder wherever it matches inside any string of a request or a
response) and field paths (``request.user``, ``request.metadata.*``, ``*.api_key``:
the value at that path is replaced by ``<redacted>``). The defaults cover API keys,
bearer tokens, AWS key pairs, e-mail addresses, phone numbers, card numbers (Luhn
checked) and IBANs; a YAML file (``--rules``) adds to them or, with
``defaults: false``, replaces them::

    defaults: true
    regex: [{name: employee-id, pattern: 'EMP-\\d{6}'}]
    fields: [request.user, request.metadata.*]
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["ScrubRule", "ScrubRules", "DEFAULT_RULES", "DEFAULT_FIELDS", "scrub",
           "load_rules", "RulesError", "SECRET_KEY_NAMES"]


class RulesError(ValueError):
    """A scrub-rules file is malformed (the message names the file and the entry)."""


def _luhn(digits: str) -> bool:
    total, parity = 0, len(digits) % 2
    for index, char in enumerate(digits):
        value = int(char)
        if index % 2 == parity:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _card(match: re.Match[str]) -> bool:
    digits = re.sub(r"\D", "", match.group(0))
    return 13 <= len(digits) <= 19 and _luhn(digits)


def _aws_secret(match: re.Match[str]) -> bool:
    text = match.group(0)
    return (any(c.islower() for c in text) and any(c.isupper() for c in text)
            and any(c.isdigit() or c in "/+" for c in text))


@dataclass(frozen=True)
class ScrubRule:
    """One regex rule: every match (that ``accept`` accepts) becomes ``<name>``."""

    name: str
    pattern: re.Pattern[str]
    accept: Callable[[re.Match[str]], bool] | None = None

    def apply(self, text: str) -> str:
        """``text`` with every accepted match replaced by the placeholder."""
        def replace(match: re.Match[str]) -> str:
            return f"<{self.name}>" if self.accept is None or self.accept(match) else match.group(0)

        return self.pattern.sub(replace, text)


#: Order matters: longer, more specific shapes first (a card number is not a phone).
DEFAULT_RULES: tuple[ScrubRule, ...] = (
    ScrubRule("api-key", re.compile(r"\b(?:sk|pk|rk)-[A-Za-z0-9_-]{10,}")),
    ScrubRule("bearer-token", re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]{8,}")),
    ScrubRule("aws-access-key-id", re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b")),
    ScrubRule("aws-secret-access-key",
              re.compile(r"(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])"),
              _aws_secret),
    ScrubRule("email", re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")),
    ScrubRule("iban", re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b")),
    ScrubRule("card-number", re.compile(r"\b\d(?:[ -]?\d){12,18}\b"), _card),
    ScrubRule("phone", re.compile(
        r"(?<![\w.])(?:\+\d{1,3}[ .-]?)?(?:\(\d{2,4}\)[ .-]?|\d{2,4}[ .-])\d{3,4}[ .-]\d{3,4}\b")),
)
#: Field paths always redacted: credentials a capture may carry next to the call.
DEFAULT_FIELDS: tuple[str, ...] = ("request.user", "request.metadata", "*.api_key",
                                   "*.authorization", "*.headers")
#: Key names whose value is a credential wherever they appear.
SECRET_KEY_NAMES = re.compile(r"(?i)(api[_-]?key|secret|token|password|authorization)")


@dataclass(frozen=True)
class ScrubRules:
    """The regex rules and field paths applied to every captured request and response."""

    regex: tuple[ScrubRule, ...] = DEFAULT_RULES
    fields: tuple[str, ...] = DEFAULT_FIELDS


def _walk(value: Any, path: str, rules: ScrubRules) -> Any:
    if any(fnmatch.fnmatchcase(path, pattern) for pattern in rules.fields):
        return "<redacted>"
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            if SECRET_KEY_NAMES.search(str(key)) and isinstance(item, str):
                out[key] = "<redacted>"
            else:
                out[key] = _walk(item, f"{path}.{key}", rules)
        return out
    if isinstance(value, list):
        return [_walk(item, path, rules) for item in value]
    if isinstance(value, str):
        for rule in rules.regex:
            value = rule.apply(value)
    return value


def scrub(record: Mapping[str, Any], rules: ScrubRules = ScrubRules()) -> dict[str, Any]:
    """A scrubbed deep copy of ``record`` (``{"request": ..., "response": ...}``)."""
    return {key: _walk(value, str(key), rules) for key, value in record.items()}


def load_rules(path: Path | str | None) -> ScrubRules:
    """The rules of a YAML file (see the module docstring); the defaults for None."""
    if path is None:
        return ScrubRules()
    import yaml

    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise RulesError(f"{path}: cannot read scrub rules ({exc})") from None
    if not isinstance(data, dict) or set(data) - {"defaults", "regex", "fields"}:
        raise RulesError(f"{path}: expected a mapping with defaults, regex and fields")
    keep = data.get("defaults", True) is not False
    regex: list[ScrubRule] = list(DEFAULT_RULES) if keep else []
    for index, entry in enumerate(data.get("regex") or []):
        if not isinstance(entry, dict) or not {"name", "pattern"} <= set(entry):
            raise RulesError(f"{path}: regex[{index}]: expected {{name, pattern}}")
        try:
            regex.append(ScrubRule(str(entry["name"]), re.compile(str(entry["pattern"]))))
        except re.error as exc:
            raise RulesError(f"{path}: regex[{index}]: invalid pattern ({exc})") from None
    fields: Sequence[Any] = data.get("fields") or []
    if not all(isinstance(f, str) for f in fields):
        raise RulesError(f"{path}: fields: expected a list of paths")
    return ScrubRules(tuple(regex), (DEFAULT_FIELDS if keep else ()) + tuple(fields))
