"""The parity runner and comparator.

For each scenario every applicable implementation runs inside the scenario's replay
(vcrpy for HTTP, the cassette-backed moto responder for Bedrock). Then:

- each ``compat:<pattern>`` shim must match ``legacy:<pattern>`` on every field in
  :data:`STRICT_FIELDS` (outputs, canonical requests, wire shape, attempts and delays,
  cache behavior, validation, exception, metrics counters);
- the native ``unified`` API must match the legacy reference on :data:`NATIVE_FIELDS`
  (outputs, canonical requests, exception), except where a difference listed in
  ``unified/compat/DIFFERENCES.md`` and named by the scenario covers the field
  (EXPECTED-DIFF, citing the id).

A replay miss, or an implementation that failed to set up, is always a FAIL; so is a
missing cassette or one edited after it was recorded (:mod:`harness.parity.replay.integrity`),
reported once on the reference, the other implementations SKIPPED.
"""

from __future__ import annotations

import functools
import json
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .adapters import RunEnv, available_implementations
from .differences import Difference, load_differences
from .observation import Observation
from .scenarios import (
    COMPARABLE_FIELDS,
    DEFAULT_NATIVE_FIELDS,
    SCENARIO_DIR,
    Scenario,
    load_scenarios,
)

__all__ = ["FIELDS", "STRICT_FIELDS", "NATIVE_FIELDS", "ImplResult", "ScenarioResult",
           "ParityRun", "run_scenario", "run_parity", "compare", "involved_patterns", "REPLAY_GATEWAY_URI",
           "REPLAY_UPSTREAM_URL", "SCHEMA_VERSION"]

SCHEMA_VERSION = "1.0"
FIELDS = COMPARABLE_FIELDS
STRICT_FIELDS = FIELDS
NATIVE_FIELDS = DEFAULT_NATIVE_FIELDS
#: Addresses used during replay: nothing listens there; the replay answers in-process.
REPLAY_GATEWAY_URI = "http://127.0.0.1:9"
REPLAY_UPSTREAM_URL = "http://127.0.0.1:9/v1"


@dataclass
class ImplResult:
    """The verdict for one implementation in one scenario."""

    implementation: str
    status: str                       # REFERENCE | PASS | EXPECTED-DIFF | FAIL | SKIPPED
    diffs: dict[str, str] = field(default_factory=dict)
    cited: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    observation: dict[str, Any] = field(default_factory=dict)


@dataclass
class ScenarioResult:
    """Every implementation's verdict for one scenario."""

    scenario: str
    pattern: str
    backend: str
    description: str
    results: list[ImplResult]
    cassette: str = ""
    played: list[int] = field(default_factory=list)
    #: ``legacy`` (the legacy pattern is the reference) or ``recorded`` (no legacy
    #: pattern carries this scenario: unified is judged against its expect block and
    #: the recorded wire, and the legacy column shows n/a).
    reference: str = "legacy"

    @property
    def failed(self) -> bool:
        """True when any implementation FAILed."""
        return any(r.status == "FAIL" for r in self.results)


@dataclass
class ParityRun:
    """The outcome of a whole parity run."""

    scenarios: list[ScenarioResult]
    wall_time: float = 0.0

    @property
    def failed(self) -> bool:
        """True when any scenario has a FAIL."""
        return any(s.failed for s in self.scenarios)

    def counts(self) -> dict[str, int]:
        """How many verdicts of each status."""
        counts: dict[str, int] = {}
        for scenario in self.scenarios:
            for result in scenario.results:
                counts[result.status] = counts.get(result.status, 0) + 1
        return counts

    def played_by_cassette(self) -> dict[str, set[int]]:
        """Interaction indices played per cassette (for the cassette lint)."""
        played: dict[str, set[int]] = {}
        for scenario in self.scenarios:
            played.setdefault(scenario.cassette, set()).update(scenario.played)
        return played


def _short(value: Any, limit: int = 160) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def field_diff(expected: Any, actual: Any) -> str:
    """A readable description of how ``actual`` differs from ``expected``."""
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return f"length {len(expected)} != {len(actual)}: {_short(expected)} vs {_short(actual)}"
        for i, (a, b) in enumerate(zip(expected, actual, strict=True)):
            if a != b:
                return f"[{i}]: {field_diff(a, b)}"
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in sorted(set(expected) | set(actual), key=str):
            if expected.get(key) != actual.get(key):
                return f".{key}: {field_diff(expected.get(key), actual.get(key))}"
    return f"legacy {_short(expected)} != {_short(actual)}"


def compare(reference: Observation, other: Observation, fields: Sequence[str]) -> dict[str, str]:
    """Field name -> readable diff, for every compared field that differs."""
    return {name: field_diff(reference.view(name), other.view(name))
            for name in fields if reference.view(name) != other.view(name)}


def involved_patterns(scenario: Scenario) -> frozenset[str]:
    """Legacy patterns whose code a scenario exercises (the gateway LM under the enhanced
    and simple wrappers, the enhanced wrapper under the Bedrock one)."""
    involved = {scenario.pattern}
    if scenario.backend == "gateway":
        involved.add("gateway")
    if scenario.pattern == "bedrock":
        involved.add("enhanced")
    return frozenset(involved)


def _verdict(scenario: Scenario, reference: Observation, obs: Observation, kind: str,
             differences: dict[str, Difference]) -> ImplResult:
    result = ImplResult(obs.implementation, "PASS", observation=obs.to_dict())
    result.problems = [*obs.replay_misses, *([obs.setup_error] if obs.setup_error else [])]
    fields = STRICT_FIELDS if kind == "compat" else scenario.native_fields
    result.diffs = compare(reference, obs, fields)
    patterns = involved_patterns(scenario)
    listed = [differences[d] for d in scenario.expected_differences
              if d in differences and differences[d].applies_to(kind)]
    for difference in listed:
        comparable = [f for f in fields if difference.covers(patterns, f)]
        if comparable and not any(difference.covers(patterns, f) for f in result.diffs):
            result.problems.append(f"expected difference {difference.id} did not occur "
                                   f"(it affects {', '.join(comparable)})")
    uncovered = []
    for name in result.diffs:
        ids = [d.id for d in listed if d.covers(patterns, name)]
        result.cited.extend(i for i in ids if i not in result.cited)
        if not ids:
            uncovered.append(name)
    if result.problems or uncovered:
        result.status = "FAIL"
    elif result.diffs:
        result.status = "EXPECTED-DIFF"
    return result


@contextmanager
def _replay(scenario: Scenario, record: bool) -> Iterator[Any]:
    if scenario.backend == "bedrock":
        from .replay.bedrock import bedrock_replay
        from .steps import bedrock_steps

        with bedrock_replay(scenario.cassette, record=record,
                            steps=bedrock_steps(scenario) if record else ()) as log:
            yield log
    else:
        from .replay import http_replay

        with http_replay(scenario.cassette, scenario.backend, record=record) as log:
            yield log


def observe(implementation: Any, scenario: Scenario, *, record: bool = False,
            gateway_uri: str = REPLAY_GATEWAY_URI,
            upstream_url: str = REPLAY_UPSTREAM_URL,
            before_run: Callable[[], None] | None = None,
            shared: Any = None) -> tuple[Observation, set[int]]:
    """Run one implementation on one scenario inside its replay; return what it did.
    ``shared``: a replay already open for the scenario (:func:`shared_replay`), rewound
    here, so the implementations of one scenario share one vcrpy / moto set-up."""
    replay = nullcontext(shared) if shared is not None else _replay(scenario, record)
    with tempfile.TemporaryDirectory(prefix="parity-") as tmp, replay as log:
        if shared is not None:
            log.rewind()
        env = RunEnv(gateway_uri=gateway_uri, upstream_base_url=upstream_url, workdir=Path(tmp),
                     wire=log.events)
        if before_run is not None:
            before_run()
        start = time.perf_counter()
        try:
            implementation.setup(scenario, env)
            observation = implementation.run(scenario)
        except Exception as exc:  # noqa: BLE001 - reported as a FAIL, never a crash
            observation = Observation(implementation.name, scenario.id,
                                      setup_error=f"{type(exc).__name__}: {exc}")
        finally:
            implementation.teardown()
        observation.wall_time = time.perf_counter() - start
        observation.wire = list(log.events)
        observation.delays = list(env.sleep.delays)
        observation.replay_misses = list(log.misses)
        return observation, set(log.played)


def implementations_for(scenario: Scenario, only: Iterable[str] = ()) -> list[Any]:
    """The implementations that apply to ``scenario`` (reference first)."""
    registry = available_implementations()
    names = [f"legacy:{scenario.pattern}"] if scenario.applies_to("legacy") else []
    if scenario.applies_to("compat"):
        names.append(f"compat:{scenario.pattern}")
    if scenario.applies_to("unified"):
        names.append("unified")
    names += [n for n, f in registry.items() if n not in names and ":" not in n
              and n != "unified" and f().kind not in ("legacy", "compat", "unified")]
    wanted = list(only)
    head = names[0] if scenario.applies_to("legacy") else None
    return [registry[n]() for n in names
            if not wanted or n == head or any(n.startswith(w) for w in wanted)]


def _recorded_verdict(scenario: Scenario, obs: Observation) -> ImplResult:
    """The verdict of a scenario without the legacy reference (see harness.parity.expectations)."""
    from .expectations import judge_expected

    diffs, problems = judge_expected(scenario, obs)
    return ImplResult(obs.implementation, "FAIL" if diffs or problems else "PASS", diffs,
                      problems=problems, observation=obs.to_dict())


def run_scenario(scenario: Scenario, only: Iterable[str] = (),
                 differences: dict[str, Difference] | None = None,
                 references: dict[str, tuple[Observation, set[int]]] | None = None,
                 ) -> ScenarioResult:
    """Run and judge every applicable implementation of one scenario.

    ``references`` caches the legacy reference's observation per scenario id (the
    mutant self-test changes only unified code, so the reference need not run again).
    """
    blocked = _blocked_by_cassette(scenario, only)
    if blocked is not None:
        return blocked
    differences = load_differences() if differences is None else differences
    impls = implementations_for(scenario, only)
    with _replay(scenario, record=False) as shared:
        return _judged(scenario, impls, differences, references, shared)


def _judged(scenario: Scenario, impls: list[Any], differences: dict[str, Difference],
            references: dict[str, tuple[Observation, set[int]]] | None,
            shared: Any) -> ScenarioResult:
    if not scenario.applies_to("legacy"):
        runs = [(impl, observe(impl, scenario, shared=shared)) for impl in impls]
        return ScenarioResult(scenario.id, scenario.pattern, scenario.backend,
                              scenario.description,
                              [_recorded_verdict(scenario, obs) for _, (obs, _) in runs],
                              scenario.cassette,
                              sorted(set().union(*(used for _, (_, used) in runs))),
                              reference="recorded")
    played: set[int] = set()
    observations = []
    for index, impl in enumerate(impls):
        cached = references.get(scenario.id) if references is not None and index == 0 else None
        obs, used = cached if cached is not None else observe(impl, scenario, shared=shared)
        if references is not None and index == 0:
            references[scenario.id] = (obs, used)
        observations.append((impl, obs))
        played |= used
    reference = observations[0][1]
    ref_result = ImplResult(reference.implementation, "REFERENCE",
                            observation=reference.to_dict(),
                            problems=[*reference.replay_misses,
                                      *([reference.setup_error] if reference.setup_error else [])])
    if ref_result.problems:
        ref_result.status = "FAIL"
    results = [ref_result] + [_verdict(scenario, reference, obs, impl.kind, differences)
                              for impl, obs in observations[1:]]
    unknown = [d for d in scenario.expected_differences if d not in differences]
    if unknown:
        results[0].status = "FAIL"
        results[0].problems.append(f"expected_differences names unknown ids {unknown}")
    return ScenarioResult(scenario.id, scenario.pattern, scenario.backend, scenario.description,
                          results, scenario.cassette, sorted(played))


def _blocked_by_cassette(scenario: Scenario, only: Iterable[str]) -> ScenarioResult | None:
    """A missing or hand-edited cassette FAILs the scenario before anything runs: one
    message on the first implementation (not one replay miss each), the others SKIPPED."""
    from .replay.integrity import cassette_problems

    problems = cassette_problems(scenario)
    if not problems:
        return None
    first, *rest = implementations_for(scenario, only)
    return ScenarioResult(scenario.id, scenario.pattern, scenario.backend,
                          scenario.description,
                          [ImplResult(first.name, "FAIL", problems=problems)]
                          + [ImplResult(impl.name, "SKIPPED") for impl in rest],
                          scenario.cassette)


def run_parity(patterns: Sequence[str] = ("*",), *, only: Sequence[str] = (), jobs: int = 1,
               directory: Path = SCENARIO_DIR,
               progress: Callable[[ScenarioResult, int, int], None] | None = None,
               references: dict[str, tuple[Observation, set[int]]] | None = None,
               scenarios: Sequence[Scenario] | None = None) -> ParityRun:
    """Run every scenario matching ``patterns`` (or the already loaded ``scenarios``);
    ``jobs > 1`` uses forked workers (:mod:`harness.parity.pool`), which import the heavy
    modules once in this process."""
    start = time.perf_counter()
    if scenarios is None:
        scenarios = load_scenarios(directory, patterns)
    results: list[ScenarioResult] = []
    if jobs > 1 and len(scenarios) > 1:
        from .pool import run_pool

        results = run_pool(scenarios, functools.partial(run_scenario, only=tuple(only)),
                           jobs, progress)
    else:
        differences = load_differences()
        for scenario in scenarios:
            results.append(run_scenario(scenario, only, differences, references))
            if progress:
                progress(results[-1], len(results), len(scenarios))
    return ParityRun(results, time.perf_counter() - start)
