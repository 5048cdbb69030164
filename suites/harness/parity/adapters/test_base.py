"""A call's wire requests are read from its run's environment (the run's wire log)."""

from __future__ import annotations

from pathlib import Path

from harness.parity.adapters.base import RunEnv, as_is, call_outcome, outcomes
from harness.parity.observation import WireEvent


def _env(tmp_path: Path, wire: list[WireEvent]) -> RunEnv:
    return RunEnv("http://127.0.0.1:1", "http://127.0.0.1:2", tmp_path, wire=wire)


def _send(wire: list[WireEvent], status: int = 200) -> None:
    wire.append(WireEvent("POST", "/chat/completions", status, {}))


def test_a_call_counts_the_requests_it_added_to_the_runs_wire_log(tmp_path: Path) -> None:
    wire: list[WireEvent] = []
    _send(wire)                              # sent before the call: not the call's

    def call() -> str:
        _send(wire, 429)
        _send(wire)
        return "ok"

    outcome = call_outcome(_env(tmp_path, wire), call, as_is)
    assert (outcome.outputs, outcome.wire_requests) == ("ok", 2)


def test_a_failed_call_still_counts_its_requests(tmp_path: Path) -> None:
    wire: list[WireEvent] = []

    def call() -> str:
        _send(wire, 503)
        raise RuntimeError("upstream down")

    outcome = call_outcome(_env(tmp_path, wire), call, as_is)
    assert (outcome.error_class, outcome.wire_requests) == ("RuntimeError", 1)


def test_each_run_counts_only_its_own_wire_log(tmp_path: Path) -> None:
    mine: list[WireEvent] = []
    other: list[WireEvent] = []
    env, other_env = _env(tmp_path, mine), _env(tmp_path, other)

    def call(inputs: dict[str, int]) -> int:
        for _ in range(inputs["n"]):
            _send(mine)
        outcomes(other_env, [{"n": 0}], lambda c: _send(other), as_is)
        return inputs["n"]

    counted = [o.wire_requests for o in outcomes(env, [{"n": 1}, {"n": 3}], call, as_is)]
    assert counted == [1, 3]
