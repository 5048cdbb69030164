"""Each shim warns once per construction, naming the replacement, at the caller's line."""

from __future__ import annotations

import warnings

import pytest

from unified import MockBackend
from unified.compat import configs
from unified.compat.base_module import DynamicDSPyModule, get_signature_class, get_signature_names
from unified.compat.dspy_bedrock_enhanced import DSPyBedrockEnhanced, DSPyBedrockEnhancedWrapper
from unified.compat.dspy_enhanced import DSPyEnhancedWrapper, compliance
from unified.compat.dspy_gateway_backend import (
    DSPyGatewayLM,
    TidyLLMGatewayBackend,
    configure_dspy_with_gateway,
)
from unified.compat.dspy_wrapper import DSPyWrapper
from unified.compat.providers import chat, claude

SHIMS = {
    "DSPyEnhancedWrapper": lambda: DSPyEnhancedWrapper(backend=MockBackend()),
    "DSPyBedrockEnhancedWrapper": lambda: DSPyBedrockEnhancedWrapper(backend=MockBackend()),
    "TidyLLMGatewayBackend": lambda: TidyLLMGatewayBackend(backend=MockBackend()),
    "DSPyGatewayLM": lambda: DSPyGatewayLM("chat", backend=MockBackend()),
    "DSPyWrapper": lambda: DSPyWrapper(backend=MockBackend()),
    "DynamicDSPyModule": lambda: DynamicDSPyModule(get_signature_class("Forecasting")),
    "RetryConfig": lambda: configs.RetryConfig(),
    "CacheConfig": lambda: configs.CacheConfig(),
    "ValidationConfig": lambda: configs.ValidationConfig(),
    "DSPyGatewayConfig": lambda: configs.DSPyGatewayConfig(),
    "BedrockConfig": lambda: configs.BedrockConfig(),
    "DSPyConfig": lambda: configs.DSPyConfig(),
}


def _deprecations(make) -> list[warnings.WarningMessage]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        make()
    return [w for w in caught if issubclass(w.category, DeprecationWarning)]


@pytest.mark.parametrize("old", sorted(SHIMS))
def test_each_shim_warns_once_naming_its_replacement_at_the_caller(old) -> None:
    found = _deprecations(SHIMS[old])
    assert len(found) == 1
    assert str(found[0].message).startswith(f"{old} is deprecated; use ")
    assert found[0].filename == __file__


def test_the_bedrock_subclass_and_its_alias_warn_once_under_their_name() -> None:
    found = _deprecations(lambda: DSPyBedrockEnhanced(backend=MockBackend()))
    assert [str(w.message).split(" ")[0] for w in found] == ["DSPyBedrockEnhancedWrapper"]


def test_configure_dspy_with_gateway_warns_once() -> None:
    import dspy

    try:
        found = _deprecations(lambda: configure_dspy_with_gateway("chat", backend=MockBackend()))
    finally:
        dspy.configure(lm=None)
    assert [str(w.message).split(" ")[0] for w in found] == ["configure_dspy_with_gateway"]


def test_presets_build_their_configs_without_warning() -> None:
    assert _deprecations(compliance) == []


def test_a_wrapper_built_from_a_preset_warns_once() -> None:
    assert len(_deprecations(lambda: DSPyEnhancedWrapper(**compliance(),
                                                         backend=MockBackend()))) == 1


def test_the_registry_and_the_provider_api_do_not_warn() -> None:
    assert _deprecations(get_signature_names) == []
    assert _deprecations(lambda: chat(claude(backend=MockBackend(["x"])))("hi")) == []
