"""``python -m harness.parity.corpus OUT --count 2000``: a large generated corpus for the gate.

It starts from the calls of the sample capture (``suites/imports/sample-capture.jsonl``)
and writes a capture of ``count`` variations of them — other questions, other models
and sampling parameters, sent straight to the API or through the MLflow gateway —
imports it into ``OUT/scenarios`` and ``OUT/cassettes`` with :mod:`harness.parity.importers`,
and makes every fifth scenario a fault one (a 503 before the answer, retried). Replay
it with ``PARITY_CASSETTE_DIR=OUT/cassettes python -m harness parity --scenario-dir
OUT/scenarios``. The output is deterministic for a given sample and count.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from .importers import import_captures
from .importers.dspy_prompt import infer_dspy_call, parse_outputs
from .importers.formats import Capture, read_captures
from .importers.synth import capture_line

__all__ = ["SAMPLE", "variations", "add_fault", "generate", "main"]

SAMPLE = Path(__file__).resolve().parents[2] / "suites" / "imports" / "sample-capture.jsonl"
_TOPICS = ("the billing service", "order 1042", "the export button", "my access key",
           "the nightly report", "a refund", "the search page", "two-factor login",
           "the API quota", "the mobile app", "an invoice", "the data warehouse")
_ASKS = ("What happened to {}?", "Who owns {}?", "How do I fix {}?", "Why is {} slow?",
         "When was {} last changed?", "Can you summarise {}?")
_MODELS: tuple[tuple[str, dict[str, Any]], ...] = (("gpt-4o-mini", {"temperature": 0.2, "max_tokens": 256}), ("gpt-4o", {}),
           ("gpt-4.1-mini", {"temperature": 0.0}), ("gpt-4o-mini", {"max_tokens": 128}))
_FAULT_STEP = {"fault": {"status": 503}}
_FAULT_BODY = json.dumps({"error": {"code": "503", "message": "scripted fault 503",
                                    "param": None, "type": "server_error"}}, sort_keys=True)


def variations(count: int, sample: Path = SAMPLE) -> list[str]:
    """``count`` capture lines varying the sample's calls (deterministic)."""
    templates = []
    for record in read_captures([sample], "openai-jsonl"):
        if not isinstance(record, Capture):
            continue
        call = infer_dspy_call(record.request["messages"])
        content = record.response["choices"][0]["message"]["content"]
        if call is not None:
            templates.append((call, parse_outputs(call, content) or {}))
    lines = []
    for index in range(count):
        call, outputs = templates[index % len(templates)]
        first = next(iter(call.inputs))
        question = _ASKS[index % len(_ASKS)].format(_TOPICS[(index // 7) % len(_TOPICS)])
        inputs = {**call.inputs, first: f"{question} (ticket {index})"}
        answer = {**outputs, next(reversed(outputs)): f"Answer {index}: see the runbook."}
        model, sampling = _MODELS[(index // len(templates)) % len(_MODELS)]
        line = json.loads(capture_line(call.signature, inputs, answer, model=model,
                                       sampling=sampling, program=call.program,
                                       instructions=call.instructions, demos=call.demos))
        if index % 3 == 2:
            line["endpoint"] = "/endpoints/chat/invocations"
        lines.append(json.dumps(line, ensure_ascii=False))
    return lines


def add_fault(scenario_file: Path, cassette_dir: Path) -> None:
    """Make an imported scenario answer 503 first (retried once, then the answer)."""
    from types import SimpleNamespace

    from .replay.integrity import stamp_cassette

    data = yaml.safe_load(scenario_file.read_text(encoding="utf-8"))
    data["upstream"] = [_FAULT_STEP, *data["upstream"]]
    data["config"]["retry"] = {"max_retries": 2, "base_delay": 0.5}
    data["description"] += "; a 503 first, retried"
    cassette_file = cassette_dir / data["backend"] / f"{data['id']}.yaml"
    cassette = yaml.safe_load(cassette_file.read_text(encoding="utf-8"))
    cassette.pop("recording", None)
    answer = cassette["interactions"][0]
    fault = {"request": answer["request"], "response": {
        "body": {"string": _FAULT_BODY}, "headers": {"content-type": ["application/json"]},
        "status": {"code": 503, "message": "Service Unavailable"}}}
    cassette["interactions"] = [fault, answer]
    scenario_file.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True),
                             encoding="utf-8")
    cassette_file.write_text(yaml.safe_dump(cassette, sort_keys=False, allow_unicode=True),
                             encoding="utf-8")
    stamp_cassette(cassette_file, SimpleNamespace(upstream=tuple(data["upstream"])))


def generate(out: Path, count: int, sample: Path = SAMPLE) -> list[str]:
    """Write the corpus under ``out``; return the scenario ids."""
    out.mkdir(parents=True, exist_ok=True)
    capture = out / "capture.jsonl"
    capture.write_text("\n".join(variations(count, sample)) + "\n", encoding="utf-8")
    report = import_captures([capture], "openai-jsonl", scenario_dir=out / "scenarios",
                             cassette_dir=out / "cassettes")
    for index, scenario in enumerate(report.written):
        if index % 5 == 4:
            add_fault(out / "scenarios" / f"{scenario}.yaml", out / "cassettes")
    return report.written


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m harness.parity.corpus OUT [--count N]``."""
    parser = argparse.ArgumentParser(prog="python -m harness.parity.corpus", description=__doc__)
    parser.add_argument("out", help="directory to write (use a temporary one)")
    parser.add_argument("--count", type=int, default=2000)
    args = parser.parse_args(argv)
    written = generate(Path(args.out), args.count)
    print(f"{len(written)} scenarios in {args.out}/scenarios, cassettes in "
          f"{args.out}/cassettes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
