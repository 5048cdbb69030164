"""The rewritten code of each legacy call that :mod:`unified.migrate.rules` let through.

Builders take the *updated* call (its arguments already migrated, inner calls first)
and return its replacement; they report the unified names the new code uses through
``Env.need`` so the import pass can import exactly those.
"""

from __future__ import annotations

from typing import Protocol

import libcst as cst

from .args import Bound, bind, int_literal, is_literal, is_none
from .layout import Item, Placement, Style, call, code_of, drop_args, expr
from .legacy import (
    BEDROCK_DEFAULTS,
    BEDROCK_FIELDS,
    CONFIG_SPECS,
    ENHANCED_DEFAULTS,
    GATEWAY_DEFAULTS,
    SIMPLE_CACHE_SIZE,
    SIMPLE_DEFAULTS,
)
from .rules import bind_for

__all__ = ["Env", "build_call", "build_dynamic", "build_method", "configure_statements"]

WRAPPER = "UnifiedDSPyWrapper"
CONFIG = "UnifiedConfig"
_PREFIX = len(WRAPPER) + 1
_SECTIONS = {"retry_config": "retry", "cache_config": "cache", "validation_config": "validation"}


class Env(Protocol):
    """What builders need from the transformer."""

    def need(self, name: str) -> None:
        """Record that the new code uses the unified name ``name``."""

    def placement(self, node: cst.CSTNode) -> Placement | None:
        """Where the original ``node`` starts (``None`` when unknown)."""


def _name(env: Env, name: str) -> cst.Name:
    env.need(name)
    return cst.Name(name)


def _backend(env: Env, member: str) -> Item:
    env.need("BackendType")
    return Item("backend", expr(f"BackendType.{member}"))


def _default(env: Env, keyword: str, code: str, source: cst.Arg | None = None) -> Item:
    """An added ``keyword=code`` item (in place of ``source``); the classes ``code``
    constructs are needed."""
    for name in ("RetryConfig", "CacheConfig"):
        if code.startswith(name + "("):
            env.need(name)
    return Item(keyword, expr(code), source)


def _config(kind: str, original: cst.Call, updated: cst.Call, env: Env) -> cst.Call:
    spec = CONFIG_SPECS[kind]
    bound = bind_for(kind, updated)
    items = [Item(spec.renames.get(p, p), bound.args[p].value, bound.args[p])
             for p in bound.order]
    if not (kind == "cache" and is_literal(bound.value("enabled"), False)):
        items += [_default(env, key, code) for param, key, code in spec.defaults
                  if param not in bound.args]
    func = updated.func if isinstance(updated.func, cst.Name) else _name(env, spec.name)
    return call(func, items, Style.of(updated), env.placement(original))


def _simple_cache(bound: Bound, env: Env) -> Item | None:
    """``cache_enabled``/``cache_size`` as one ``cache=CacheConfig(...)`` item."""
    enabled, size = bound.args.get("cache_enabled"), bound.args.get("cache_size")
    if enabled is not None and is_literal(enabled.value, False):
        return None
    parts = [] if enabled is None or is_literal(enabled.value, True) else \
        [Item("enabled", enabled.value)]
    parts.append(Item("memory_entries", size.value if size else expr(SIMPLE_CACHE_SIZE)))
    value = cst.Call(func=_name(env, "CacheConfig"), args=Style().arrange(parts))
    return Item("cache", value, enabled or size)


def _simple_config_items(bound: Bound, env: Env) -> list[Item]:
    items = [_backend(env, "GATEWAY")]
    cache_placed = False
    for param in bound.order:
        arg = bound.args[param]
        if param == "max_retries":
            retries = (int_literal(arg.value) or 1) - 1  # legacy: tries in all
            if retries > 0:
                items.append(Item("retry", expr(f"RetryConfig(max_retries={retries})"), arg))
                env.need("RetryConfig")
        elif param in ("cache_enabled", "cache_size"):
            cache = None if cache_placed else _simple_cache(bound, env)
            items += [cache] if cache else []
            cache_placed = True
        elif param != "budget_usd":
            items.append(Item(param, arg.value, arg))
    items += [Item(key, expr(code)) for key, code in SIMPLE_DEFAULTS if key not in bound.args]
    if not cache_placed:
        items.append(_default(env, "cache",
                              f"CacheConfig(memory_entries={SIMPLE_CACHE_SIZE})"))
    return items


def _simple_wrapper(original: cst.Call, updated: cst.Call, env: Env) -> cst.Call:
    bound = bind_for("simple_wrapper", updated)
    if bound.given("config"):
        return updated.with_changes(func=_name(env, WRAPPER))
    config = call(_name(env, CONFIG), _simple_config_items(Bound(), env), Style.of(updated),
                  env.placement(original), _PREFIX)
    return updated.with_changes(func=_name(env, WRAPPER), args=[cst.Arg(config)])


def _section_items(bound: Bound, env: Env) -> list[Item]:
    """retry/cache/validation items of an enhanced wrapper, legacy defaults made explicit;
    ``lm``/``metrics_config`` (``None``) and ``debug`` (log level only) are dropped."""
    items = []
    for param in bound.order:
        section = _SECTIONS.get(param)
        if section is None:
            continue
        arg = bound.args[param]
        if not is_none(arg.value):
            items.append(Item(section, arg.value, arg))
        elif section in ENHANCED_DEFAULTS:
            items.append(_default(env, section, ENHANCED_DEFAULTS[section], arg))
    for param, section in _SECTIONS.items():
        if param not in bound.args and section in ENHANCED_DEFAULTS:
            items.append(_default(env, section, ENHANCED_DEFAULTS[section]))
    return items


def _bedrock_items(bound: Bound, env: Env) -> list[Item]:
    items = [_backend(env, "BEDROCK")]
    given: set[str] = set()
    for field, value in _bedrock_fields(bound.value("bedrock_config")):
        items.append(Item(BEDROCK_FIELDS[field], value))
        given.add(BEDROCK_FIELDS[field])
    items += [Item(key, expr(code)) for key, code in BEDROCK_DEFAULTS if key not in given]
    return items + _section_items(bound, env)


def _bedrock_fields(config: cst.BaseExpression | None) -> list[tuple[str, cst.BaseExpression]]:
    """``(legacy field, value)`` of an inline ``BedrockConfig(...)`` or dict literal."""
    if isinstance(config, cst.Call):
        inner = bind(config, tuple(BEDROCK_FIELDS))
        return [(p, inner.args[p].value) for p in inner.order]
    if isinstance(config, cst.Dict):
        return [(str(e.key.evaluated_value), e.value) for e in config.elements
                if isinstance(e, cst.DictElement) and isinstance(e.key, cst.SimpleString)]
    return []


def _wrapped(original: cst.Call, updated: cst.Call, items: list[Item], env: Env) -> cst.Call:
    """``UnifiedDSPyWrapper(UnifiedConfig(items))`` laid out like ``updated``."""
    config = call(_name(env, CONFIG), items, Style.of(updated), env.placement(original),
                  _PREFIX)
    return updated.with_changes(func=_name(env, WRAPPER), args=[cst.Arg(config)],
                                whitespace_before_args=cst.SimpleWhitespace(""))


def build_call(kind: str, original: cst.Call, updated: cst.Call, env: Env,
               pin: cst.Call | None = None) -> cst.Call:
    """The replacement of a legacy constructor call of ``kind``; an enhanced wrapper
    with a ``pin`` (a ``configure_dspy_with_gateway`` call) gets that call's gateway."""
    if kind in CONFIG_SPECS:
        return _config(kind, original, updated, env)
    if kind == "simple_config":
        items = _simple_config_items(bind_for(kind, updated), env)
        return call(_name(env, CONFIG), items, Style.of(updated), env.placement(original))
    if kind == "simple_wrapper":
        return _simple_wrapper(original, updated, env)
    if kind == "enhanced_wrapper":
        gateway = _gateway_items(pin, env, with_retry=False) if pin is not None else []
        return _wrapped(original, updated,
                        gateway + _section_items(bind_for(kind, updated), env), env)
    if kind == "bedrock_wrapper":
        return _wrapped(original, updated, _bedrock_items(bind_for(kind, updated), env), env)
    raise ValueError(f"no builder for {kind!r}")


def _gateway_items(configure: cst.Call, env: Env, *, with_retry: bool) -> list[Item]:
    """The gateway backend a ``configure_dspy_with_gateway`` call set up, as
    ``UnifiedConfig`` items (its retry policy only with ``with_retry``)."""
    bound = bind_for("configure", configure)
    items = [_backend(env, "GATEWAY")]
    renamed = {"route": "model", "gateway_uri": "gateway_uri"}
    given = {renamed[p] for p in bound.order if p in renamed and bound.given(p)}
    items += [Item(renamed[p], bound.args[p].value, bound.args[p]) for p in bound.order
              if renamed[p] in given]
    return items + [_default(env, key, code) for key, code in GATEWAY_DEFAULTS
                    if key not in given and (with_retry or key != "retry")]


def _gateway_config(updated: cst.Call, env: Env, placement: Placement, prefix: int) -> cst.Call:
    items = _gateway_items(updated, env, with_retry=True)
    return call(_name(env, CONFIG), items, Style(), placement, prefix)


def configure_statements(line: cst.SimpleStatementLine, updated: cst.Call, wrapper: str,
                         dspy: str, env: Env, indent: str) -> list[cst.SimpleStatementLine]:
    """``configure_dspy_with_gateway(...)`` as a statement, an assignment or a return,
    rewritten to a wrapper variable and ``dspy.configure(lm=<wrapper>.lm)``."""
    config = _gateway_config(updated, env, Placement(indent, len(indent)),
                             len(f"{wrapper} = {WRAPPER}("))
    small = line.body[0]
    lm = expr(f"{wrapper}.lm")
    configure = cst.parse_statement(f"{dspy}.configure(lm={wrapper}.lm)\n")
    kept = cst.SimpleStatementLine([small.with_changes(value=lm)],
                                   trailing_whitespace=line.trailing_whitespace)
    if isinstance(small, cst.Assign):
        target = code_of(small.targets[0].target)
        rest = [kept, cst.parse_statement(f"{dspy}.configure(lm={target})\n")]
    elif isinstance(small, cst.Return):
        rest = [configure, kept]
    else:
        rest = [configure.with_changes(trailing_whitespace=line.trailing_whitespace)]
    build = cst.SimpleStatementLine(
        [cst.Assign([cst.AssignTarget(cst.Name(wrapper))],
                    cst.Call(_name(env, WRAPPER), [cst.Arg(config)]))],
        leading_lines=line.leading_lines)
    return [build, *(s for s in rest if isinstance(s, cst.SimpleStatementLine))]


def build_dynamic(updated: cst.Call, wrapper: str) -> cst.Call:
    """``DynamicDSPyModule(Sig)`` -> ``<wrapper>.create_module(Sig)``."""
    arg = bind_for("dynamic_module", updated).args["signature_cls"]
    return updated.with_changes(
        func=cst.Attribute(cst.Name(wrapper), cst.Name("create_module")),
        args=[_positional(arg)])


def _positional(arg: cst.Arg, star: str = "") -> cst.Arg:
    return arg.with_changes(keyword=None, equal=cst.MaybeSentinel.DEFAULT, star=star)


def build_method(action: str, updated: cst.Call) -> cst.Call:
    """A method call on a migrated object, rewritten by ``action`` (see
    :data:`unified.migrate.legacy.USES`)."""
    func = updated.func
    if not isinstance(func, cst.Attribute):
        return updated
    if action.startswith("rename:"):
        return updated.with_changes(func=func.with_changes(attr=cst.Name(action[7:])))
    if action in ("create_module", "create_bedrock_module"):
        bound = bind_for(action, updated)
        dropped = [arg for p, arg in bound.args.items() if p != "signature"]
        return drop_args(updated, dropped).with_changes(
            func=func.with_changes(attr=cst.Name("create_module")))
    if action == "process":
        arg = bind_for(action, updated).args["inputs"]
        return updated.with_changes(func=func.with_changes(attr=cst.Name("predict")),
                                    args=[_positional(arg, "**")])
    if action == "predict_via_module":
        signature = next(a for a in updated.args if (a.keyword is None and not a.star) or (
            a.keyword is not None and a.keyword.value == "signature"))
        rest = drop_args(updated, [signature])
        module = cst.Call(func=func.with_changes(attr=cst.Name("create_module")),
                          args=[_positional(signature).with_changes(
                              comma=cst.MaybeSentinel.DEFAULT,
                              whitespace_after_arg=cst.SimpleWhitespace(""))])
        return rest.with_changes(func=cst.Attribute(module, cst.Name("predict")))
    raise ValueError(f"unknown method action {action!r}")
