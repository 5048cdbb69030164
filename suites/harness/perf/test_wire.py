"""The wire pairs' counted subjects: an HTTP client in the counting child, its server in
the gate's own process. Run in-process here, against a real local upstream."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from harness.perf.server import run_job
from harness.perf.wire import UPSTREAM_ENV, WIRE_SUBJECTS, serving, wire_workload


def test_serving_starts_an_upstream_only_for_wire_subjects() -> None:
    with serving(["bare engine", "unified Predict"]) as url:
        assert url is None and UPSTREAM_ENV not in os.environ


def test_serving_hands_its_address_to_the_children_and_takes_it_back() -> None:
    with serving(["gateway backend"]) as url:
        assert url and os.environ[UPSTREAM_ENV] == url
    assert UPSTREAM_ENV not in os.environ


@pytest.mark.parametrize("subject", sorted(WIRE_SUBJECTS))
def test_every_wire_subject_runs_as_a_counting_job_against_the_upstream(
        subject: str, tmp_path: Path) -> None:
    with serving([subject]):
        run_job({"id": "w", "subject": subject, "calls": 2, "warmup": 1}, tmp_path)
    assert json.loads((tmp_path / "w.json").read_text())["id"] == "w"


def test_a_wire_subject_without_an_upstream_says_how_to_count_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(UPSTREAM_ENV, raising=False)
    with pytest.raises(RuntimeError, match="serving"):
        wire_workload("raw httpx")
