"""``python -m harness import``: the sample capture, idempotence, scrubbing and bad lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.__main__ import main
from harness.parity.importers import import_captures
from harness.parity.importers.synth import capture_line
from harness.parity.replay.lint import scan_for_secrets

ROOT = Path(__file__).resolve().parents[4]
SAMPLE = ROOT / "suites" / "imports" / "sample-capture.jsonl"
EXPECTED = ROOT / "suites" / "imports" / "expected"

API_KEY = "sk-proj-Zr8kQ2vX9mN4pL7wT1yB6cD3"
AWS_KEY_ID = "AKIAZ7Q4M2X9P3L6R8T1"
AWS_SECRET = "q9Xv2Lm8Rt4Wz7Kp1Nb6Hc3Jd5Fg0Sa2Ye8Ui4Ow"
EMAIL = "maria.gonzalez@contoso-mail.com"
CARD = "4111 1111 1111 1111"


def _files(directory: Path) -> dict[str, str]:
    return {p.relative_to(directory).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(directory.rglob("*.yaml"))}


def _import(tmp_path: Path, *paths: Path) -> object:
    return import_captures(paths, "openai-jsonl", scenario_dir=tmp_path / "scenarios",
                           cassette_dir=tmp_path / "cassettes")


def test_importing_the_sample_capture_gives_the_committed_expected_scenarios(tmp_path) -> None:
    report = _import(tmp_path, SAMPLE)
    assert report.duplicates and not report.problems
    assert _files(tmp_path) == _files(EXPECTED)


def test_importing_the_same_capture_twice_changes_no_file(tmp_path) -> None:
    _import(tmp_path, SAMPLE)
    first = _files(tmp_path)
    report = _import(tmp_path, SAMPLE)
    assert _files(tmp_path) == first
    assert not report.written and len(report.unchanged) == len(first) // 2


def test_a_line_holding_an_api_key_aws_keys_an_email_and_a_card_yields_files_without_them(
        tmp_path) -> None:
    question = (f"My key {API_KEY} and AWS pair {AWS_KEY_ID} / {AWS_SECRET} stopped "
                f"working; write to {EMAIL}, card {CARD} was charged.")
    capture = tmp_path / "capture.jsonl"
    capture.write_text(capture_line("question -> answer", {"question": question},
                                    {"answer": f"We emailed {EMAIL} about card {CARD}."})
                       + "\n", encoding="utf-8")
    report = _import(tmp_path / "out", capture)
    files = _files(tmp_path / "out")
    assert report.written and len(files) == 2
    for text in files.values():
        for secret in (API_KEY, AWS_KEY_ID, AWS_SECRET, EMAIL, CARD, CARD.replace(" ", "")):
            assert secret not in text
        assert not scan_for_secrets(text)
    assert "<email>" in "".join(files.values()) and "<card-number>" in "".join(files.values())


def test_a_malformed_line_is_reported_with_its_file_and_line_and_the_rest_imported(
        tmp_path) -> None:
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    capture = tmp_path / "broken.jsonl"
    capture.write_text("\n".join([lines[0], '{"request": {"model": "x"', *lines[1:]]) + "\n",
                       encoding="utf-8")
    report = _import(tmp_path / "out", capture)
    assert [str(m).split(": ")[0] for m in report.malformed] == ["broken.jsonl:2"]
    assert len(report.written) == 5


def test_the_cli_exits_1_naming_the_bad_line_and_0_once_everything_is_in(tmp_path,
                                                                         capsys) -> None:
    capture = tmp_path / "c.jsonl"
    capture.write_text(SAMPLE.read_text(encoding="utf-8") + "not json\n", encoding="utf-8")
    args = ["import", str(capture), "--format", "openai-jsonl", "--scenarios",
            str(tmp_path / "s"), "--cassettes", str(tmp_path / "c")]
    assert main(args) == 1
    assert "c.jsonl:7: not JSON" in capsys.readouterr().out
    assert main([*args[:1], str(SAMPLE), *args[2:]]) == 0


def test_a_missing_capture_file_is_an_error_line_and_exit_2(tmp_path, capsys) -> None:
    assert main(["import", str(tmp_path / "nope.jsonl"), "--format", "openai-jsonl"]) == 2
    assert "no such capture file" in capsys.readouterr().err


def test_batch_api_input_and_output_lines_pair_by_custom_id(tmp_path) -> None:
    line = json.loads(SAMPLE.read_text(encoding="utf-8").splitlines()[0])
    inputs = tmp_path / "batch-input.jsonl"
    outputs = tmp_path / "batch-output.jsonl"
    inputs.write_text(json.dumps({"custom_id": "r1", "method": "POST", "url":
                                  "/v1/chat/completions", "body": line["request"]}) + "\n")
    outputs.write_text(json.dumps({"id": "b1", "custom_id": "r1", "response": {
        "status_code": 200, "body": line["response"]}, "error": None}) + "\n")
    report = _import(tmp_path / "out", inputs, outputs)
    assert len(report.written) == 1 and not report.problems
    assert set(_files(tmp_path / "out")) <= set(_files(EXPECTED))


def test_an_mlflow_trace_export_imports_its_chat_model_spans(tmp_path) -> None:
    line = json.loads(SAMPLE.read_text(encoding="utf-8").splitlines()[1])
    trace = {"info": {"trace_id": "tr-1"}, "data": {"spans": [
        {"name": "Predict.forward", "attributes": {"mlflow.spanType": '"CHAIN"'}},
        {"name": "LM.__call__", "attributes": {
            "mlflow.spanType": '"CHAT_MODEL"',
            "mlflow.spanInputs": json.dumps(line["request"]),
            "mlflow.spanOutputs": json.dumps(line["response"])}}]}}
    export = tmp_path / "traces.json"
    export.write_text(json.dumps([trace]), encoding="utf-8")
    report = import_captures([export], "mlflow-traces", scenario_dir=tmp_path / "s",
                             cassette_dir=tmp_path / "c")
    assert len(report.written) == 1 and not report.problems


def test_a_prompt_that_is_not_dspys_is_reported_not_imported(tmp_path) -> None:
    capture = tmp_path / "raw.jsonl"
    capture.write_text(json.dumps({"request": {"model": "gpt-4o", "messages": [
        {"role": "user", "content": "hello"}]}, "response": {"choices": [
            {"message": {"role": "assistant", "content": "hi"}}]}}) + "\n")
    report = _import(tmp_path / "out", capture)
    assert not report.written
    assert "raw.jsonl:1: not imported: the messages are not a DSPy" in report.problems[0]


@pytest.mark.parametrize("program", ["predict", "chain_of_thought"])
def test_the_inferred_program_is_the_one_that_sent_the_prompt(tmp_path, program) -> None:
    import yaml

    outputs = {"answer": "4"} if program == "predict" else {"reasoning": "2+2", "answer": "4"}
    capture = tmp_path / "p.jsonl"
    capture.write_text(capture_line("question -> answer", {"question": "2+2?"}, outputs,
                                    program=program) + "\n")
    _import(tmp_path / "out", capture)
    scenario, = (tmp_path / "out" / "scenarios").glob("*.yaml")
    data = yaml.safe_load(scenario.read_text())
    assert data["program"] == program and data["expect"]["outputs"] == [outputs]


def test_a_call_through_the_gateway_becomes_a_gateway_scenario_for_unified(tmp_path) -> None:
    import yaml

    line = json.loads(capture_line("question -> answer", {"question": "Which route?"},
                                   {"answer": "chat"}))
    capture = tmp_path / "g.jsonl"
    capture.write_text(json.dumps({**line, "endpoint": "/endpoints/chat/invocations"}) + "\n")
    _import(tmp_path / "out", capture)
    scenario, = (tmp_path / "out" / "scenarios").glob("imported-gateway-*.yaml")
    data = yaml.safe_load(scenario.read_text())
    cassette = (tmp_path / "out" / "cassettes" / "gateway" / scenario.name).read_text()
    assert data["config"]["model"] == "chat" and data["implementations"] == ["unified"]
    assert "/endpoints/chat/invocations" in cassette


def test_a_recorded_cassette_imports_as_a_scenario_of_its_call(tmp_path) -> None:
    import yaml

    cassette = ROOT / "cassettes" / "direct" / "enhanced-direct-plain.yaml"
    report = import_captures([cassette], "cassette", scenario_dir=tmp_path / "s",
                             cassette_dir=tmp_path / "c")
    assert len(report.written) == 1 and not report.problems
    data = yaml.safe_load((tmp_path / "s" / f"{report.written[0]}.yaml").read_text())
    assert data["calls"] == [{"question": "What is DSPy?"}]
    assert data["config"] == {"model": "gpt-4o-mini"}
