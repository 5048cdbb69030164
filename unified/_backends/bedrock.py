"""The Amazon Bedrock backend: one boto3 ``bedrock-runtime`` call per completion.

``BedrockBackend(config)`` resolves ``config.model`` through the friendly-name table of
:mod:`unified._backends.bedrock_models` and calls, per ``config.bedrock_api``:

- ``"converse"`` (default): ``converse(modelId, messages=[{role, content: [{text}]}],
  system=[{text}], inferenceConfig={maxTokens, temperature, topP, stopSequences})``
  (only the parameters that are set), reading ``output.message.content[].text``,
  ``stopReason`` and ``usage``;
- ``"invoke"``: ``invoke_model`` with the legacy Anthropic messages body
  (``anthropic_version "bedrock-2023-05-31"``, ``max_tokens`` 1000 and ``temperature``
  0.7 when unset, ``"system"`` when present), reading ``body["content"][0]["text"]``.
  This body is Anthropic's: use ``converse`` for other model families.

``stream`` calls ``converse_stream`` (:mod:`unified._backends.bedrock_stream`).

Credentials, in order: ``config.aws_access_key_id``/``aws_secret_access_key``
(/``aws_session_token``); the ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY`` variables;
a profile (``config.aws_profile`` or ``AWS_PROFILE``); else boto3's standard chain.
Region: ``config.aws_region``, ``AWS_REGION``, ``AWS_DEFAULT_REGION``, the profile's
region, else ``us-east-1`` (the legacy default). ``config.bedrock_endpoint_url``
overrides the endpoint. botocore retries are off (``total_max_attempts: 1``);
connect and read timeouts are ``config.timeout_seconds``. boto3 is imported on first use.

Errors (:data:`~unified._classify.BEDROCK_ERRORS`, mapped by :mod:`unified._classify`;
unnamed codes fall back to its HTTP status table): throttling/quota -> ``RateLimitError``;
``ModelTimeoutException`` and botocore read/connect timeouts -> ``TimeoutError``;
service/internal/model-not-ready errors -> ``ServerError``; connection failures ->
``ConnectionError``; ``AccessDeniedException``, bad or missing credentials -> ``AuthError``;
``ValidationException`` and parameter validation -> ``BadRequestError``;
``ResourceNotFoundException`` -> ``NotFoundError``; a malformed answer -> ``ServerError``.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Mapping
from typing import Any

from .._classify import BEDROCK_ERRORS, cause_for, map_botocore_error
from .._config import REGION_ALLOWED, UnifiedConfig, valid_region
from .._environment import Environment, environment
from .._errors import (
    BackendError,
    ConfigError,
    ServerError,
)
from .._types import BackendIdentity, LMRequest, LMResponse
from .base import BaseBackend, Capabilities
from .bedrock_answer import anthropic_parts, anthropic_usage, converse_parts, converse_usage
from .bedrock_models import model_lacks, resolve_model_id
from .bedrock_stream import BedrockStreaming
from .bedrock_wire import (
    anthropic_extras,
    anthropic_messages,
    converse_extras,
    converse_messages,
    refuser,
)
from .common import safe_url, sampling_params
from .wire_support import declared_capabilities, needs_mapping, refuse_details, with_answer

__all__ = ["BedrockBackend", "BEDROCK_ERRORS", "ANTHROPIC_VERSION", "DEFAULT_REGION"]

log = logging.getLogger(__name__)
ANTHROPIC_VERSION = "bedrock-2023-05-31"
DEFAULT_REGION = "us-east-1"
_INVOKE_DEFAULTS = {"max_tokens": 1000, "temperature": 0.7}

#: Usage keys that say nothing beyond input/output tokens (Converse and Anthropic).
_PLAIN_USAGE = frozenset({"inputTokens", "outputTokens", "totalTokens", "input_tokens",
                          "output_tokens"})
_STOP_REASONS = {"end_turn": "stop", "stop_sequence": "stop", "max_tokens": "length",
                 "tool_use": "tool_call", "content_filtered": "content_filter",
                 "guardrail_intervened": "content_filter"}


def _turns(request: LMRequest) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """System texts, and the messages with consecutive same-role turns merged."""
    system = [request.system_text] if request.system_text else []
    turns: list[tuple[str, list[str]]] = []
    for message in request.messages:
        if message.role == "system":
            system.append(message.content)
        elif turns and turns[-1][0] == message.role:
            turns[-1][1].append(message.content)
        else:
            turns.append((message.role, [message.content]))
    return system, turns


class BedrockBackend(BedrockStreaming, BaseBackend):
    """Amazon Bedrock through boto3 (see module docstring).

    ``client`` injects a ready ``bedrock-runtime`` client (tests use botocore's
    ``Stubber``); ``environ`` (a mapping or an
    :class:`~unified._environment.Environment`) replaces the process environment for
    credential and region lookup.
    """

    kind = "bedrock"

    def __init__(self, config: UnifiedConfig, *, client: Any = None,
                 environ: Mapping[str, str] | Environment | None = None) -> None:
        self.config = config
        self._env = environment(environ)
        self.model_id = resolve_model_id(config.model)
        self.api = config.bedrock_api
        self.endpoint_url = config.bedrock_endpoint_url
        self.timeout = config.timeout_seconds
        self._credentials = self._resolve_credentials()
        self.profile = (None if self._credentials else
                        config.aws_profile or self._env.get("AWS_PROFILE") or None)
        self.region = self._resolve_region()
        if not valid_region(self.region):  # e.g. a hostile AWS_REGION: botocore would raise
            raise ConfigError.for_field("aws_region", self.region, REGION_ALLOWED)
        self._client = client
        self._lock = threading.Lock()

    # -- configuration ----------------------------------------------------------------
    def _resolve_credentials(self) -> dict[str, str]:
        cfg, env = self.config, self._env
        if cfg.aws_access_key_id and cfg.aws_secret_access_key:
            found = {"aws_access_key_id": cfg.aws_access_key_id,
                     "aws_secret_access_key": cfg.aws_secret_access_key,
                     "aws_session_token": cfg.aws_session_token}
        else:
            return env.aws_credentials or {}
        return {k: v for k, v in found.items() if v}

    def _resolve_region(self) -> str:
        from_env = self._env.aws_region
        region = self.config.aws_region or (from_env[0] if from_env else None)
        if region:
            return region
        if self.profile:
            return self._session().region_name or DEFAULT_REGION
        return DEFAULT_REGION

    def _session(self) -> Any:
        import boto3
        import botocore.exceptions

        try:
            return boto3.session.Session(profile_name=self.profile, **self._credentials)
        except botocore.exceptions.ProfileNotFound:
            raise ConfigError.for_field("aws_profile", self.profile,
                                        "a profile defined in the AWS config files") from None

    def _bedrock_client(self) -> Any:
        with self._lock:
            if self._client is None:
                from botocore.config import Config

                boto_config = Config(retries={"total_max_attempts": 1},
                                     connect_timeout=self.timeout, read_timeout=self.timeout,
                                     user_agent_extra="unified-dspy")
                self._client = self._session().client(
                    "bedrock-runtime", region_name=self.region,
                    endpoint_url=self.endpoint_url, config=boto_config)
            return self._client

    # -- wire format ------------------------------------------------------------------
    def _params(self, request: LMRequest) -> dict[str, Any]:
        return sampling_params({"temperature": self.config.temperature,
                                "max_tokens": self.config.max_tokens}, request.params)

    @property
    def wire(self) -> str:
        """``bedrock-converse`` or ``anthropic-messages`` (``invoke_model``)."""
        return "anthropic-messages" if self.api == "invoke" else "bedrock-converse"

    def converse_kwargs(self, request: LMRequest) -> dict[str, Any]:
        """The keyword arguments of the ``converse`` call for ``request`` (parts, tools
        and thinking mapped by :mod:`unified._backends.bedrock_wire`)."""
        params = self._params(request)
        kwargs: dict[str, Any] = {"modelId": self.model_id}
        if needs_mapping(request):
            refuse = self._refuser(request)
            system_blocks, kwargs["messages"] = converse_messages(request, refuse)
            kwargs.update(converse_extras(request, params, refuse))
        else:
            system, turns = _turns(request)
            kwargs["messages"] = [{"role": role, "content": [{"text": text} for text in texts]}
                                  for role, texts in turns]
            system_blocks = [{"text": text} for text in system]
        if system_blocks:
            kwargs["system"] = system_blocks
        inference = {"maxTokens": params.get("max_tokens"),
                     "temperature": params.get("temperature"), "topP": params.get("top_p"),
                     "stopSequences": _stop_list(params.get("stop"))}
        inference = {k: v for k, v in inference.items() if v is not None}
        if inference:
            kwargs["inferenceConfig"] = inference
        return kwargs

    def invoke_body(self, request: LMRequest) -> dict[str, Any]:
        """The Anthropic messages body ``invoke_model`` sends for ``request`` (spec §3;
        parts as Anthropic content blocks)."""
        params = {**_INVOKE_DEFAULTS, **self._params(request)}
        if needs_mapping(request):
            refuse = self._refuser(request)
            blocks, messages = anthropic_messages(request, refuse)
            system: Any = request.system if isinstance(request.system, str) else blocks
            extras = anthropic_extras(request, params, refuse)
        else:
            texts, turns = _turns(request)
            messages = [{"role": role, "content": "\n\n".join(parts)} for role, parts in turns]
            system, extras = "\n\n".join(texts), {}
        body: dict[str, Any] = {"anthropic_version": ANTHROPIC_VERSION,
                                "max_tokens": params["max_tokens"],
                                "temperature": params["temperature"], "messages": messages}
        if system:
            body["system"] = system
        if params.get("top_p") is not None:
            body["top_p"] = params["top_p"]
        if params.get("stop"):
            body["stop_sequences"] = _stop_list(params["stop"])
        body.update(extras)
        return body

    def _refuser(self, request: LMRequest) -> Any:
        """Refuse the details ``request`` cannot carry; the ``refuse`` of the mapping."""
        refuse_details(request, self.wire, backend=self.kind, model=self.model_id)
        return refuser(self.kind, self.model_id, self.wire)

    # -- calls ------------------------------------------------------------------------
    def complete(self, request: LMRequest) -> LMResponse:
        """One Converse (or InvokeModel) call; errors mapped onto :mod:`unified._errors`."""
        client = self._bedrock_client()
        try:
            if self.api == "invoke":
                answer = client.invoke_model(
                    modelId=self.model_id, contentType="application/json",
                    accept="application/json", body=json.dumps(self.invoke_body(request)))
                raw = answer["body"].read()
            else:
                answer = client.converse(**self.converse_kwargs(request))
                raw = None
        except Exception as exc:
            mapped = self._map_error(exc)
            if mapped is None:
                raise
            raise mapped from cause_for(exc, self._secrets())
        return self._parse(request, answer, raw)

    def _parse(self, request: LMRequest, answer: Any, raw: bytes | None) -> LMResponse:
        try:
            if raw is not None:
                body = json.loads(raw)
                blocks = body["content"]
                parts = anthropic_parts(blocks)
                text = "".join(b["text"] for b in blocks if b.get("type") == "text")
                reason, usage = body.get("stop_reason"), body.get("usage") or {}
                tokens = (usage.get("input_tokens"), usage.get("output_tokens"))
            else:
                body = answer
                blocks = answer["output"]["message"]["content"]
                parts = converse_parts(blocks)
                text = "".join(part["text"] for part in blocks if "text" in part)
                reason, usage = answer.get("stopReason"), answer.get("usage") or {}
                tokens = (usage.get("inputTokens"), usage.get("outputTokens"))
            if not isinstance(text, str):
                raise TypeError("text is not a string")
        except (ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
            raise ServerError(f"bedrock: malformed {self.api} response from {self._where()} "
                              f"({type(exc).__name__}: {exc})", backend=self.kind,
                              endpoint=self._where()) from None
        finish = _STOP_REASONS.get(str(reason), str(reason or "stop"))
        base = self.response(request, text, finish_reason=finish, input_tokens=tokens[0],
                             output_tokens=tokens[1], raw=body)
        if not parts and usage.keys() <= _PLAIN_USAGE:      # the text-only fast path
            return base
        estimate = (base.usage.input_tokens, base.usage.output_tokens)
        full = (anthropic_usage(usage, estimate) if raw is not None
                else converse_usage(usage, estimate))
        return with_answer(base, parts=parts, usage=full)

    def _secrets(self) -> tuple[str | None, ...]:
        creds = self._credentials
        return (creds.get("aws_secret_access_key"), creds.get("aws_session_token"),
                creds.get("aws_access_key_id"))

    def _map_error(self, exc: Exception) -> BackendError | None:
        """The unified error for a botocore failure; ``None`` when it is not botocore's."""
        return map_botocore_error(exc, backend=self.kind, endpoint=self._where(),
                                  timeout=self.timeout, secrets=self._secrets())

    # -- the rest of the seam ---------------------------------------------------------
    def _where(self) -> str:
        base = f"bedrock-runtime/{self.region}/{self.api}"
        return f"{base}@{safe_url(self.endpoint_url)}" if self.endpoint_url else base

    def capabilities(self) -> Capabilities:
        """The API's wire minus what the model table says the model lacks
        (:data:`~unified._backends.bedrock_models.MODEL_LACKS`), or
        ``config.capabilities_override``."""
        return declared_capabilities(self.config, self.wire,
                                     without=model_lacks(self.model_id))

    def identity(self) -> BackendIdentity:
        """``bedrock`` + region/API (+ endpoint URL when set) + the resolved model id."""
        return BackendIdentity(self.kind, self._where(), self.model_id)

    def get_info(self) -> dict[str, Any]:
        """Identity plus region, API, timeout and where credentials come from (no values)."""
        if self._credentials:
            source = "config" if self.config.aws_access_key_id else "environment"
        else:
            source = f"profile {self.profile}" if self.profile else "aws default chain"
        return {**self.identity().to_dict(), "region": self.region, "api": self.api,
                "endpoint_url": safe_url(self.endpoint_url) if self.endpoint_url else None,
                "timeout_seconds": self.timeout, "credentials": source}

    def close(self) -> None:
        """Close the boto3 client's connection pool."""
        with self._lock:
            client, self._client = self._client, None
        if client is not None and hasattr(client, "close"):
            client.close()

    def __repr__(self) -> str:
        return f"BedrockBackend(model={self.model_id!r}, region={self.region!r}, api={self.api!r})"


def _stop_list(stop: Any) -> list[str] | None:
    if not stop:
        return None
    return [stop] if isinstance(stop, str) else [str(s) for s in stop]
