"""A generated corpus of small legacy programs for the codemod's before/after runs.

Each program combines the five legacy patterns' imports and configs the way services
do: configs inline, in variables, chosen by a flag (``v = ValidationConfig(...) if
STRICT else None``), kept in a dict or returned by a helper; wrappers used through
``predict`` / ``process`` / ``batch_process``; a gateway configured globally before an
enhanced wrapper or a dynamic module relies on it. The choice is seeded, so the corpus
is the same on every run. A program prints what it observed (answers, error class
names, config fields), so running it before and after migration compares behaviour.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["Block", "programs"]

_MODULES = {"DSPyEnhancedWrapper": "dspy_enhanced", "RetryConfig": "dspy_enhanced",
            "CacheConfig": "dspy_enhanced", "ValidationConfig": "dspy_enhanced",
            "DSPyWrapper": "dspy_wrapper", "DSPyConfig": "dspy_wrapper",
            "configure_dspy_with_gateway": "dspy_gateway_backend",
            "DSPyBedrockEnhancedWrapper": "dspy_bedrock_enhanced",
            "BedrockConfig": "dspy_bedrock_enhanced", "DynamicDSPyModule": "base_module",
            "production": "dspy_enhanced"}


@dataclass
class Block:
    """Lines of a program and the legacy names they use."""

    lines: list[str]
    names: set[str] = field(default_factory=set)


# -- enhanced wrapper (pattern 1) ---------------------------------------------------------
_RETRY = [("", set(), []),
          ("retry_config=RetryConfig(max_retries=1)", {"RetryConfig"}, []),
          ("retry_config=R{n}", {"RetryConfig"}, ["R{n} = RetryConfig(max_retries=2, base_delay=0.0)"]),
          ("retry_config=None", set(), []),
          ("retry_config=R{n}", {"RetryConfig"}, ["R{n} = RetryConfig(max_retries=1) if STRICT else None"])]
_CACHE = [("", set(), []),
          ("cache_config=CacheConfig(ttl=60)", {"CacheConfig"}, []),
          ("cache_config=CacheConfig(enabled=False)", {"CacheConfig"}, []),
          ("cache_config=C{n}", {"CacheConfig"}, ["C{n} = CacheConfig(ttl=120, cache_dir='cache{n}')"]),
          ("cache_config=SETTINGS{n}['cache']", {"CacheConfig"},
           ["SETTINGS{n} = {{'cache': CacheConfig(ttl=30)}}"])]
_VALIDATION = [("", set(), []),
               ("validation_config=ValidationConfig(min_length=1)", {"ValidationConfig"}, []),
               ("validation_config=V{n}", {"ValidationConfig"},
                ["V{n} = ValidationConfig(min_length=1) if STRICT else None"]),
               ("validation_config=strict{n}()", {"ValidationConfig"},
                ["def strict{n}():", "    return ValidationConfig(max_length=500)"]),
               ("validation_config=ValidationConfig(required_keywords=['zzz'])",
                {"ValidationConfig"}, []),
               ("validation_config=V{n}", {"ValidationConfig"},
                ["V{n} = ValidationConfig(forbidden_keywords=['<script>'])",
                 "print('forbidden{n}:', V{n}.forbidden_keywords)"])]
_ENHANCED_USES = [
    ["m{n} = w{n}.create_module('qa{n}', 'question -> answer')",
     "print('enhanced{n}:', m{n}.predict(question='What is DSPy?').answer)"],
    ["m{n} = w{n}.create_module('qa{n}', 'question -> answer')",
     "print('process{n}:', m{n}.process({{'question': 'Why?'}}).answer)"],
    ["m{n} = w{n}.create_module('qa{n}', 'question -> answer')",
     "out{n} = w{n}.batch_process(m{n}, [{{'question': 'a'}}, {{'question': 'b'}}])",
     "print('batch{n}:', [getattr(p, 'answer', type(p).__name__) for p in out{n}])"],
    ["m{n} = w{n}.create_module('qa{n}', 'question -> answer')",
     "m{n}.predict(question='counted')",
     "print('metrics{n}:', w{n}.get_metrics()['total_requests'])"],
]


def _guarded(lines: list[str]) -> list[str]:
    """``lines`` whose calls after the first print the error class name when they raise."""
    head, *calls = lines
    return [head, "try:", *(f"    {line}" for line in calls), "except Exception as exc:",
            "    print('error:', type(exc).__name__)"]


def enhanced(rng: random.Random, n: int) -> Block:
    """An enhanced wrapper with a random mix of config forms."""
    parts, names, setup = [], {"DSPyEnhancedWrapper"}, []
    for options in (_RETRY, _CACHE, _VALIDATION):
        arg, used, lines = rng.choice(options)
        if arg:
            parts.append(arg.format(n=n))
        names |= used
        setup += [line.format(n=n) for line in lines]
    use = [line.format(n=n) for line in rng.choice(_ENHANCED_USES)]
    if rng.random() < 0.15:  # a preset splat: stays legacy
        parts = ["**production()"]
        names.add("production")
    return Block([*setup, f"w{n} = DSPyEnhancedWrapper({', '.join(parts)})",
                  *_guarded(use)], names)


# -- simple wrapper (pattern 4) -----------------------------------------------------------
_SIMPLE_CONFIGS = ["DSPyConfig(model='claude-3-haiku')", "DSPyConfig(cache_enabled=False, max_retries=2)",
                   "DSPyConfig(budget_usd=5.0)", ""]


def simple(rng: random.Random, n: int) -> Block:
    """A simple wrapper; its result read through ``.outputs`` or ``.success``."""
    config = rng.choice(_SIMPLE_CONFIGS)
    names = {"DSPyWrapper"} | ({"DSPyConfig"} if config else set())
    lines = [f"s{n} = DSPyWrapper({config})",
             f"r{n} = s{n}.predict('question -> answer', question='Simple?')"]
    if rng.random() < 0.2:  # the MCP helper: only the legacy wrapper has it
        names.add("DSPyWrapper")
        lines.append(f"print('tool{n}:', s{n}.as_mcp_tool('qa{n}', 'question -> answer')['name'])")
    if rng.random() < 0.5:
        lines.append(f"print('simple{n}:', r{n}.outputs['answer'])")
    else:
        lines += [f"if r{n}.success:", f"    print('simple{n}:', r{n}.outputs['answer'])",
                  "else:", f"    print('simple{n} failed:', r{n}.error)"]
    return Block(lines, names)


# -- gateway (pattern 2), Bedrock (3), dynamic module (5) -------------------------------------
def configure(rng: random.Random, n: int) -> Block:
    """The global gateway LM, then a plain DSPy program on it."""
    call = rng.choice(["configure_dspy_with_gateway('claude-3-haiku', 'http://gw.internal:5000')",
                       "configure_dspy_with_gateway(route='claude-3-5-sonnet')",
                       "lm{n} = configure_dspy_with_gateway('claude-3-haiku')"]).format(n=n)
    return Block([call, "print('global:', dspy.Predict('question -> answer')"
                        "(question='Routed?').answer)"], {"configure_dspy_with_gateway"})


def bedrock(rng: random.Random, n: int) -> Block:
    """A Bedrock wrapper and one of its Bedrock modules."""
    config = rng.choice(["BedrockConfig(region='eu-west-1', default_model='claude-3-haiku')",
                         "{'region': 'us-west-2'}", "BedrockConfig()"])
    names = {"DSPyBedrockEnhancedWrapper"} | ({"BedrockConfig"} if "Bedrock" in config else set())
    return Block([f"b{n} = DSPyBedrockEnhancedWrapper(bedrock_config={config})",
                  f"bm{n} = b{n}.create_bedrock_module('sum{n}', 'text -> summary')",
                  f"print('bedrock{n}:', bm{n}.predict(text='Long text').summary)"], names)


def dynamic(rng: random.Random, n: int) -> Block:
    """A dynamic module on the global LM."""
    return Block([f"class Sig{n}(dspy.Signature):", "    question: str = dspy.InputField()",
                  "    answer: str = dspy.OutputField()",
                  f"d{n} = DynamicDSPyModule(Sig{n})",
                  f"print('dynamic{n}:', d{n}(question='Dynamic?').answer)"],
                 {"DynamicDSPyModule"})


_BODY: list[Callable[[random.Random, int], Block]] = [enhanced, enhanced, simple, bedrock,
                                                      dynamic]


def _program(rng: random.Random) -> str:
    blocks = [configure(rng, 0)] if rng.random() < 0.4 else []
    blocks += [rng.choice(_BODY)(rng, n) for n in range(1, rng.randint(1, 3) + 1)]
    names = set().union(*(b.names for b in blocks))
    by_module: dict[str, list[str]] = {}
    for name in sorted(names):
        by_module.setdefault(_MODULES[name], []).append(name)
    imports = [f"from tidyllm.{module} import {', '.join(found)}"
               for module, found in sorted(by_module.items())]
    flag = f"STRICT = {rng.random() < 0.5}"
    body = [line for block in blocks for line in block.lines]
    return "\n".join(["import dspy", *imports, "", flag, *body, ""])


def programs(count: int = 80, seed: int = 17) -> dict[str, str]:
    """``count`` generated legacy programs by file name."""
    rng = random.Random(seed)
    return {f"program_{i:03d}.py": _program(rng) for i in range(count)}
