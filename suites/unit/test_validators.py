"""The validator registry and the fingerprint the cache keys custom validators on."""

from __future__ import annotations

import functools

from unified import ValidationConfig, register_validator
from unified._validators import rules_fingerprint, validator_fingerprint

LIMIT = 10


def _make(limit: int):  # type: ignore[no-untyped-def]
    return lambda text: len(text) < limit


def test_a_registered_versioned_validator_is_keyed_on_name_and_version() -> None:
    @register_validator("fp_versioned", version="3")
    def short(text: str) -> bool:
        return len(text) < 5

    assert validator_fingerprint(short) == "registered:fp_versioned@3"


def test_a_registered_validator_without_version_is_keyed_on_its_code() -> None:
    @register_validator("fp_unversioned")
    def first(text: str) -> bool:
        return len(text) < 5

    before = validator_fingerprint(first)

    @register_validator("fp_unversioned")
    def second(text: str) -> bool:
        return len(text) < 6

    assert before.startswith("registered:fp_unversioned:")
    assert validator_fingerprint(second) != before


def test_closure_values_are_part_of_the_fingerprint() -> None:
    assert validator_fingerprint(_make(3)) == validator_fingerprint(_make(3))
    assert validator_fingerprint(_make(3)) != validator_fingerprint(_make(4))


def test_module_globals_a_validator_reads_are_part_of_the_fingerprint() -> None:
    def within(text: str) -> bool:
        return len(text) < LIMIT

    before = validator_fingerprint(within)
    globals()["LIMIT"] = 11
    try:
        assert validator_fingerprint(within) != before
    finally:
        globals()["LIMIT"] = 10


def test_partials_are_keyed_on_their_arguments() -> None:
    def longer(text: str, n: int) -> bool:
        return len(text) > n

    assert validator_fingerprint(functools.partial(longer, n=1)) != validator_fingerprint(
        functools.partial(longer, n=2))


def test_callable_instances_are_keyed_on_their_state() -> None:
    class MaxLen:
        def __init__(self, n: int) -> None:
            self.n = n

        def __call__(self, text: str) -> bool:
            return len(text) <= self.n

    assert validator_fingerprint(MaxLen(1)) == validator_fingerprint(MaxLen(1))
    assert validator_fingerprint(MaxLen(1)) != validator_fingerprint(MaxLen(2))


def test_a_builtin_gets_a_key_of_this_process_only() -> None:
    assert validator_fingerprint(str.isdigit).startswith("process:")


def test_the_rules_fingerprint_covers_the_other_rules_too() -> None:
    base = rules_fingerprint(ValidationConfig(min_length=1, validators=(_make(3),)))
    assert base != rules_fingerprint(ValidationConfig(min_length=2, validators=(_make(3),)))
    assert rules_fingerprint(None) == ""


def test_a_validator_holding_an_object_that_cannot_be_described_keeps_its_key_unshared() -> None:
    class Unprintable:
        __slots__ = ()

        def __repr__(self) -> str:
            raise RuntimeError("no repr")

    thing = Unprintable()
    assert validator_fingerprint(lambda text: thing is not None).startswith("process:")
