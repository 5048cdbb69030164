"""The direct backend: a provider API called through litellm, one attempt per call.

``DirectBackend(config)`` calls ``litellm.completion`` (``acompletion`` when async) with
``model=config.model`` in litellm's ``provider/model`` form (``openai/gpt-4o-mini``),
``api_base=config.api_base``, ``api_key`` (``config.api_key``, else the provider's key
variable from :data:`PROVIDER_KEY_ENV`), ``timeout=config.timeout_seconds`` and every
retry off (``num_retries=0`` for litellm, ``max_retries=0`` for the OpenAI SDK below
it). ``stream``/``astream`` use ``stream=True`` (:mod:`unified._backends.direct_stream`).
litellm is imported on first use, with ``LITELLM_LOCAL_MODEL_COST_MAP=True`` and
``LITELLM_OFFLINE_MODE=true`` set first (unless already set) so the import makes no
outside connection.

litellm exceptions map onto :mod:`unified._errors`
(:func:`unified._classify.map_litellm_error`, first match):

==================================================================  ===================
litellm                                                             unified
==================================================================  ===================
``RateLimitError`` (``Retry-After`` read from its response)        ``RateLimitError``
``Timeout``                                                         ``TimeoutError``
``APIConnectionError``                                              ``ConnectionError``
``ServiceUnavailableError``, ``BadGatewayError``,                   ``ServerError``
``InternalServerError``, ``APIResponseValidationError``              (``TimeoutError`` /
(caused by a cut connection or a timeout)                           ``ConnectionError``)
``AuthenticationError``, ``PermissionDeniedError``                  ``AuthError``
``NotFoundError``                                                   ``NotFoundError``
``BadRequestError`` (context window, content policy, unsupported    ``BadRequestError``
params, …), ``UnprocessableEntityError``
any other with a ``status_code`` (``APIError``, …)                  HTTP status table
==================================================================  ===================
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Mapping
from typing import Any

from .._classify import cause_for, map_litellm_error
from .._config import UnifiedConfig
from .._environment import PROVIDER_KEY_ENV, Environment, environment
from .._errors import (
    ServerError,
)
from .._types import BackendIdentity, LMRequest, LMResponse
from .base import BaseBackend, Capabilities
from .common import safe_url, sampling_params
from .direct_stream import DirectStreaming
from .litellm_info import load_litellm, model_lacks
from .openai_answer import answer_logprobs, answer_parts, answer_usage, as_data
from .openai_wire import openai_extras, openai_messages
from .wire_support import declared_capabilities, needs_mapping, refuse_details, with_answer

__all__ = ["DirectBackend", "PROVIDER_KEY_ENV", "provider_of"]

log = logging.getLogger(__name__)
#: litellm providers that take Anthropic thinking blocks and budgets.
_THINKING_PROVIDERS = frozenset({"anthropic", "bedrock", "vertex_ai", "vertex_ai_beta"})
#: Message attributes that make an answer more than text.
_RICH_MESSAGE = ("tool_calls", "reasoning_content", "thinking_blocks", "refusal")

_BARE_PREFIXES = (("gpt-", "openai"), ("chatgpt-", "openai"), ("o1", "openai"),
                  ("o3", "openai"), ("o4", "openai"), ("claude-", "anthropic"),
                  ("gemini-", "gemini"))

def provider_of(model: str) -> str | None:
    """The litellm provider of ``model``: its ``provider/`` prefix, or a guess from a
    well-known bare name (``gpt-…`` -> openai, ``claude-…`` -> anthropic); else None."""
    if "/" in model:
        return model.split("/", 1)[0]
    for prefix, provider in _BARE_PREFIXES:
        if model.startswith(prefix):
            return provider
    return None


class DirectBackend(DirectStreaming, BaseBackend):
    """A provider API through litellm (see module docstring).

    ``environ`` (a mapping or an
    :class:`~unified._environment.Environment`) replaces the process environment when
    looking up the provider's key variable.
    """

    kind = "direct"

    def __init__(self, config: UnifiedConfig, *,
                 environ: Mapping[str, str] | Environment | None = None) -> None:
        self.config = config
        self.model = config.model
        self.provider = provider_of(config.model)
        self.api_base = config.api_base
        self.timeout = config.timeout_seconds
        key_var, env_key = environment(environ).provider_key(self.provider)
        self._api_key = config.api_key or env_key
        self._key_source = ("config.api_key" if config.api_key else
                            key_var if self._api_key else None)
        self._capabilities: Capabilities | None = None

    @property
    def wire(self) -> str:
        """``litellm-thinking`` for Anthropic-family providers (thinking blocks and a
        thinking budget), else ``openai-chat``."""
        return "litellm-thinking" if self.provider in _THINKING_PROVIDERS else "openai-chat"

    def _endpoint(self) -> str:
        if self.api_base:
            return safe_url(self.api_base)
        return f"litellm:{self.provider or 'unknown'}"

    def completion_kwargs(self, request: LMRequest) -> dict[str, Any]:
        """The keyword arguments given to ``litellm.completion`` (the key included)."""
        params = sampling_params({"temperature": self.config.temperature,
                                  "max_tokens": self.config.max_tokens}, request.params)
        if needs_mapping(request):   # parts, tools, reasoning: litellm's OpenAI format
            refuse_details(request, self.wire, backend=self.kind, model=self.model)
            messages = openai_messages(request)
            params = openai_extras(request, params)
        else:
            messages = request.chat_messages()
        kwargs: dict[str, Any] = {"model": self.model, "messages": messages,
                                  "timeout": self.timeout, "num_retries": 0, "max_retries": 0,
                                  **params}
        if self.api_base:
            kwargs["api_base"] = self.api_base
        if self._api_key:
            kwargs["api_key"] = self._api_key
        return kwargs

    def complete(self, request: LMRequest) -> LMResponse:
        """One ``litellm.completion`` call; errors mapped onto :mod:`unified._errors`."""
        with self._errors_mapped():
            answer = load_litellm().completion(**self.completion_kwargs(request))
        return self._parse(request, answer)

    async def acomplete(self, request: LMRequest) -> LMResponse:
        """One ``litellm.acompletion`` call."""
        with self._errors_mapped():
            answer = await load_litellm().acompletion(**self.completion_kwargs(request))
        return self._parse(request, answer)

    @contextlib.contextmanager
    def _errors_mapped(self) -> Iterator[None]:
        """Re-raise SDK exceptions as :mod:`unified._errors` (others unchanged)."""
        try:
            yield
        except Exception as exc:
            mapped = map_litellm_error(exc, load_litellm(), endpoint=self._endpoint(),
                                       secrets=(self._api_key,))
            if mapped is None:
                raise
            log.debug("direct call to %s failed: %s", self._endpoint(), type(mapped).__name__)
            raise mapped from cause_for(exc, (self._api_key,))

    def _parse(self, request: LMRequest, answer: Any) -> LMResponse:
        try:
            choice = answer.choices[0]
            text = choice.message.content
        except (AttributeError, IndexError, TypeError) as exc:
            raise ServerError(f"direct: malformed response from {self._endpoint()} "
                              f"({type(exc).__name__})", backend=self.kind,
                              endpoint=self._endpoint()) from None
        usage = getattr(answer, "usage", None)
        base = self.response(request, text or "",
                             finish_reason=getattr(choice, "finish_reason", None) or "stop",
                             input_tokens=getattr(usage, "prompt_tokens", None),
                             output_tokens=getattr(usage, "completion_tokens", None),
                             raw=answer)
        message = choice.message
        rich = any(getattr(message, name, None) for name in _RICH_MESSAGE) \
            or getattr(choice, "logprobs", None)
        full = answer_usage(usage, estimate=(base.usage.input_tokens, base.usage.output_tokens))
        if not rich:
            return with_answer(base, usage=full)
        return with_answer(base, parts=answer_parts(as_data(message)), usage=full,
                           logprobs=answer_logprobs(as_data(choice)))

    def capabilities(self) -> Capabilities:
        """The OpenAI chat format litellm takes, minus what litellm's model info says
        the model lacks (unknown models: the whole format; the provider decides), or
        ``config.capabilities_override``."""
        if self._capabilities is None:
            self._capabilities = declared_capabilities(self.config, self.wire,
                                                       without=model_lacks(self.model))
        return self._capabilities

    def identity(self) -> BackendIdentity:
        """``direct`` + the API base (or ``litellm:<provider>``) + the model string."""
        return BackendIdentity(self.kind, self._endpoint(), self.model)

    def get_info(self) -> dict[str, Any]:
        """Identity plus provider, timeout and where the key comes from (never the key)."""
        return {**self.identity().to_dict(), "provider": self.provider,
                "timeout_seconds": self.timeout, "api_key_source": self._key_source}

    def __repr__(self) -> str:
        return f"DirectBackend(model={self.model!r}, endpoint={self._endpoint()!r})"
