"""``capabilities_override``: declared in a config dict, a file or the environment."""

from __future__ import annotations

from unified import UnifiedConfig


def test_the_override_round_trips_through_a_dict() -> None:
    config = UnifiedConfig.from_dict({"backend": "gateway", "model": "chat",
                                      "capabilities_override": ["document", "param:*"]})
    assert config.capabilities_override == ("document", "param:*")
    assert UnifiedConfig.from_dict(config.to_dict()) == config


def test_the_override_reads_a_comma_separated_variable() -> None:
    config = UnifiedConfig.from_env({"UNIFIED_CAPABILITIES_OVERRIDE": "image,tools"})
    assert config.capabilities_override == ("image", "tools")


def test_param_star_declares_every_parameter() -> None:
    from unified._backends.gateway import GatewayBackend

    backend = GatewayBackend(UnifiedConfig(backend="gateway", model="chat",
                                           gateway_uri="http://127.0.0.1:9",
                                           capabilities_override=("image", "param:*")))
    caps = backend.capabilities()
    assert caps.carries("param:logprobs") and caps.carries("image")
    assert not caps.carries("audio") and backend.wire == "openai-chat"
