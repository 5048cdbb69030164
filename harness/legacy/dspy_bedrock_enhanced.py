"""Legacy ``dspy_bedrock_enhanced``: the enhanced wrapper on AWS Bedrock (spec section 3).

[chosen] decisions followed exactly: ``estimate_cost`` returns
``{"input_cost", "output_cost", "total_cost"}`` in USD from one per-1k-token price table,
kept in ``harness/legacy/data/bedrock_prices.json`` (AWS's on-demand list prices for the
six friendly-name models). Retry, cache, validation, batch and metrics come from
:class:`~harness.legacy.dspy_enhanced.DSPyEnhancedWrapper` (section 1).

Decided here (the spec is silent):
- SDK retries are OFF: the lazily created client uses
  ``botocore.config.Config(retries={"total_max_attempts": 1})`` so that the enhanced
  retry loop is the only one. The legacy client probably kept botocore's default
  retries; the harness turns them off so attempt counts are the wrapper's alone.
- The client comes from a ``boto3.Session`` built from the config's profile / keys /
  session token for ``region``; boto3 is imported only then.
- Every model gets the Anthropic messages body, titan models included (the legacy sent
  no other body). ``"system"`` (all system messages joined by blank lines) follows
  ``"messages"`` in the body. The single user message is the one non-system message's
  text verbatim; several (DSPy demos) are flattened as ``"User: …"``/``"Assistant: …"``
  parts joined by blank lines. ``max_tokens``/``temperature`` are the LM's (1000, 0.7)
  unless the DSPy call passes explicit values. Usage comes from the answer's
  ``usage.input_tokens``/``output_tokens`` when present.
- The settings YAML may be missing or unreadable: a warning is logged and only the
  built-in mapping is used. Its ``aws.bedrock.model_mapping`` entries override the
  built-in ones of the same name.
- ``estimate_cost`` resolves friendly names first; an unknown model is priced as the
  default model; costs are rounded to 8 decimals.

Test seams (keyword-only): ``client`` (a ready bedrock-runtime client, e.g. with a
botocore ``Stubber``) on the wrapper and on :class:`BedrockLM`.
"""

from __future__ import annotations

import functools
import json
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import dspy
import yaml

from ._lm_base import (
    LegacyForwardLM,
    call_params,
    completion_response,
    flatten_messages,
    message_text,
    prompt_messages,
)
from .dspy_enhanced import DEFAULT_MODEL, DSPyEnhancedWrapper, EnhancedModule

__all__ = ["ANTHROPIC_VERSION", "MODEL_MAPPING", "BedrockConfig", "BedrockLM",
           "DSPyBedrockEnhanced", "DSPyBedrockEnhancedWrapper", "create_bedrock_client",
           "estimate_cost", "load_model_mapping", "load_prices", "resolve_model_id"]

logger = logging.getLogger(__name__)

ANTHROPIC_VERSION = "bedrock-2023-05-31"
PRICES_PATH = Path(__file__).with_name("data") / "bedrock_prices.json"
MODEL_MAPPING: dict[str, str] = {
    "claude-3-haiku": "anthropic.claude-3-haiku-20240307-v1:0",
    "claude-3-sonnet": "anthropic.claude-3-sonnet-20240229-v1:0",
    "claude-3-5-sonnet": "anthropic.claude-3-5-sonnet-20241022-v2:0",
    "claude-3-opus": "anthropic.claude-3-opus-20240229-v1:0",
    "titan-text-express": "amazon.titan-text-express-v1",
    "titan-text-lite": "amazon.titan-text-lite-v1",
}


@dataclass
class BedrockConfig:
    """Region, credentials and default model of the Bedrock client."""

    region: str = "us-east-1"
    profile: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = None
    session_token: str | None = None
    default_model: str = DEFAULT_MODEL

    @classmethod
    def from_value(cls, value: BedrockConfig | Mapping[str, Any] | None) -> BedrockConfig:
        """Accept a config, a plain dict with the same keys, or ``None`` (defaults)."""
        if value is None:
            return cls()
        if isinstance(value, BedrockConfig):
            return value
        unknown = set(value) - {f.name for f in fields(cls)}
        if unknown:
            raise TypeError(f"unknown BedrockConfig keys: {', '.join(sorted(unknown))}")
        return cls(**dict(value))


def resolve_model_id(name: str, mapping: Mapping[str, str] | None = None) -> str:
    """A friendly name's model id; anything else passes through unchanged."""
    return (MODEL_MAPPING if mapping is None else mapping).get(name, name)


def load_model_mapping(settings_path: str | Path | None) -> dict[str, str]:
    """``aws.bedrock.model_mapping`` of a settings YAML file (``{}`` when absent)."""
    if settings_path is None:
        return {}
    try:
        settings = yaml.safe_load(Path(settings_path).read_text(encoding="utf-8")) or {}
        mapping = settings.get("aws", {}).get("bedrock", {}).get("model_mapping", {}) or {}
        return {str(k): str(v) for k, v in mapping.items()}
    except (OSError, yaml.YAMLError, AttributeError) as exc:
        logger.warning("could not read Bedrock settings %s: %s", settings_path, exc)
        return {}


@functools.cache
def load_prices() -> dict[str, Any]:
    """The price table (``models``: model id -> ``{"input", "output"}`` USD per 1k tokens)."""
    return json.loads(PRICES_PATH.read_text(encoding="utf-8"))


def estimate_cost(model_id: str, input_tokens: int, output_tokens: int, *,
                  model_mapping: Mapping[str, str] | None = None) -> dict[str, float]:
    """USD cost of a call: ``{"input_cost", "output_cost", "total_cost"}``."""
    table = load_prices()
    prices = table["models"].get(resolve_model_id(model_id, model_mapping),
                                 table["models"][table["default_model"]])
    input_cost = round(input_tokens / 1000 * prices["input"], 8)
    output_cost = round(output_tokens / 1000 * prices["output"], 8)
    return {"input_cost": input_cost, "output_cost": output_cost,
            "total_cost": round(input_cost + output_cost, 8)}


def create_bedrock_client(config: BedrockConfig) -> Any:
    """A boto3 ``bedrock-runtime`` client for ``config`` with SDK retries off."""
    import boto3
    from botocore.config import Config

    session = boto3.Session(profile_name=config.profile, aws_access_key_id=config.access_key_id,
                            aws_secret_access_key=config.secret_access_key,
                            aws_session_token=config.session_token, region_name=config.region)
    return session.client("bedrock-runtime", region_name=config.region,
                          config=Config(retries={"total_max_attempts": 1}))


class BedrockLM(LegacyForwardLM):
    """The DSPy LM of Bedrock modules: ``invoke_model`` with the Anthropic messages body."""

    def __init__(self, model_id: str, *, client: Any = None,
                 client_factory: Callable[[], Any] | None = None,
                 max_tokens: int = 1000, temperature: float = 0.7) -> None:
        if client is None and client_factory is None:
            raise ValueError("BedrockLM needs a client or a client_factory")
        super().__init__(model=model_id, temperature=temperature, max_tokens=max_tokens,
                         cache=False)
        self._client = client
        self._client_factory = client_factory

    @property
    def client(self) -> Any:
        """The bedrock-runtime client (created on first use from the factory)."""
        if self._client is None:
            assert self._client_factory is not None
            self._client = self._client_factory()
        return self._client

    def build_body(self, messages: list[dict[str, Any]], **params: Any) -> dict[str, Any]:
        """The Anthropic messages body for DSPy's chat ``messages``."""
        system = [message_text(m.get("content")) for m in messages if m.get("role") == "system"]
        rest = [m for m in messages if m.get("role") != "system"]
        prompt = message_text(rest[0].get("content")) if len(rest) == 1 else flatten_messages(rest)
        body: dict[str, Any] = {
            "anthropic_version": ANTHROPIC_VERSION,
            "max_tokens": params.get("max_tokens", self.kwargs["max_tokens"]),
            "temperature": params.get("temperature", self.kwargs["temperature"]),
            "messages": [{"role": "user", "content": prompt}],
        }
        if system:
            body["system"] = "\n\n".join(system)
        return body

    def forward(self, prompt: str | None = None, messages: list[dict[str, Any]] | None = None,
                **kwargs: Any) -> dict[str, Any]:
        """Invoke the model; an OpenAI-shaped completion of ``body["content"][0]["text"]``."""
        body = self.build_body(prompt_messages(prompt, messages), **call_params(kwargs))
        response = self.client.invoke_model(modelId=self.model, contentType="application/json",
                                            accept="application/json", body=json.dumps(body))
        payload = json.loads(response["body"].read())
        usage = payload.get("usage") or {}
        tokens_in, tokens_out = usage.get("input_tokens"), usage.get("output_tokens")
        openai_usage = ({"prompt_tokens": tokens_in, "completion_tokens": tokens_out,
                         "total_tokens": tokens_in + tokens_out}
                        if isinstance(tokens_in, int) and isinstance(tokens_out, int) else None)
        return completion_response(payload["content"][0]["text"], self.model, openai_usage)


class DSPyBedrockEnhancedWrapper(DSPyEnhancedWrapper):
    """The enhanced wrapper whose Bedrock modules call ``invoke_model`` directly."""

    def __init__(self, bedrock_config: BedrockConfig | Mapping[str, Any] | None = None,
                 settings_path: str | Path | None = None, *, client: Any = None,
                 **enhanced_kwargs: Any) -> None:
        super().__init__(**enhanced_kwargs)
        self.bedrock_config = BedrockConfig.from_value(bedrock_config)
        self.settings_path = settings_path
        self.model_mapping = {**MODEL_MAPPING, **load_model_mapping(settings_path)}
        self._client = client
        self._client_lock = threading.Lock()

    @property
    def bedrock_client(self) -> Any:
        """The boto3 ``bedrock-runtime`` client for the configured region (created lazily)."""
        with self._client_lock:
            if self._client is None:
                self._client = create_bedrock_client(self.bedrock_config)
            return self._client

    def resolve_model(self, name: str) -> str:
        """A friendly name's model id (settings mapping first); others pass through."""
        return resolve_model_id(name, self.model_mapping)

    def create_bedrock_module(self, name: str, signature: str | type[dspy.Signature],
                              model_id: str | None = None, **kwargs: Any) -> EnhancedModule:
        """An enhanced module answering through Bedrock with ``model_id`` (friendly names
        allowed; default: the config's default model). ``kwargs`` go to ``create_module``."""
        lm = BedrockLM(self.resolve_model(model_id or self.bedrock_config.default_model),
                       client_factory=lambda: self.bedrock_client)
        return self.create_module(name, signature, lm=lm, **kwargs)

    def estimate_cost(self, model_id: str, input_tokens: int, output_tokens: int) -> dict[str, float]:
        """USD cost of a call, resolving names through this wrapper's mapping."""
        return estimate_cost(model_id, input_tokens, output_tokens, model_mapping=self.model_mapping)


DSPyBedrockEnhanced = DSPyBedrockEnhancedWrapper
