"""The peer row's workloads and the dashboard's reading of it."""

from __future__ import annotations

import pytest

from harness.perf.peer import PEER_SIDES, adapter_responder, peer_rows, peer_workloads
from harness.stack.upstream import ScriptedUpstream


@pytest.fixture
def server():
    with ScriptedUpstream() as upstream:
        upstream.responder = adapter_responder
        yield upstream


@pytest.mark.parametrize("side", list(PEER_SIDES))
def test_each_peer_side_makes_one_http_request_per_call(server, side: str) -> None:
    load = peer_workloads(server.url, [side])[side]
    try:
        load.run(2)
    finally:
        load.close()
    assert len(server.chat_requests) == 2


def test_every_peer_side_sends_the_same_prompt(server) -> None:
    loads = peer_workloads(server.url)
    try:
        for load in loads.values():
            load.run(1)
    finally:
        for load in loads.values():
            load.close()
    prompts = {str([m["content"] for m in r.json["messages"] if m["role"] == "system"])
               for r in server.chat_requests}
    assert len(server.chat_requests) == len(PEER_SIDES)
    assert len(prompts) == 1


def test_an_unknown_peer_side_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="'lm15'"):
        peer_workloads("http://127.0.0.1:9", ["lm15"])


def _row_bench(commit_sides: dict) -> dict:
    return {"group": "peer", "short": "test_peer_row", "median": 1.0,
            "extra": {"sides": commit_sides}}


def _side(median_s: float, ratio: float) -> dict:
    return {"median_s": median_s, "ratio": ratio, "low": ratio * 0.98, "high": ratio * 1.02,
            "rounds": 15, "calls": 10}


def test_peer_rows_read_the_interleaved_measurement_in_the_dashboards_order() -> None:
    rows = peer_rows([{"group": "peer", "short": "test_peer[gateway]", "median": 0.002},
                      _row_bench({"gateway": _side(0.0011, 1.1), "dspy": _side(0.001, 1.0)})])
    assert [row["side"] for row in rows] == ["dspy", "gateway"]
    assert rows[1]["ratio"] == pytest.approx(1.1)
    assert rows[1]["interval"] == pytest.approx((1.078, 1.122))
    assert rows[0]["median_us"] == pytest.approx(1000.0)


def test_the_interleaved_peer_row_gives_every_side_a_ratio_to_dspy(server) -> None:
    from harness.perf.peer import interleaved_peer

    loads = peer_workloads(server.url, ["dspy", "gateway"])
    try:
        found = interleaved_peer(loads, rounds=3, calls=1)
    finally:
        for load in loads.values():
            load.close()
    assert found["dspy"]["ratio"] == 1.0
    assert found["gateway"]["low"] <= found["gateway"]["ratio"] <= found["gateway"]["high"]
    assert len(server.chat_requests) == 2 * (3 + 3)


def test_the_dashboard_peer_row_shows_the_latest_run_that_measured_it() -> None:
    from harness.report.peer_section import peer_section

    def line(commit: str) -> dict:
        return {"commit": commit, "short_commit": commit, "benchmarks": [
            _row_bench({"dspy": _side(0.003, 1.0), "direct": _side(0.006, 2.0)})]}

    html = peer_section([line("aaa1111"), line("bbb2222"),
                         {"commit": "ccc3333", "benchmarks": [{"group": "peer"}]}])
    assert "bbb2222" in html and "aaa1111" not in html
    assert 'data-side="direct"' in html and "2.000 [1.960–2.040]" in html


def test_the_dashboard_says_when_no_run_measured_the_peer_row() -> None:
    from harness.report.peer_section import peer_section

    assert "make bench" in peer_section([])
