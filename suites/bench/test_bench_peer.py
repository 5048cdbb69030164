"""The peer row (group ``peer``): the same ``dspy.Predict`` against the same local
OpenAI-compatible server through DSPy's own client (``dspy.LM("openai/…", api_base=…)``,
engine auto and litellm) and through the wrapper's gateway and direct backends."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from harness.perf.peer import PEER_SIDES, adapter_responder, peer_workloads
from harness.perf.subjects import Workload


@pytest.fixture(scope="module")
def peer_url() -> Iterator[str]:
    """A scripted server answering in the ChatAdapter's format, for this module."""
    from harness.stack.upstream import ScriptedUpstream

    with ScriptedUpstream() as server:
        server.responder = adapter_responder
        yield server.url


@pytest.mark.benchmark(group="peer")
@pytest.mark.parametrize("side", list(PEER_SIDES))
def test_peer(benchmark, workload: list[Workload], peer_url: str, side: str) -> None:
    """One ``Predict`` call, one HTTP round trip, on each path."""
    load = peer_workloads(peer_url, [side])[side]
    workload.append(load)
    load.run(3)  # connect and warm up outside the measurement
    benchmark(load.run, 1)


@pytest.mark.benchmark(group="peer")
def test_peer_row(benchmark, workload: list[Workload], peer_url: str) -> None:
    """Every side interleaved, round after round (the dashboard's peer row)."""
    from harness.perf.peer import interleaved_peer

    loads = peer_workloads(peer_url)
    workload.extend(loads.values())
    sides = benchmark.pedantic(interleaved_peer, args=(loads,), rounds=1, iterations=1)
    benchmark.extra_info["sides"] = sides
