"""The one classification of failures onto :mod:`unified._errors`.

Every table that turns a native failure into a unified error lives here, with the one
walk of a cause chain (:func:`causes`); the backends and the compat LM backend use it:

- HTTP status (:func:`error_for_status`, every backend that sees a status code):
  429 -> ``RateLimitError`` (``retry_after`` from the header); 408, 504 ->
  ``TimeoutError``; other 5xx -> ``ServerError``; 401, 403 -> ``AuthError``; 404 ->
  ``NotFoundError``; other 4xx (400, 413, 422, ...) -> ``BadRequestError``; anything
  else that is not 2xx (1xx, 3xx) -> ``ServerError``.
- Bedrock error codes (:data:`BEDROCK_ERRORS`) and botocore's own exceptions
  (:func:`map_botocore_error`); unnamed codes fall back to the status table.
- litellm exceptions (:func:`map_litellm_error`, table in :mod:`unified._backends.direct`).
- Exceptions of any SDK we do not import (:func:`classify_error`, for an explicit DSPy
  LM): a Bedrock code, then a status, then the built-in timeout/connection types, then
  known transient class-name fragments, on each exception of the cause chain.

Messages never contain a secret: provider text goes through
:func:`unified._backends.common.redact` first.
"""

from __future__ import annotations

import builtins
import logging
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ._backends.common import parse_retry_after, redact, request_id_from
from ._errors import (
    AuthError,
    BackendError,
    BadRequestError,
    ConnectionError,
    NotFoundError,
    RateLimitError,
    ServerError,
    TimeoutError,
    UnifiedError,
)

__all__ = ["BEDROCK_ERRORS", "cause_for", "causes", "classify_error", "error_for_status",
           "map_botocore_error", "map_litellm_error", "unified_cause"]

#: botocore failures are logged where they were logged before: the Bedrock backend's logger.
_bedrock_log = logging.getLogger("unified._backends.bedrock")


def causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc``, then each exception it was raised from or during (``__cause__``, else
    ``__context__``), each once: the one walk of a cause chain in the library."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def unified_cause(exc: BaseException) -> BaseException:
    """The first :class:`UnifiedError` in ``exc``'s cause chain (the one behind a DSPy
    or SDK wrapper), or ``exc`` itself when there is none."""
    return next((e for e in causes(exc) if isinstance(e, UnifiedError)), exc)


def cause_for(exc: BaseException, secrets: Iterable[str | None]) -> BaseException | None:
    """``exc`` as the cause of a mapped error, or None when its chain shows a secret.

    A provider may echo a key back in its error text; the mapped error's message is
    redacted, but a traceback also prints the chained SDK exceptions. Use as
    ``raise mapped from cause_for(exc, secrets)``.
    """
    values = [s for s in secrets if s]
    for current in causes(exc):
        text = f"{current} {current!r} {current.args!r}"
        if any(secret in text for secret in values):
            return None
    return exc


# -- HTTP status ---------------------------------------------------------------------
def error_for_status(status: int, detail: str, *, backend: str, endpoint: str,
                     request_id: str | None = None,
                     retry_after: float | None = None) -> BackendError:
    """The :mod:`unified._errors` instance for an HTTP ``status`` (table in module doc)."""
    message = f"{backend}: HTTP {status} from {endpoint}: {detail}"
    if request_id:
        message += f" (request id {request_id})"
    context: dict[str, Any] = {"backend": backend, "endpoint": endpoint, "status": status,
                               "request_id": request_id}
    if status == 429:
        return RateLimitError(message, retry_after=retry_after, **context)
    if status in (408, 504):
        return TimeoutError(message, **context)
    if status in (401, 403):
        return AuthError(message, **context)
    if status == 404:
        return NotFoundError(message, **context)
    if 400 <= status < 500:
        return BadRequestError(message, **context)
    return ServerError(message, **context)


# -- Bedrock / botocore --------------------------------------------------------------
#: Bedrock error code -> unified error class.
BEDROCK_ERRORS: Mapping[str, type[BackendError]] = {
    "ThrottlingException": RateLimitError,
    "TooManyRequestsException": RateLimitError,
    "ServiceQuotaExceededException": RateLimitError,
    "ModelTimeoutException": TimeoutError,
    "ServiceUnavailableException": ServerError,
    "InternalServerException": ServerError,
    "ModelNotReadyException": ServerError,
    "ModelErrorException": ServerError,
    "ModelStreamErrorException": ServerError,
    "AccessDeniedException": AuthError,
    "UnrecognizedClientException": AuthError,
    "InvalidSignatureException": AuthError,
    "ExpiredTokenException": AuthError,
    "ValidationException": BadRequestError,
    "ResourceNotFoundException": NotFoundError,
}


def map_botocore_error(exc: BaseException, *, backend: str, endpoint: str, timeout: float,
                       secrets: tuple[str | None, ...] = ()) -> BackendError | None:
    """The unified error for a botocore failure; ``None`` when it is not botocore's."""
    import botocore.exceptions as bex

    context: dict[str, Any] = {"backend": backend, "endpoint": endpoint}
    if isinstance(exc, bex.ClientError):
        return _client_error(exc, backend=backend, endpoint=endpoint, secrets=secrets)
    detail = redact(f"{type(exc).__name__}: {exc}", secrets)
    _bedrock_log.debug("bedrock call to %s failed: %s", endpoint, detail)
    if isinstance(exc, (bex.ReadTimeoutError, bex.ConnectTimeoutError)):
        return TimeoutError(f"bedrock: no answer from {endpoint} within {timeout:g} s "
                            f"({detail})", **context)
    if isinstance(exc, (bex.ConnectionError, bex.HTTPClientError)):
        return ConnectionError(f"bedrock: connection to {endpoint} failed ({detail})",
                               **context)
    if isinstance(exc, (bex.NoCredentialsError, bex.PartialCredentialsError)):
        return AuthError(f"bedrock: no usable AWS credentials for {endpoint} ({detail})",
                         **context)
    if isinstance(exc, bex.ParamValidationError):
        return BadRequestError(f"bedrock: request rejected before sending ({detail})",
                               **context)
    return None


def _client_error(exc: Any, *, backend: str, endpoint: str,
                  secrets: tuple[str | None, ...]) -> BackendError:
    error = exc.response.get("Error") or {}
    meta = exc.response.get("ResponseMetadata") or {}
    code = str(error.get("Code") or "UnknownError")
    status = meta.get("HTTPStatusCode")
    request_id = meta.get("RequestId") or None
    detail = redact(f"{code}: {error.get('Message') or ''}".rstrip(": "), secrets)
    headers = {str(k).lower(): v for k, v in (meta.get("HTTPHeaders") or {}).items()}
    retry_after = parse_retry_after(headers.get("retry-after"))
    _bedrock_log.debug("bedrock %s answered %s (HTTP %s)", endpoint, code, status)
    cls = BEDROCK_ERRORS.get(code)
    if cls is None:
        return error_for_status(int(status or 500), detail, backend=backend,
                                endpoint=endpoint, request_id=request_id,
                                retry_after=retry_after)
    message = f"bedrock: {detail} from {endpoint} (HTTP {status})"
    if request_id:
        message += f" (request id {request_id})"
    context: dict[str, Any] = {"backend": backend, "endpoint": endpoint, "status": status,
                               "request_id": request_id}
    if cls is RateLimitError:
        return RateLimitError(message, retry_after=retry_after, **context)
    return cls(message, **context)


# -- litellm -------------------------------------------------------------------------
# (litellm class name, unified class), checked in order: subclasses before bases.
_LITELLM_ERRORS: tuple[tuple[str, type[BackendError]], ...] = (
    ("RateLimitError", RateLimitError),
    ("Timeout", TimeoutError),
    ("AuthenticationError", AuthError),
    ("PermissionDeniedError", AuthError),
    ("NotFoundError", NotFoundError),
    ("BadRequestError", BadRequestError),
    ("UnprocessableEntityError", BadRequestError),
    ("ServiceUnavailableError", ServerError),
    ("BadGatewayError", ServerError),
    ("InternalServerError", ServerError),
    ("APIResponseValidationError", ServerError),
    ("APIConnectionError", ConnectionError),
)


def _transport_failure(exc: BaseException) -> type[BackendError] | None:
    """``TimeoutError``/``ConnectionError`` when a transport failure caused ``exc``.

    litellm reports a connection cut mid-response as ``InternalServerError``; the cause
    chain still holds the httpx/OpenAI connection error.
    """
    import httpx
    import openai

    for current in list(causes(exc))[1:]:
        if isinstance(current, (openai.APITimeoutError, httpx.TimeoutException)):
            return TimeoutError
        if isinstance(current, (openai.APIConnectionError, httpx.TransportError)):
            return ConnectionError
    return None


def _response_headers(exc: BaseException) -> dict[str, str]:
    headers: dict[str, str] = {}
    try:
        response = getattr(exc, "response", None)
    except Exception:  # noqa: BLE001 - some SDK errors raise on a missing response
        response = None
    if response is not None and getattr(response, "headers", None) is not None:
        headers.update({str(k).lower(): str(v) for k, v in response.headers.items()})
    extra = getattr(exc, "headers", None)
    if isinstance(extra, Mapping):
        headers.update({str(k).lower(): str(v) for k, v in extra.items()})
    return headers


def map_litellm_error(exc: BaseException, litellm: Any, *, endpoint: str,
                      secrets: tuple[str | None, ...] = ()) -> BackendError | None:
    """The unified error for a litellm/OpenAI SDK exception (``litellm`` the imported
    module); ``None`` for exceptions that are not the SDK's (programming errors)."""
    headers = _response_headers(exc)
    status = getattr(exc, "status_code", None)
    status = status if isinstance(status, int) else None
    request_id = request_id_from(headers)
    detail = redact(f"{type(exc).__name__}: {exc}", secrets)
    context: dict[str, Any] = {"backend": "direct", "endpoint": endpoint, "status": status,
                               "request_id": request_id}
    retry_after = parse_retry_after(headers.get("retry-after"))
    for name, cls in _LITELLM_ERRORS:
        native = getattr(litellm, name, None)
        if isinstance(native, type) and isinstance(exc, native):
            message = f"direct: {detail} (endpoint {endpoint}"
            message += f", HTTP {status})" if status else ")"
            if cls is RateLimitError:
                return RateLimitError(message, retry_after=retry_after, **context)
            cause = _transport_failure(exc) if cls is ServerError else None
            if cause is not None:  # no HTTP answer: litellm's 500 is made up
                cls, context["status"] = cause, None
                message = f"direct: {detail} (endpoint {endpoint}, no HTTP answer)"
            return cls(message, **context)
    import openai

    if isinstance(exc, openai.OpenAIError) or status is not None:
        return error_for_status(status or 500, detail, backend="direct", endpoint=endpoint,
                                request_id=request_id, retry_after=retry_after)
    return None


# -- any SDK (an explicit DSPy LM) ---------------------------------------------------
# Class-name fragments of transient errors raised by SDKs we do not import
# (litellm, openai, dspy's lm15 engine, botocore), checked in order.
_TRANSIENT_NAMES: tuple[tuple[str, type[BackendError]], ...] = (
    ("ratelimit", RateLimitError), ("throttl", RateLimitError), ("timeout", TimeoutError),
    ("connect", ConnectionError), ("network", ConnectionError),
    ("transport", ConnectionError),
    ("serviceunavailable", ServerError), ("badgateway", ServerError),
    ("internalserver", ServerError), ("servererror", ServerError),
)


def _status_of(exc: BaseException) -> int | None:
    response = getattr(exc, "response", None)
    candidates = [getattr(exc, "status_code", None), getattr(exc, "status", None),
                  getattr(response, "status_code", None)]
    if isinstance(response, Mapping):
        candidates.append(response.get("ResponseMetadata", {}).get("HTTPStatusCode"))
    for value in candidates:
        if isinstance(value, int) and not isinstance(value, bool) and value >= 400:
            return value
    return None


def _aws_code(exc: BaseException) -> str | None:
    response = getattr(exc, "response", None)
    if isinstance(response, Mapping):
        code = response.get("Error", {}).get("Code")
        return str(code) if code else None
    return None


def _classify_one(exc: BaseException, context: dict[str, Any]) -> BackendError | None:
    message = f"{type(exc).__name__}: {exc}"
    code = _aws_code(exc)
    if code is not None and code in BEDROCK_ERRORS:
        return BEDROCK_ERRORS[code](message, **context)
    status = _status_of(exc)
    if status is not None:
        return error_for_status(status, message, **context)
    if isinstance(exc, builtins.TimeoutError):
        return TimeoutError(message, **context)
    if isinstance(exc, builtins.ConnectionError):
        return ConnectionError(message, **context)
    name = type(exc).__name__.lower()
    for fragment, cls in _TRANSIENT_NAMES:
        if fragment in name:
            return cls(message, **context)
    return None


def classify_error(exc: BaseException, *, backend: str = "dspy-lm",
                   endpoint: str | None = None) -> BaseException:
    """The unified error for ``exc`` (walking its cause chain), or ``exc`` itself when
    nothing identifies it (see module docstring)."""
    if isinstance(exc, UnifiedError):
        return exc
    context: dict[str, Any] = {"backend": backend, "endpoint": endpoint}
    for current in causes(exc):
        mapped = _classify_one(current, context)
        if mapped is not None:
            return mapped
    return exc
