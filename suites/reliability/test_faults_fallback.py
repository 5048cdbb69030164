"""Fallback chains across real backends, and what the cache may keep while they fail.

The primary stays down (a gateway nobody listens for, or the real gateway answering 503):
every call pays the primary's full retry budget, then the fallback answers; when every
backend is down the last one's error is raised. The cache never stores a validation
failure, and never stores a fallback's answer under the primary's key, so the primary's
own answer is fetched as soon as it is back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from harness.stack.moto_bedrock import BedrockFault, BedrockReply, BedrockScript
from harness.stack.upstream import Fault, Reply, ScriptedUpstream, closed_port
from suites.reliability.conftest import (
    AWS_CREDENTIALS,
    DIRECT_KEY,
    GATEWAY_KEY,
    RETRY,
    ReliabilityReport,
)
from unified import (
    CacheConfig,
    Clock,
    ConnectionError,
    FallbackExceptionGroup,
    LMRequest,
    Message,
    RetryConfig,
    ServerError,
    UnifiedConfig,
    UnifiedDSPyWrapper,
    UnifiedError,
    ValidationConfig,
    ValidationError,
)
from unified._backends.mock import format_fields

CALLS = 4
GATEWAY_DOWN = UnifiedConfig(backend="gateway", gateway_uri=f"http://127.0.0.1:{closed_port()}",
                             gateway_endpoint="chat", gateway_api_key=GATEWAY_KEY, retry=RETRY)
QUESTION = LMRequest("m", (Message("user", "What is 2+2?"),))


def question(i: int) -> LMRequest:
    """A distinct request per call."""
    return LMRequest("m", (Message("user", f"question {i}"),))


def direct_on(upstream: ScriptedUpstream) -> UnifiedConfig:
    """A direct backend on the scripted upstream (no retries of its own)."""
    return UnifiedConfig(backend="direct", model="openai/gpt-4o-mini", api_base=upstream.base_url,
                         api_key=DIRECT_KEY)


@dataclass
class Run:
    """What a sequence of calls through one wrapper did."""

    results: list[Any]
    sleeps: list[float]
    records: list[Any]
    metrics: dict[str, Any]
    identities: list[Any]

    def attempts(self, index: int) -> list[tuple[str, str | None]]:
        """(backend, error) of every attempt of call ``index``."""
        return [(a.backend, a.error) for a in self.records[index].attempts]


def run(config: UnifiedConfig, requests: Sequence[LMRequest]) -> Run:
    """Send ``requests`` in turn; an error is kept as the call's result."""
    sleeps: list[float] = []
    records: list[Any] = []
    results: list[Any] = []
    with UnifiedDSPyWrapper(config, clock=Clock(sleep=sleeps.append)) as wrapper:
        wrapper.pipeline.listeners.append(records.append)
        for request in requests:
            try:
                results.append(wrapper.pipeline.complete(request))
            except UnifiedError as exc:
                results.append(exc)
        identities = [b.identity() for b in wrapper.pipeline.backends]  # type: ignore[attr-defined]
        return Run(results, sleeps, records, wrapper.get_metrics(), identities)


# -- the fallback chain --------------------------------------------------------------------
def test_a_primary_that_stays_down_costs_its_retries_on_every_call_then_the_fallback_answers(
        upstream: ScriptedUpstream, reliability_report: ReliabilityReport) -> None:
    config = GATEWAY_DOWN.with_overrides(fallbacks=(direct_on(upstream),))
    done = run(config, [question(i) for i in range(CALLS)])
    assert [r.text for r in done.results] == [f"echo: question {i}" for i in range(CALLS)]
    assert done.sleeps == [1.0, 2.0] * CALLS
    assert all(done.attempts(i) == [("gateway", "ConnectionError")] * 3 + [("direct", None)]
               for i in range(CALLS))
    assert all(r.fallback_used and r.answered_by == done.identities[1] for r in done.records)
    m = done.metrics
    assert (m["total_requests"], m["successful_requests"], m["attempts"]) == (CALLS, CALLS,
                                                                            4 * CALLS)
    assert m["errors_by_class"] == {"ConnectionError": 3 * CALLS}
    assert m["per_backend"] == {"direct": {"requests": CALLS, "successes": CALLS, "failures": 0}}
    reliability_report.add("fallback", primary_down_calls=CALLS, answered_by_fallback=CALLS,
                           primary_attempts_per_call=3, waits_per_call=[1.0, 2.0])


def test_when_every_backend_stays_down_every_backends_error_is_raised_as_a_group(
        bedrock: BedrockScript, reliability_report: ReliabilityReport) -> None:
    bedrock.script(*[BedrockFault("ServiceUnavailableException")] * 2)
    fallback = UnifiedConfig(backend="bedrock", model="claude-3-haiku", **AWS_CREDENTIALS,
                             retry=RetryConfig(max_retries=1, base_delay=0.5))
    done = run(GATEWAY_DOWN.with_overrides(fallbacks=(fallback,)), [QUESTION])
    group = done.results[0]
    assert isinstance(group, FallbackExceptionGroup) and group.backend == "bedrock"
    assert [(type(e), e.backend) for e in group.exceptions] == [
        (ConnectionError, "gateway"), (ServerError, "bedrock")]
    assert done.attempts(0) == [("gateway", "ConnectionError")] * 3 + [
        ("bedrock", "ServerError")] * 2
    assert done.sleeps == [1.0, 2.0, 0.5] and len(bedrock.calls) == 2
    assert done.metrics["failed_requests"] == 1
    assert done.metrics["per_backend"] == {"none": {"requests": 1, "successes": 0,
                                                    "failures": 1}}
    reliability_report.add("fallback", all_down_raises="FallbackExceptionGroup of every "
                           "backend's error")


def test_a_dspy_program_keeps_answering_through_bedrock_while_the_gateway_is_down(
        bedrock: BedrockScript) -> None:
    bedrock.responder = lambda call: BedrockReply(format_fields({"answer": "4"}))
    fallback = UnifiedConfig(backend="bedrock", model="claude-3-haiku", **AWS_CREDENTIALS)
    config = GATEWAY_DOWN.with_overrides(fallbacks=(fallback,))
    with UnifiedDSPyWrapper(config, clock=Clock(sleep=lambda s: None)) as wrapper:
        qa = wrapper.create_module("question -> answer")
        answers = [qa.predict(question=f"What is {i}+{4 - i}?").answer for i in range(CALLS)]
    assert answers == ["4"] * CALLS and len(bedrock.calls) == CALLS


# -- what the cache keeps ------------------------------------------------------------------
def test_a_fallbacks_answer_is_never_served_for_the_primarys_key(
        gateway, upstream: ScriptedUpstream, tmp_path: Path,
        reliability_report: ReliabilityReport) -> None:
    gateway.upstream.script(*[Fault(503)] * 3)
    upstream.responder = lambda body: Reply("from the fallback")
    config = UnifiedConfig(backend="gateway", gateway_uri=gateway.gateway_url,
                           gateway_endpoint="chat", retry=RETRY, fallbacks=(direct_on(upstream),),
                           cache=CacheConfig(directory=str(tmp_path)))
    done = run(config, [QUESTION] * 3)
    assert [r.text for r in done.results] == ["from the fallback", "echo: What is 2+2?",
                                              "echo: What is 2+2?"]
    assert [r.cache for r in done.records] == ["miss", "miss", "hit"]
    assert [r.answered_by for r in done.records[:2]] == done.identities[::-1]
    assert len(gateway.upstream.chat_requests) == 4 and len(upstream.chat_requests) == 1
    reliability_report.add("cache_rules", fallback_answer_under_primary_key=0)


def test_the_disk_holds_a_fallbacks_answer_only_under_the_fallbacks_key(
        upstream: ScriptedUpstream, tmp_path: Path) -> None:
    config = GATEWAY_DOWN.with_overrides(fallbacks=(direct_on(upstream),),
                                         cache=CacheConfig(directory=str(tmp_path)))
    with UnifiedDSPyWrapper(config, clock=Clock(sleep=lambda s: None)) as wrapper:
        wrapper.pipeline.complete(QUESTION)
        cache, fallback = wrapper.pipeline.cache, wrapper.pipeline.backends[1]
        assert cache is not None and cache.disk is not None and len(cache.disk) == 1
        assert cache.disk.get(cache.key_for(QUESTION)) is None
        stored = cache.disk.get(cache.key_for(QUESTION, fallback.identity()))
    assert stored is not None and stored["backend"] == "direct"


@pytest.mark.parametrize("answer", ["", "no"], ids=["empty", "too short"])
def test_a_validation_failure_is_never_cached(
        upstream: ScriptedUpstream, tmp_path: Path, answer: str,
        reliability_report: ReliabilityReport) -> None:
    upstream.script(Reply(answer), Reply("four"))
    config = direct_on(upstream).with_overrides(cache=CacheConfig(directory=str(tmp_path)),
                                                validation=ValidationConfig(min_length=3))
    done = run(config, [QUESTION] * 3)
    assert type(done.results[0]) is ValidationError and done.results[0].reason == "too_short"
    assert [getattr(r, "text", None) for r in done.results[1:]] == ["four", "four"]
    assert [r.cache for r in done.records] == ["miss", "miss", "hit"]
    assert len(upstream.chat_requests) == 2
    reliability_report.add("cache_rules", validation_failures_cached=0)
