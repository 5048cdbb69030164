"""The legacy functional provider API (spec section 9) on the unified wrapper.

Factories describe a provider and call nothing; ``chat`` is curried::

    from unified.compat.providers import chat, claude
    ask = chat(claude(model="claude-3-haiku"), temperature=0.2)
    print(ask("Explain DSPy in one line"))          # -> the response text

=====================================  ==================================================
factory                                unified config
=====================================  ==================================================
``claude(model="claude-3-5-sonnet")``  ``backend=auto``, the model as given (a friendly
                                       name: Bedrock resolves it, the gateway uses it as
                                       the endpoint name)
``openai(model="gpt-4o")``             ``backend=auto``, model ``openai/<model>``
``bedrock(model=<default model>)``     ``backend=bedrock``, friendly names resolved
``gateway(route)``                     ``backend=gateway``, endpoint ``route`` on the
                                       legacy ``/gateway/<route>/invocations`` API
=====================================  ==================================================

``**config`` takes ``UnifiedConfig`` fields (``temperature``, ``gateway_uri``,
``aws_region``, ``backend="mock"``, …) and the aliases ``region``, ``profile``,
``timeout``, ``gateway_url``; an unknown key raises :class:`~unified._errors.ConfigError`
at once. ``backend=<a unified Backend>`` (e.g. ``MockBackend``) injects the backend.

``chat(provider, stream=False, **params)`` returns a :class:`ChatFunction`; calling it
with an :class:`LLMMessage` or a str runs one completion through the unified pipeline
and returns the text. Every failure comes back as the string ``"Chat error:
<ErrorClass>: <message>"``. With ``stream=True`` it returns an iterator of text chunks
(the pipeline serves whole answers: one chunk).

The two misuses that made the legacy API fail 100% of the time raise ``TypeError``
showing the correct call: a factory given a prompt-like first argument
(``claude(prompt, model="claude-3-haiku")``: contains whitespace, is longer than 128
characters, is an ``LLMMessage``, or comes with a ``model=`` too), and ``chat`` given a
message where the provider belongs (``chat(message, provider)``). These functions are
kept API, not deprecated: they warn nothing.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .._backends.bedrock_models import resolve_model_id
from .._config import DEFAULT_MODEL, SECTIONS, UnifiedConfig
from .._types import LMRequest, Message

__all__ = ["LLMMessage", "Provider", "ChatFunction", "claude", "openai", "bedrock", "gateway",
           "chat"]

_ALIASES = {"region": "aws_region", "profile": "aws_profile", "timeout": "timeout_seconds",
            "gateway_url": "gateway_uri"}
_PROMPT_LENGTH = 128


@dataclass(frozen=True)
class LLMMessage:
    """One chat message: ``content`` and its ``role`` (``user`` by default)."""

    content: str
    role: str = "user"


@dataclass(frozen=True)
class Provider:
    """A provider description: the factory's name, the model and the unified config
    (``backend`` optionally injects a unified Backend)."""

    name: str
    model: str
    config: UnifiedConfig = field(repr=False)
    backend: Any = field(default=None, repr=False, compare=False)

    def __repr__(self) -> str:
        return f"{self.name}(model={self.model!r})"


def _show(value: Any) -> str:
    text = value.content if isinstance(value, LLMMessage) else str(value)
    return repr(text if len(text) <= 40 else text[:37] + "...")


def _prompt_like(value: Any) -> bool:
    return isinstance(value, LLMMessage) or (
        isinstance(value, str) and (any(ch.isspace() for ch in value)
                                    or len(value) > _PROMPT_LENGTH))


def _model_argument(factory: str, given: Any, default: str, config: dict[str, Any]) -> str:
    """The model of a factory call; ``TypeError`` showing the right call on misuse."""
    keyword = config.pop("model", None)
    if _prompt_like(given) or (keyword is not None and given != default):
        model = keyword if isinstance(keyword, str) else default
        raise TypeError(f"{factory}() takes a model name, not a prompt: got {_show(given)} "
                        f"as its first argument. Describe the provider, then send the "
                        f"prompt with chat(): chat({factory}(model={model!r}))({_show(given)})")
    model = keyword if keyword is not None else given
    if not isinstance(model, str) or not model:
        raise TypeError(f"{factory}() needs a model name (a non-empty str), got {model!r}")
    return model


def _provider(name: str, model: str, defaults: dict[str, Any],
              config: dict[str, Any]) -> Provider:
    backend = config.pop("backend", None)
    values = dict(defaults)
    if isinstance(backend, str):
        values["backend"], backend = backend, None
    values.update({_ALIASES.get(key, key): value for key, value in config.items()})
    sections = {key: values.pop(key) for key in SECTIONS
                if dataclasses.is_dataclass(values.get(key))}
    unified = UnifiedConfig.from_dict(values)
    return Provider(name, model, unified.with_overrides(**sections) if sections else unified,
                    backend)


def claude(model: str = "claude-3-5-sonnet", /, **config: Any) -> Provider:
    """A Claude provider (``backend=auto``; see the module docstring)."""
    model = _model_argument("claude", model, "claude-3-5-sonnet", config)
    return _provider("claude", model, {"model": model}, config)


def openai(model: str = "gpt-4o", /, **config: Any) -> Provider:
    """An OpenAI provider (``backend=auto``, model ``openai/<model>``)."""
    model = _model_argument("openai", model, "gpt-4o", config)
    full = model if "/" in model else f"openai/{model}"
    return _provider("openai", model, {"model": full}, config)


def bedrock(model: str = DEFAULT_MODEL, /, **config: Any) -> Provider:
    """A Bedrock provider (friendly model names resolved)."""
    model = _model_argument("bedrock", model, DEFAULT_MODEL, config)
    return _provider("bedrock", model, {"backend": "bedrock", "model": resolve_model_id(model)},
                     config)


def gateway(route: str, /, **config: Any) -> Provider:
    """A gateway provider for ``route`` (the legacy ``/gateway/<route>/invocations`` API)."""
    route = _model_argument("gateway", route, route, config)
    return _provider("gateway", route, {"backend": "gateway", "model": route,
                                        "gateway_endpoint": route, "gateway_route": "legacy"},
                     config)


class ChatFunction:
    """``chat(provider)``: call it with a message to get the response text."""

    def __init__(self, provider: Provider, stream: bool, params: dict[str, Any]) -> None:
        self.provider = provider
        self.stream = stream
        self.params = params
        self._wrapper: Any = None
        self._lock = threading.Lock()

    def _unified(self) -> Any:
        with self._lock:
            if self._wrapper is None:
                from .._wrapper import UnifiedDSPyWrapper

                self._wrapper = UnifiedDSPyWrapper(self.provider.config,
                                                   backend=self.provider.backend)
            return self._wrapper

    def _complete(self, message: LLMMessage) -> str:
        try:
            request = LMRequest(model=self.provider.config.model, params=self.params,
                                messages=(Message(message.role, message.content),))
            return str(self._unified().pipeline.complete(request).text)
        except Exception as exc:  # the legacy contract: errors come back as text
            return f"Chat error: {type(exc).__name__}: {exc}"

    def __call__(self, message: LLMMessage | str) -> str | Iterator[str]:
        """The response text for ``message`` (an iterator of chunks with ``stream=True``)."""
        if isinstance(message, str):
            message = LLMMessage(message)
        if not isinstance(message, LLMMessage):
            raise TypeError(f"a chat function takes an LLMMessage or a str, got "
                            f"{type(message).__name__}: call chat({self.provider!r})('Hello')")
        text = self._complete(message)
        return iter([text]) if self.stream else text

    def close(self) -> None:
        """Close the unified wrapper, if one was built."""
        if self._wrapper is not None:
            self._wrapper.close()

    def __repr__(self) -> str:
        return f"<chat function for {self.provider!r}: call it with a message>"


def chat(provider: Provider, stream: bool = False, **params: Any) -> ChatFunction:
    """Curried chat: ``chat(provider, **params)(message) -> text`` (module docstring)."""
    if not isinstance(provider, Provider):
        shown = repr(stream) if isinstance(stream, Provider) else "claude()"
        is_message = isinstance(provider, (str, LLMMessage))
        got = _show(provider) if is_message else repr(provider)
        message = got if is_message else "'Hello'"
        raise TypeError(f"chat() takes the provider first and returns a function of the "
                        f"message: got {got} where the provider belongs. Call "
                        f"chat({shown})({message})")
    if not isinstance(stream, bool):
        raise TypeError(f"chat(provider, stream=...) takes a bool, got {stream!r}")
    return ChatFunction(provider, stream, params)
