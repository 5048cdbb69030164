"""The one exception tree of unified-dspy.

Every error the library raises derives from :class:`UnifiedError`. Backends map their
native failures (HTTP status codes, botocore error codes, litellm exceptions) onto
:class:`TransientError` (worth retrying) or :class:`PermanentError` (not), so that the
retry layer decides on one vocabulary only.

``TimeoutError`` and ``ConnectionError`` here also derive from the built-ins of the
same name, so ``except TimeoutError`` keeps working for code that catches the
built-in. Inside this module the built-ins are always reached through ``builtins``:
nothing here relies on a shadowed name.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = [
    "UnifiedError",
    "ConfigError",
    "BackendError",
    "TransientError",
    "RateLimitError",
    "TimeoutError",
    "ServerError",
    "ConnectionError",
    "FallbackExceptionGroup",
    "PermanentError",
    "AuthError",
    "BadRequestError",
    "NotFoundError",
    "UnsupportedFeatureError",
    "ValidationError",
    "StreamInterruptedError",
    "error_class_by_name",
]


class UnifiedError(Exception):
    """Root of every error raised by unified-dspy."""


class ConfigError(UnifiedError, ValueError):
    """A configuration value is missing, unknown, of the wrong type or out of range.

    ``field`` is the dotted path of the offending field (``"retry.max_retries"``),
    ``value`` the rejected value and ``allowed`` a short description of what is allowed;
    ``file`` is the config file the value came from, when it came from one. The value of
    a secret-named field (``*_key``, ``*secret*``, ``*token*``, ``*password*``) is never
    shown nor kept: only its type is.
    """

    def __init__(self, message: str, *, field: str | None = None, value: Any = None,
                 allowed: str | None = None, file: str | None = None) -> None:
        self.field = field
        self.value = value
        self.allowed = allowed
        self.file = file
        super().__init__(message)

    @classmethod
    def for_field(cls, field: str, value: Any, allowed: str, *,
                  hide: bool = False) -> ConfigError:
        """Build the standard message: which field, what value, what is allowed.

        The value is hidden (its type shown) for a secret-named field or with ``hide``.
        """
        if hide or is_secret_name(field):
            value = _Hidden(value)
        return cls(f"{field}: got {_short_repr(value)}; expected {allowed}", field=field,
                   value=value, allowed=allowed)

    def with_prefix(self, prefix: str) -> ConfigError:
        """Return the same error with ``prefix.`` put in front of the field path."""
        field = f"{prefix}.{self.field}" if self.field else prefix
        if self.allowed is not None:
            exc = ConfigError.for_field(field, self.value, self.allowed)
        else:
            exc = ConfigError(f"{prefix}: {self}", field=field, value=self.value)
        exc.file = self.file
        return exc

    def in_file(self, file: str) -> ConfigError:
        """Return the same error naming ``file`` (the config file it came from)."""
        if self.file is not None:
            return self
        return ConfigError(f"{file}: {self}", field=self.field, value=self.value,
                           allowed=self.allowed, file=file)


_SECRET_WORDS = frozenset({"key", "apikey", "secret", "token", "password", "passwd",
                           "credential", "credentials", "auth", "authorization"})


def is_secret_name(name: str) -> bool:
    """Whether a field or variable called ``name`` holds a secret (by its words).

    ``gateway_api_key``, ``aws_secret_access_key``, ``UNIFIED_API_KEY``, ``session_token``
    are; ``required_keywords`` is not. Only the last segment of a dotted path counts.
    """
    last = name.rsplit(".", 1)[-1].split("[", 1)[0]
    words = {w for w in re.split(r"[^a-z0-9]+", last.lower()) if w}
    return bool(words & _SECRET_WORDS)


#: Text shaped like a credential even when it is not a configured one: OpenAI-style
#: ``sk-…`` keys, AWS access key ids, bearer tokens.
KEY_SHAPES = re.compile(r"\bsk-[A-Za-z0-9_-]{16,}|\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"
                        r"|(?i:bearer)\s+[A-Za-z0-9._~+/=-]{16,}")


def scrub(text: str, secrets: Iterable[str | None]) -> str:
    """``text`` with every non-empty secret, and anything shaped like a key
    (:data:`KEY_SHAPES`), replaced by ``***``; the whole text is kept."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return KEY_SHAPES.sub("***", text)


class _Hidden:
    """Stands for a secret's value in messages and attributes: shows its type only."""

    __slots__ = ("type_name",)

    def __init__(self, value: Any) -> None:
        self.type_name: str = (value.type_name if isinstance(value, _Hidden)
                               else type(value).__name__)

    def __repr__(self) -> str:
        return f"<hidden {self.type_name}>"


class BackendError(UnifiedError):
    """A backend call failed. Carries the context a user needs to act on it."""

    def __init__(self, message: str, *, backend: str | None = None,
                 endpoint: str | None = None, status: int | None = None,
                 request_id: str | None = None) -> None:
        self.backend = backend
        self.endpoint = endpoint
        self.status = status
        self.request_id = request_id
        super().__init__(message)


class TransientError(BackendError):
    """A failure that may succeed when tried again (429, 5xx, timeouts, resets)."""


class RateLimitError(TransientError):
    """The provider asked us to slow down; ``retry_after`` is its hint in seconds."""

    def __init__(self, message: str, *, retry_after: float | None = None,
                 **context: Any) -> None:
        self.retry_after = retry_after
        super().__init__(message, **context)


class TimeoutError(TransientError, builtins.TimeoutError):  # noqa: A001
    """The backend did not answer within the configured timeout."""


class ServerError(TransientError):
    """The backend answered with a server-side failure (5xx or equivalent)."""


class ConnectionError(TransientError, builtins.ConnectionError):  # noqa: A001
    """The backend could not be reached, or the connection broke mid-response."""


class FallbackExceptionGroup(ExceptionGroup, TransientError):  # type: ignore[misc]
    """Every backend of a fallback chain failed with a transient error.

    ``exceptions`` holds each backend's last failure, primary first (as pydantic-ai's
    ``FallbackExceptionGroup``); it is itself a :class:`TransientError` whose
    ``backend``/``endpoint``/``status``/``request_id`` are the last backend's, so
    ``except TransientError`` and ``except* ServerError`` both see it.
    """

    def __new__(cls, message: str,
                exceptions: Sequence[Exception]) -> FallbackExceptionGroup:
        return super().__new__(cls, message, exceptions)

    def __init__(self, message: str, exceptions: Sequence[Exception]) -> None:
        last = exceptions[-1]
        self.backend = getattr(last, "backend", None)
        self.endpoint = getattr(last, "endpoint", None)
        self.status = getattr(last, "status", None)
        self.request_id = getattr(last, "request_id", None)

    @classmethod
    def of(cls, failures: Sequence[Exception]) -> FallbackExceptionGroup:
        """The group of ``failures``, its message naming each backend and error."""
        named = "; ".join(f"{getattr(e, 'backend', None) or '?'}: {type(e).__name__}"
                          for e in failures)
        return cls(f"every backend failed ({named})", failures)


class PermanentError(BackendError):
    """A failure that will fail again unchanged (bad request, auth, missing route)."""


class AuthError(PermanentError):
    """Credentials were missing, wrong or not allowed (401/403, AccessDenied)."""


class BadRequestError(PermanentError):
    """The backend rejected the request itself (400, ValidationException)."""


class NotFoundError(PermanentError):
    """The endpoint, route or model does not exist (404, ResourceNotFound)."""


class UnsupportedFeatureError(PermanentError):
    """The request uses a part or parameter this backend's wire cannot carry.

    Raised before any network call, never by dropping the feature silently.
    ``feature`` names the part or parameter (``"image"``, ``"param:logprobs"``,
    ``"tools"``), ``backend``/``model`` where it was refused, and ``carrier`` what
    would carry it (another backend, route or model).
    """

    def __init__(self, message: str, *, feature: str, model: str | None = None,
                 carrier: str | None = None, **context: Any) -> None:
        self.feature = feature
        self.model = model
        self.carrier = carrier
        super().__init__(message, **context)

    @classmethod
    def for_feature(cls, feature: str, *, backend: str | None = None,
                    model: str | None = None, carrier: str | None = None,
                    endpoint: str | None = None) -> UnsupportedFeatureError:
        """The standard message: what, where, and what would carry it."""
        where = f"backend {backend!r}" if backend else "this backend"
        if model:
            where += f" (model {model!r})"
        message = f"{feature!r} cannot be carried by {where}"
        if carrier:
            message += f"; use {carrier}"
        return cls(message, feature=feature, model=model, carrier=carrier, backend=backend,
                   endpoint=endpoint)


class StreamInterruptedError(BackendError):
    """A stream failed after chunks were handed to the caller: never retried.

    Retrying would show the caller the beginning of the answer twice. ``partial_text``
    is the visible text received, ``chunks`` every delta received (in order) and
    ``cause`` the failure that cut the stream.
    """

    def __init__(self, message: str, *, partial_text: str = "", chunks: tuple[Any, ...] = (),
                 cause: BaseException | None = None, **context: Any) -> None:
        self.partial_text = partial_text
        self.chunks = chunks
        self.cause = cause
        super().__init__(message, **context)


class ValidationError(UnifiedError):
    """A response failed the configured validation; ``reason`` is the reason code."""

    def __init__(self, reason: str, *, text: str | None = None) -> None:
        self.reason = reason
        self.text = text
        super().__init__(f"response failed validation: {reason}")


def error_class_by_name(name: str) -> type[UnifiedError]:
    """Return the error class of this module called ``name`` (used by config files)."""
    obj = globals().get(name)
    if isinstance(obj, type) and issubclass(obj, UnifiedError):
        return obj
    raise KeyError(name)


def _short_repr(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
