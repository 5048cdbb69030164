"""Telemetry against recorded traffic: every backend (gateway and direct through vcrpy
cassettes, Bedrock through the moto responder), the native adapter of the parity harness
with telemetry switched on, and the spans read back from the SDK's in-memory exporter.

The fallback scenarios fail the primary past its retries on the recorded wire, then a
fallback answers: the gateway falls back to the direct provider, the direct provider to
the gateway, and a Bedrock model to another Bedrock model.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from harness.parity.adapters.native import NativeUnifiedAdapter, unified_config_for
from harness.parity.run import observe
from harness.parity.scenarios import SCENARIO_DIR, load_scenario
from suites.unit.features.otel_capture import ALWAYS, ANSWERED, OTelCapture

SYSTEM = {"gateway": "mlflow.gateway", "direct": "openai", "bedrock": "aws.bedrock"}
#: backend -> (success, retried, cache repeat, permanent failure) scenario ids
SCENARIOS = {
    "gateway": ("gateway-predict-plain", "gateway-503-then-success", "simple-cache-repeat",
                "gateway-401-permanent"),
    "direct": ("enhanced-direct-plain", "enhanced-direct-503-then-success",
               "enhanced-direct-cache-repeat", "enhanced-direct-401-permanent"),
    "bedrock": ("bedrock-predict-plain", "bedrock-throttling-then-success",
                "bedrock-cache-repeat", "bedrock-access-denied"),
}
PERMANENT_ERROR = {"gateway": "AuthError", "direct": "AuthError", "bedrock": "AuthError"}
#: primary backend -> (fallback scenario id, the backend kind that answers, the
#: transient error type each failed attempt of the primary carries)
FALLBACKS = {
    "gateway": ("gateway-fallback-to-direct", "direct", "ServerError"),
    "direct": ("enhanced-direct-fallback-to-gateway", "gateway", "ServerError"),
    "bedrock": ("bedrock-fallback-model", "bedrock", "ServerError"),
}


class TracedNative(NativeUnifiedAdapter):
    """The native adapter with telemetry reporting to the test's providers."""

    name = "unified+telemetry"

    def __init__(self, capture: OTelCapture) -> None:
        super().__init__()
        self.capture = capture

    def setup(self, scenario: Any, env: Any) -> None:
        from unified import Clock, UnifiedDSPyWrapper

        config = unified_config_for(scenario, env).with_overrides(
            telemetry=self.capture.config())
        self.env = env  # the run's environment (its wire log), as the native adapter keeps it
        self.wrapper = UnifiedDSPyWrapper(config, clock=Clock(sleep=env.sleep))


@pytest.fixture
def otel() -> Iterator[OTelCapture]:
    capture = OTelCapture()
    yield capture
    capture.shutdown()


def replay(otel: OTelCapture, scenario_id: str) -> tuple[Any, list[dict[str, Any]]]:
    scenario = load_scenario(SCENARIO_DIR / f"{scenario_id}.yaml")
    observation, _ = observe(TracedNative(otel), scenario)
    assert observation.setup_error is None
    assert observation.replay_misses == []
    return observation, [dict(call.attributes or {}) for call in otel.calls]


@pytest.mark.parametrize("backend", sorted(SCENARIOS))
def test_a_recorded_success_has_every_attribute(otel: OTelCapture, backend: str) -> None:
    observation, [attrs] = replay(otel, SCENARIOS[backend][0])
    assert ALWAYS | ANSWERED <= set(attrs)
    assert (attrs["gen_ai.system"], attrs["unified.backend.kind"]) == (SYSTEM[backend], backend)
    assert attrs["gen_ai.response.finish_reasons"] == ("stop",)
    assert attrs["gen_ai.usage.input_tokens"] > 0 and attrs["gen_ai.usage.output_tokens"] > 0
    assert (attrs["unified.attempts"], attrs["unified.fallback_used"]) == (1, False)
    assert attrs["unified.answered_by.endpoint"] == attrs["unified.backend.endpoint"]
    assert "error.type" not in attrs
    assert len(otel.attempts(otel.calls[0])) == 1 == len(observation.wire)


@pytest.mark.parametrize("backend", sorted(SCENARIOS))
def test_a_recorded_retry_has_one_span_per_attempt_on_the_wire(otel: OTelCapture,
                                                               backend: str) -> None:
    observation, [attrs] = replay(otel, SCENARIOS[backend][1])
    attempts = otel.attempts(otel.calls[0])
    assert attrs["unified.attempts"] == len(attempts) == len(observation.wire) >= 2
    assert attrs["unified.retry.waits"] == tuple(observation.delays)
    assert [dict(a.attributes or {}).get("error.type") is None for a in attempts] == [
        False] * (len(attempts) - 1) + [True]
    assert otel.total("unified.client.retries") == len(attempts) - 1


@pytest.mark.parametrize("backend", sorted(SCENARIOS))
def test_a_recorded_cache_repeat_is_a_miss_then_a_hit(otel: OTelCapture, backend: str) -> None:
    observation, calls = replay(otel, SCENARIOS[backend][2])
    assert [c["unified.cache"] for c in calls] == ["miss", "hit"]
    assert [c["unified.attempts"] for c in calls] == [1, 0] and len(observation.wire) == 1
    assert (otel.total("unified.client.cache.hits"),
            otel.total("unified.client.cache.misses")) == (1, 1)


@pytest.mark.parametrize("backend", sorted(SCENARIOS))
def test_a_recorded_permanent_failure_is_one_failed_attempt(otel: OTelCapture,
                                                            backend: str) -> None:
    observation, [attrs] = replay(otel, SCENARIOS[backend][3])
    assert attrs["error.type"] == PERMANENT_ERROR[backend]
    assert attrs["unified.attempts"] == 1 == len(observation.wire)
    assert not ANSWERED & set(attrs)
    assert otel.calls[0].status.status_code.name == "ERROR"


@pytest.mark.parametrize("backend", sorted(FALLBACKS))
def test_a_recorded_fallback_names_the_backend_that_answered(otel: OTelCapture,
                                                             backend: str) -> None:
    scenario_id, answered_kind, _ = FALLBACKS[backend]
    observation, [attrs] = replay(otel, scenario_id)
    assert [call.error_class for call in observation.calls] == [None]
    assert ALWAYS | ANSWERED <= set(attrs)
    assert attrs["unified.fallback_used"] is True
    assert (attrs["unified.backend.kind"], attrs["gen_ai.system"]) == (backend, SYSTEM[backend])
    assert attrs["unified.answered_by.kind"] == answered_kind
    primary = (attrs["unified.backend.endpoint"], attrs["gen_ai.request.model"])
    answered = (attrs["unified.answered_by.endpoint"], attrs["unified.answered_by.model"])
    assert answered != primary        # and the answering model is what the wire last addressed
    assert answered[1].rsplit("/", 1)[-1] == observation.wire[-1].request["target"]
    assert "error.type" not in attrs and otel.calls[0].status.status_code.name == "UNSET"
    assert attrs["gen_ai.usage.input_tokens"] > 0 and attrs["gen_ai.usage.output_tokens"] > 0


@pytest.mark.parametrize("backend", sorted(FALLBACKS))
def test_a_recorded_fallback_has_one_span_per_attempt_of_each_backend(otel: OTelCapture,
                                                                      backend: str) -> None:
    scenario_id, answered_kind, failure = FALLBACKS[backend]
    observation, [attrs] = replay(otel, scenario_id)
    spans = [dict(a.attributes or {}) for a in otel.attempts(otel.calls[0])]
    assert len(spans) == attrs["unified.attempts"] == len(observation.wire) == 3
    tried = [(a["unified.backend.kind"], a["unified.backend.endpoint"],
              a["unified.backend.model"]) for a in spans]
    primary = (backend, attrs["unified.backend.endpoint"], tried[0][2])
    assert tried == [primary, primary, (answered_kind, attrs["unified.answered_by.endpoint"],
                                        attrs["unified.answered_by.model"])]
    assert [a.get("error.type") for a in spans] == [failure, failure, None]
    assert [a["unified.attempt"] for a in spans] == [1, 2, 3]


@pytest.mark.parametrize("backend", sorted(FALLBACKS))
def test_a_recorded_fallback_counts_only_the_primarys_retry(otel: OTelCapture,
                                                            backend: str) -> None:
    observation, [attrs] = replay(otel, FALLBACKS[backend][0])
    assert (attrs["unified.retries"], attrs["unified.retry.waits"]) == (
        1, tuple(observation.delays)) and len(observation.delays) == 1
    assert otel.total("unified.client.retries") == 1
