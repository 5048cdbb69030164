"""A part or parameter the backend cannot carry is refused before any backend call."""

from __future__ import annotations

import base64

import pytest

from unified import CacheConfig, Clock, LMRequest, Message, MockBackend, UnifiedConfig
from unified._backends.base import Capabilities
from unified._errors import PermanentError, UnsupportedFeatureError
from unified._pipeline import Pipeline
from unified._types import MediaPart, Reasoning

IMAGE = MediaPart("image", "image/png", data=base64.b64encode(b"img").decode())


def _pipeline(*backends: MockBackend) -> Pipeline:
    return Pipeline(list(backends), UnifiedConfig(backend="mock", cache=CacheConfig()),
                    clock=Clock(sleep=lambda s: None))


def test_an_image_for_a_text_only_backend_fails_before_the_call() -> None:
    backend = MockBackend(["never"], capabilities=Capabilities(), model="text-model")
    with pytest.raises(UnsupportedFeatureError) as err:
        _pipeline(backend).complete(LMRequest("m", [Message("user", ["see", IMAGE])]))
    assert backend.call_count == 0 and isinstance(err.value, PermanentError)
    assert (err.value.feature, err.value.backend, err.value.model) == ("image", "mock",
                                                                      "text-model")
    assert "image" in str(err.value) and "text-model" in str(err.value) and err.value.carrier


def test_an_unmapped_parameter_is_refused_by_name() -> None:
    backend = MockBackend(["never"], capabilities=Capabilities())
    with pytest.raises(UnsupportedFeatureError) as err:
        _pipeline(backend).complete(LMRequest("m", [Message("user", "q")],
                                              params={"logprobs": 2}))
    assert err.value.feature == "param:logprobs" and backend.call_count == 0


def test_reasoning_for_a_backend_without_it_is_refused() -> None:
    backend = MockBackend(["never"], capabilities=Capabilities.of({"image"}))
    with pytest.raises(UnsupportedFeatureError) as err:
        _pipeline(backend).complete(LMRequest("m", [Message("user", "q")],
                                              reasoning=Reasoning("high")))
    assert err.value.feature == "reasoning"


def test_the_chain_declares_what_every_backend_carries() -> None:
    rich, poor = MockBackend(), MockBackend(capabilities=Capabilities.of({"image"}))
    assert _pipeline(rich, poor).capabilities().features == Capabilities.of({"image"}).features
