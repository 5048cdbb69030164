"""Custom validators: the registry config files name, and the fingerprint the cache keys on.

A custom validator changes which answers may be stored and served, so the cache key must
change whenever the validator does. The key never holds a validator's name alone (two
``lambda``s share a qualname, and a function's body changes between deploys); it holds a
fingerprint:

- a validator registered with a ``version`` (``register_validator("no_pii", version="2")``)
  is keyed on its name and version: bump the version when the rule changes, keep it when
  a refactor does not change what passes (processes then share cache entries);
- any other function is keyed on a hash of what it does: its code object (bytecode,
  constants, nested code, names), the values of its defaults, of its closure cells and of
  the module globals it reads (recursively for functions; other objects by ``repr``).
  ``functools.partial`` and callable instances are keyed on their function and state;
- a callable that cannot be fingerprinted this way (a builtin, a C extension) is keyed on
  a value unique to this process: its entries are never shared with another process.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import types
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

__all__ = ["register_validator", "registered_validators", "validator_name",
           "validator_fingerprint", "rules_fingerprint", "lookup_validator"]

Validator = Callable[[str], bool]


@dataclass(frozen=True)
class _Entry:
    func: Validator
    version: str | None


_REGISTRY: dict[str, _Entry] = {}
_PROCESS_TOKEN = uuid.uuid4().hex
_PLAIN = (str, bytes, int, float, complex, bool, type(None))
_MAX_DEPTH = 6


def register_validator(name: str, version: str | None = None
                       ) -> Callable[[Validator], Validator]:
    """Register a custom validator under ``name`` so config files can refer to it.

    Config files never import code by path; they name registered validators only.
    ``version`` (any string) is what the cache keys on: change it when the rule changes.
    Without a version the key holds a hash of the function's code instead.
    """

    def decorate(func: Validator) -> Validator:
        _REGISTRY[name] = _Entry(func, None if version is None else str(version))
        return func

    return decorate


def registered_validators() -> dict[str, Validator]:
    """A copy of the validator registry (name -> callable)."""
    return {name: entry.func for name, entry in _REGISTRY.items()}


def lookup_validator(name: str) -> Validator | None:
    """The validator registered under ``name``, or None."""
    entry = _REGISTRY.get(name)
    return entry.func if entry is not None else None


def _registered(func: Validator) -> tuple[str, _Entry] | None:
    for name, entry in _REGISTRY.items():
        if entry.func is func:
            return name, entry
    return None


def validator_name(func: Validator) -> str | None:
    """The registered name of ``func``, or None when it is not registered."""
    found = _registered(func)
    return found[0] if found is not None else None


def validator_fingerprint(func: Validator) -> str:
    """A string that changes whenever what ``func`` accepts may change (module docstring)."""
    found = _registered(func)
    if found is not None and found[1].version is not None:
        return f"registered:{found[0]}@{found[1].version}"
    digest = hashlib.sha256()
    try:
        _feed(digest, func, 0, set())
    except Exception:  # noqa: BLE001 - _Opaque, or a repr() that raised: keep it unshared
        return f"process:{_PROCESS_TOKEN}:{id(func)}"
    prefix = f"registered:{found[0]}:" if found is not None else "code:"
    return prefix + digest.hexdigest()


def rules_fingerprint(validation: Any) -> str:
    """The validation part of a cache key: every rule, custom validators by fingerprint."""
    from ._types import canonical_json

    if validation is None:
        return ""
    rules = validation.to_dict()
    rules["validators"] = [validator_fingerprint(f) for f in validation.validators]
    return canonical_json(rules)


class _Opaque(Exception):
    """Raised inside the fingerprint walk for a callable whose behaviour is not visible."""


def _feed(digest: Any, obj: Any, depth: int, seen: set[int]) -> None:
    """Feed a stable description of ``obj`` (a value or a callable) into ``digest``."""
    if depth > _MAX_DEPTH or id(obj) in seen:
        digest.update(b"<...>")
        return
    if isinstance(obj, _PLAIN):
        digest.update(repr(obj).encode("utf-8", "surrogatepass"))
        return
    seen = seen | {id(obj)}
    parts = _parts(obj)
    if parts is not None:
        digest.update(type(obj).__name__.encode())
        for part in parts:
            _feed(digest, part, depth + 1, seen)
        return
    if isinstance(obj, types.CodeType):
        _feed_code(digest, obj, depth, seen)
        return
    if isinstance(obj, types.FunctionType):
        _feed_function(digest, obj, depth, seen)
        return
    if isinstance(obj, types.ModuleType):
        digest.update(f"module:{obj.__name__}".encode())
        return
    if isinstance(obj, type):
        digest.update(f"type:{obj.__module__}.{obj.__qualname__}".encode())
        call = obj.__dict__.get("__call__")
        if isinstance(call, types.FunctionType):
            _feed_function(digest, call, depth + 1, seen)
        return
    if isinstance(obj, (types.BuiltinFunctionType, types.BuiltinMethodType)) and depth == 0:
        raise _Opaque  # a builtin used as the validator itself: nothing to hash
    call = inspect.getattr_static(type(obj), "__call__", None)
    if depth == 0 and not isinstance(call, types.FunctionType):
        raise _Opaque
    _feed(digest, type(obj), depth + 1, seen)
    state = getattr(obj, "__dict__", None)
    if state is not None:
        _feed(digest, state, depth + 1, seen)
    else:
        digest.update(repr(obj).encode("utf-8", "surrogatepass"))


def _parts(obj: Any) -> Iterable[Any] | None:
    """The parts a container, a bound method or a partial is made of (in a stable order)."""
    if isinstance(obj, (tuple, list)):
        return obj
    if isinstance(obj, (set, frozenset)):
        return sorted(obj, key=repr)
    if isinstance(obj, dict):
        return [x for kv in sorted(obj.items(), key=lambda kv: repr(kv[0])) for x in kv]
    if isinstance(obj, types.MethodType):
        return (obj.__func__, obj.__self__)
    if isinstance(obj, functools.partial):
        return (obj.func, obj.args, obj.keywords)
    return None


def _feed_function(digest: Any, func: types.FunctionType, depth: int, seen: set[int]) -> None:
    digest.update(f"function:{func.__module__}.{func.__qualname__}".encode())
    _feed_code(digest, func.__code__, depth, seen)
    _feed(digest, func.__defaults__, depth + 1, seen)
    _feed(digest, func.__kwdefaults__, depth + 1, seen)
    for cell in func.__closure__ or ():
        try:
            contents = cell.cell_contents
        except ValueError:  # an empty cell (a name bound later)
            contents = "<empty cell>"
        _feed(digest, contents, depth + 1, seen)
    namespace = func.__globals__
    for name in _global_names(func.__code__):
        if name in namespace:
            digest.update(name.encode())
            _feed(digest, namespace[name], depth + 1, seen)


def _global_names(code: types.CodeType) -> list[str]:
    names = list(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names.extend(_global_names(const))
    return sorted(set(names))


def _feed_code(digest: Any, code: types.CodeType, depth: int, seen: set[int]) -> None:
    digest.update(code.co_code)
    digest.update(repr((code.co_names, code.co_varnames, code.co_argcount,
                        code.co_kwonlyargcount, code.co_flags)).encode())
    for const in code.co_consts:
        _feed(digest, const, depth + 1, seen)
