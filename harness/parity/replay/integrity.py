"""Is a cassette still what was recorded for its scenario?

At record time :func:`stamp_cassette` appends a ``recording:`` block to the cassette:
the SHA-256 of its interactions and of the scenario's ``upstream`` script. Before a
replay (and in the lint) :func:`cassette_problems` checks

- that the file exists when the script has steps (else: one message naming it and saying to run ``make record``);
- that it carries the stamp and its interactions still hash to it (a hand edit fails);
- that the scenario's ``upstream`` script is the one it was recorded from;
- that every successful answer in it is one the ``upstream`` script gives (a replaced
  answer fails even when the stamp was recomputed).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from . import http as _http
from .files import read_cassette

__all__ = ["cassette_problems", "stamp_cassette", "interactions_sha256", "upstream_sha256",
           "recorded_answers", "missing_cassette_message", "scripted_texts",
           "stamp_unstamped"]


def _sha256(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def interactions_sha256(data: dict[str, Any]) -> str:
    """The hash of a parsed cassette's interactions (the recording's fingerprint)."""
    return _sha256(data.get("interactions", []))


def upstream_sha256(scenario: Any) -> str:
    """The hash of a scenario's ``upstream`` script."""
    return _sha256(list(scenario.upstream))


def _text(value: Any) -> str:
    from unified._backends.mock import format_fields

    return value if isinstance(value, str) else format_fields(value)


def scripted_texts(scenario: Any) -> set[str]:
    """Every answer text the scenario's ``upstream`` script sends: a ``reply`` (raw text
    or output fields) or the ``text``/``fields`` of a rich ``answer`` step."""
    texts = set()
    for step in scenario.upstream:
        if "reply" in step:
            texts.add(_text(step["reply"]))
        answer = step.get("answer")
        if isinstance(answer, dict):
            texts.add(str(answer.get("text") or (_text(answer["fields"])
                                                 if "fields" in answer else "")))
    return texts


def recorded_answers(data: dict[str, Any]) -> list[tuple[int, str]]:
    """``(interaction index, answer text)`` of every successful response in a cassette:
    OpenAI-style ``choices[].message.content`` (HTTP) or Bedrock's ``text``."""
    answers = []
    for index, item in enumerate(data.get("interactions", [])):
        response = item.get("response", {})
        if response.get("status", {}).get("code") != 200:
            continue
        try:
            body = json.loads(response.get("body", {}).get("string") or "null")
        except (TypeError, ValueError):
            continue
        if not isinstance(body, dict):
            continue
        if isinstance(body.get("text"), str):
            answers.append((index, body["text"]))
        for choice in body.get("choices") or []:
            content = (choice.get("message") or {}).get("content")
            if isinstance(content, str):
                answers.append((index, content))
    return answers


def missing_cassette_message(scenario: Any, directory: Path | None = None) -> str:
    """The one message for a scenario whose cassette file does not exist."""
    directory = directory or _http.CASSETTE_DIR
    return (f"cassette {directory.name}/{scenario.cassette} is missing: record it with "
            f"`make record RECORD_ARGS=\"--scenario {scenario.id}\"`")


def cassette_problems(scenario: Any, directory: Path | None = None) -> list[str]:
    """What is wrong with ``scenario``'s cassette (empty when it can be replayed);
    ``directory`` defaults to the replay's cassette folder."""
    directory = directory or _http.CASSETTE_DIR
    path = directory / scenario.cassette
    if not path.is_file():
        # a scenario whose upstream script is empty sends nothing: no cassette needed
        return [missing_cassette_message(scenario, directory)] if scenario.upstream else []
    data = read_cassette(path)
    name = f"{directory.name}/{scenario.cassette}"
    rerecord = f"re-record it with `make record RECORD_ARGS=\"--scenario {scenario.id}\"`"
    stamp = data.get("recording")
    problems = []
    if not isinstance(stamp, dict):
        problems.append(f"{name} carries no recording stamp: {rerecord} (or, for a cassette "
                        f"recorded before stamps existed, `python -m harness stamp "
                        f"--scenario {scenario.id}`)")
    else:
        if stamp.get("interactions_sha256") != interactions_sha256(data):
            problems.append(f"{name} was edited after it was recorded (its interactions no "
                            f"longer match the recording hash): {rerecord}")
        if stamp.get("upstream_sha256") != upstream_sha256(scenario):
            problems.append(f"scenario {scenario.id}'s upstream script changed since "
                            f"{name} was recorded: {rerecord}")
    allowed = scripted_texts(scenario)
    for index, text in recorded_answers(data):
        if text not in allowed:
            problems.append(f"{name} interaction {index} answers {text[:80]!r}, which "
                            f"scenario {scenario.id}'s upstream script never sends")
    return problems


def stamp_cassette(path: Path, scenario: Any) -> None:
    """Append (or replace) the ``recording:`` stamp of a freshly recorded cassette,
    keeping the rest of the file byte for byte."""
    data = read_cassette(path)
    text = path.read_text(encoding="utf-8")
    head = text.split("\nrecording:\n", 1)[0].rstrip("\n") + "\n"
    stamp = (f"recording:\n  interactions_sha256: {interactions_sha256(data)}\n"
             f"  upstream_sha256: {upstream_sha256(scenario)}\n")
    path.write_text(head + stamp, encoding="utf-8")


def stamp_unstamped(scenarios: Any, directory: Path | None = None) -> dict[str, str]:
    """Stamp the cassettes recorded before stamps existed: scenario id -> what was done.
    A cassette is stamped only when the stamp is its one problem (it exists and every
    answer in it is one its ``upstream`` script sends); a stamped one is left alone."""
    directory = directory or _http.CASSETTE_DIR
    done = {}
    for scenario in scenarios:
        path = directory / scenario.cassette
        problems = cassette_problems(scenario, directory)
        if not path.is_file():
            done[scenario.id] = "no cassette (nothing to stamp)" if not problems else \
                "refused: " + problems[0]
        elif not problems:
            done[scenario.id] = "already stamped"
        elif len(problems) == 1 and "carries no recording stamp" in problems[0]:
            stamp_cassette(path, scenario)
            done[scenario.id] = "stamped"
        else:
            done[scenario.id] = "refused: " + "; ".join(problems)
    return done
