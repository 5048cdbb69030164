"""The exception tree: one root, transient vs permanent, built-in compatibility."""

from __future__ import annotations

import builtins

import pytest

from unified import _errors as errors


@pytest.mark.parametrize("name", [n for n in errors.__all__ if n[0].isupper()])
def test_every_error_derives_from_unified_error(name: str) -> None:
    assert issubclass(getattr(errors, name), errors.UnifiedError)


@pytest.mark.parametrize("cls", [errors.RateLimitError, errors.TimeoutError,
                                 errors.ServerError, errors.ConnectionError])
def test_transient_errors_are_transient(cls: type) -> None:
    assert issubclass(cls, errors.TransientError)
    assert not issubclass(cls, errors.PermanentError)


@pytest.mark.parametrize("cls", [errors.AuthError, errors.BadRequestError,
                                 errors.NotFoundError])
def test_permanent_errors_are_permanent(cls: type) -> None:
    assert issubclass(cls, errors.PermanentError)


def test_timeout_and_connection_errors_are_also_the_builtins() -> None:
    assert issubclass(errors.TimeoutError, builtins.TimeoutError)
    assert issubclass(errors.ConnectionError, builtins.ConnectionError)


def test_backend_errors_carry_context() -> None:
    exc = errors.RateLimitError("slow down", retry_after=2.5, backend="gateway", status=429,
                                endpoint="chat", request_id="r1")
    assert (exc.retry_after, exc.backend, exc.status, exc.endpoint, exc.request_id) == (
        2.5, "gateway", 429, "chat", "r1")


def test_validation_error_carries_its_reason_code() -> None:
    assert errors.ValidationError("too_short").reason == "too_short"


def test_error_class_by_name_refuses_non_errors() -> None:
    assert errors.error_class_by_name("ServerError") is errors.ServerError
    with pytest.raises(KeyError):
        errors.error_class_by_name("builtins")
