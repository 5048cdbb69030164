"""Helpers shared by the real backends: Retry-After, request ids, redaction.

The tables that map failures onto :mod:`unified._errors` (the HTTP status table among
them) live in :mod:`unified._classify`.

Messages never contain a secret: :func:`redact` removes every configured secret (and
anything shaped like a key) from provider text before it is put into an error, and
:func:`safe_url` drops user info and query strings from URLs shown as an error's
``endpoint``.
"""

from __future__ import annotations

import email.utils
import json
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from .._errors import scrub

__all__ = ["DETAIL_LIMIT", "error_detail", "parse_retry_after",
           "redact", "request_id_from", "safe_url", "sampling_params"]

DETAIL_LIMIT = 300
_REQUEST_ID_HEADERS = ("x-request-id", "request-id", "x-amzn-requestid", "x-amz-request-id",
                       "mlflow-request-id", "cf-ray")


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """:func:`scrub`, cut to a readable length: the redaction errors and logs get."""
    text = scrub(text, secrets)
    return text if len(text) <= DETAIL_LIMIT else text[: DETAIL_LIMIT - 3] + "..."


def safe_url(url: str) -> str:
    """``url`` without user info, query or fragment (safe to show in errors and info)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def parse_retry_after(value: str | None, *,
                      now: Callable[[], float] = time.time) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delta-seconds or an HTTP-date).

    Returns ``None`` when the header is absent or unreadable; a date in the past gives 0.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:  # pragma: no cover - older Pythons returned None
            return None
        return max(when.timestamp() - now(), 0.0)
    if seconds != seconds or seconds in (float("inf"), float("-inf")):
        return None
    return max(seconds, 0.0)


def request_id_from(headers: Mapping[str, str] | None) -> str | None:
    """The provider's request id from response headers, when it sent one."""
    if not headers:
        return None
    lowered = {str(k).lower(): v for k, v in headers.items()}
    for name in _REQUEST_ID_HEADERS:
        if lowered.get(name):
            return str(lowered[name])
    return None


def error_detail(body: bytes | str, content_type: str = "") -> str:
    """A short human-readable detail from an error body (JSON error fields or a summary)."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    try:
        payload: Any = json.loads(text)
    except ValueError:
        kind = content_type.split(";", 1)[0].strip() or "unknown content type"
        return f"non-JSON body ({kind}, {len(text)} bytes)"
    if isinstance(payload, dict):
        error = payload.get("error")
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"])
        for key in ("detail", "message", "error"):
            if payload.get(key):
                value = payload[key]
                return value if isinstance(value, str) else json.dumps(value)
    return text.strip()


def sampling_params(defaults: Mapping[str, Any], params: Mapping[str, Any]) -> dict[str, Any]:
    """Request parameters over configured defaults, ``None`` values dropped."""
    merged = {k: v for k, v in defaults.items() if v is not None}
    merged.update({k: v for k, v in params.items() if v is not None})
    return merged
