"""The one interface every implementation under comparison offers, and what it is given.

``Implementation``: ``name``, ``kind`` (``legacy``/``compat``/``unified``), ``pattern``
(the legacy pattern it stands for, ``None`` for the native unified API),
``setup(scenario, env)``, ``run(scenario) -> Observation`` and ``teardown()``. The
runner wraps ``setup``/``run``/``teardown`` in the scenario's replay, fills in the wire
log and the wall time, and compares the observations.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from ..observation import CallOutcome, Observation, WireEvent, error_category
from ..scenarios import Scenario

__all__ = ["Implementation", "RunEnv", "SleepRecorder", "call_outcome", "seams",
           "outcomes", "batch_outcomes", "error_outcome", "as_is", "prediction_fields",
           "FAKE_API_KEY", "DEFAULT_ROUTE", "DIRECT_MODEL"]

FAKE_API_KEY = "sk-parity-fake-0000000000"
DEFAULT_ROUTE = "chat"
DIRECT_MODEL = "openai/gpt-4o-mini"


@dataclass
class SleepRecorder:
    """An injected ``sleep`` that records the waits instead of waiting."""

    delays: list[float] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.delays.append(float(seconds))


@dataclass
class RunEnv:
    """Where an implementation's traffic goes and where it may keep files.

    During replay the URLs need not be live (vcrpy and moto answer in-process); during
    recording they point at the local stack. ``wire`` is the run's wire log: every request
    the replay has answered so far, appended to as the implementation sends them.
    """

    gateway_uri: str
    upstream_base_url: str
    workdir: Path
    sleep: SleepRecorder = field(default_factory=SleepRecorder)
    clock: Callable[[], float] = field(default=lambda: 0.0)
    wire: Sequence[WireEvent] = ()

    def wire_requests(self) -> int:
        """How many wire requests the run has sent so far."""
        return len(self.wire)


@runtime_checkable
class Implementation(Protocol):
    """An implementation the parity harness can run scenarios against."""

    name: str
    kind: str
    pattern: str | None

    def setup(self, scenario: Scenario, env: RunEnv) -> None:
        """Build whatever the scenario needs (wrappers, modules, LMs)."""
        ...

    def run(self, scenario: Scenario) -> Observation:
        """Run every call of the scenario; never raise for a call's failure."""
        ...

    def teardown(self) -> None:
        """Release what ``setup`` built."""
        ...


def error_outcome(exc: BaseException, wire_requests: int = 0) -> CallOutcome:
    """The canonical outcome of a call that raised ``exc``."""
    return CallOutcome(error_class=type(exc).__name__, error_category=error_category(exc),
                       error_message=str(exc)[:300], wire_requests=wire_requests,
                       validation=getattr(exc, "reason", None)
                       if type(exc).__name__ == "ValidationError" else None)


def call_outcome(env: RunEnv, func: Callable[[], Any],
                 outputs: Callable[[Any], Any]) -> CallOutcome:
    """Run one call; capture its outputs or its exception in canonical form, and how
    many wire requests it made (read from the run's wire log, ``env.wire``)."""
    before = env.wire_requests()
    try:
        result = func()
    except Exception as exc:  # noqa: BLE001 - the harness observes every failure
        return error_outcome(exc, env.wire_requests() - before)
    return CallOutcome(outputs=outputs(result), wire_requests=env.wire_requests() - before)


def outcomes(env: RunEnv, calls: Iterable[Mapping[str, Any]],
             run: Callable[[dict[str, Any]], Any],
             outputs: Callable[[Any], Any] | None = None) -> list[CallOutcome]:
    """``run(inputs)`` for each call's inputs, each outcome captured (outputs default to
    the prediction's fields)."""
    shape = outputs or prediction_fields
    return [call_outcome(env, functools.partial(run, dict(c)), shape) for c in calls]


def batch_outcomes(results: Iterable[Any]) -> list[CallOutcome]:
    """Outcomes of a batch API's results (a prediction, or the exception of that item)."""
    return [error_outcome(r) if isinstance(r, BaseException)
            else CallOutcome(outputs=prediction_fields(r)) for r in results]


def as_is(value: Any) -> Any:
    """Outputs that are already canonical."""
    return value


def seams(factory: Callable[..., Any], env: RunEnv, **extra: Any) -> dict[str, Any]:
    """The test seams ``factory`` accepts (``sleep``, ``clock``, …), filled from ``env``.

    Legacy references take ``sleep=``; unified shims may take ``clock=`` (a
    :class:`unified.Clock`). Only the keywords the factory declares are passed.
    """
    try:
        params = inspect.signature(factory).parameters
    except (TypeError, ValueError):
        return dict(extra)
    offered: dict[str, Any] = {"sleep": env.sleep, **extra}
    if "clock" in params and "sleep" not in params:
        from unified import Clock

        offered["clock"] = Clock(sleep=env.sleep)
    accepts_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    return {k: v for k, v in offered.items() if k in params or (accepts_any and k != "clock")}


def prediction_fields(prediction: Any) -> dict[str, Any]:
    """A DSPy prediction (or mapping) as a plain dict of its fields."""
    if prediction is None:
        return {}
    if isinstance(prediction, Mapping):
        return dict(prediction)
    to_dict = getattr(prediction, "toDict", None)
    return dict(to_dict()) if callable(to_dict) else {"value": prediction}
