"""One replay (vcrpy patching, cassette load, moto) serves every implementation of a
scenario: rewound between them, each still sees every recorded interaction."""

from __future__ import annotations

import pytest

import harness.parity.run as parity
from harness.parity.scenarios import SCENARIO_DIR, load_scenario

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.mark.parametrize("name", ["enhanced-direct-503-then-success", "bedrock-predict-plain"])
def test_a_scenario_opens_its_replay_once_and_every_implementation_replays_clean(
        monkeypatch, name) -> None:
    opened = []
    original = parity._replay

    def counting(scenario, record):  # type: ignore[no-untyped-def]
        opened.append(scenario.id)
        return original(scenario, record)

    monkeypatch.setattr(parity, "_replay", counting)
    result = parity.run_scenario(load_scenario(SCENARIO_DIR / f"{name}.yaml"))
    assert opened == [name]
    assert len(result.results) == 3 and not result.failed
    assert all(not r.problems for r in result.results)
