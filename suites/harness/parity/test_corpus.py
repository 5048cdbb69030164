"""The corpus generator: deterministic variations of the sample capture, some faulty."""

from __future__ import annotations

import yaml

from harness.parity.corpus import generate
from harness.parity.replay.files import read_cassette
from harness.parity.replay.integrity import interactions_sha256


def test_the_corpus_varies_backends_and_faults_and_is_the_same_twice(tmp_path) -> None:
    first = generate(tmp_path / "a", 10)
    assert first == generate(tmp_path / "b", 10) and len(set(first)) == 10
    texts = {p.name: p.read_text() for p in (tmp_path / "a" / "scenarios").glob("*.yaml")}
    assert texts == {p.name: p.read_text() for p in (tmp_path / "b" / "scenarios").glob("*.yaml")}
    scenarios = [yaml.safe_load(t) for t in texts.values()]
    assert {s["backend"] for s in scenarios} == {"direct", "gateway"}
    faulty = [s for s in scenarios if s["upstream"][0] == {"fault": {"status": 503}}]
    assert len(faulty) == 2


def test_a_faulty_scenarios_cassette_answers_503_first_and_keeps_a_valid_stamp(tmp_path) -> None:
    generate(tmp_path, 5)
    scenario = next(yaml.safe_load(p.read_text()) for p in (tmp_path / "scenarios").glob("*")
                    if "503" in p.read_text())
    cassette = read_cassette(tmp_path / "cassettes" / scenario["backend"] /
                             f"{scenario['id']}.yaml")
    codes = [i["response"]["status"]["code"] for i in cassette["interactions"]]
    assert codes == [503, 200]
    assert cassette["recording"]["interactions_sha256"] == interactions_sha256(cassette)
