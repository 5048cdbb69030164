"""Fixtures of the reliability suite: the report collector, the fault probe, a raw HTTP
fault server, the fake secrets, and the log/exception capture the secrets scan reads.

- ``reliability_report`` (session): the tests add figures to it; at the end of a session
  that ran every module of this suite unfiltered it is written to
  ``reports/latest/reliability.json`` (not under pytest-xdist, where a worker sees only a part).
- ``probe``: runs one call through a real ``UnifiedDSPyWrapper`` with the suite's retry
  policy, an injected ``Clock(sleep=recorder.append)`` (nothing really waits) and
  validation ``min_length=1``, and checks the exact outcome against an :class:`Expect`:
  answer or final error class, the error of every attempt, the delay sequence, and the
  metrics. Each outcome goes into the report under the test module's ``BACKEND``.
- ``raw_http``: a loopback server answering canned HTTP bytes (any status and headers, a
  reset mid-body, silence): what moto cannot send to boto3 (Retry-After headers, HTML,
  cut connections, read timeouts).
- During each reliability test, every log line (``unified`` at DEBUG, everything else at
  its own level) and every exception message the probe sees is kept for
  ``test_security``'s scan.
"""

from __future__ import annotations

import collections
import email.utils
import json
import logging
import os
import platform
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from suites.reliability.rawhttp import RawHTTPServer
from unified import (
    Clock,
    LMRequest,
    Message,
    RetryConfig,
    UnifiedConfig,
    UnifiedDSPyWrapper,
    UnifiedError,
    ValidationConfig,
    ValidationError,
)

ROOT = Path(__file__).resolve().parents[2]
REPORT_PATH = ROOT / "reports" / "latest" / "reliability.json"  # published by make publish

# The fake secrets every reliability test configures; none may ever be shown.
GATEWAY_KEY = "gw-reliability-key-51c0d2e9"
DIRECT_KEY = "sk-reliability-direct-0a9f3b7c"
AWS_KEY_ID = "AKIARELIABILITY00001"
AWS_SECRET = "reliabilitySecretKey/0123456789abcdefghij"
AWS_TOKEN = "reliability-session-token-7d1e"
FAKE_SECRETS = (GATEWAY_KEY, DIRECT_KEY, AWS_KEY_ID, AWS_SECRET, AWS_TOKEN)
AWS_CREDENTIALS = {"aws_access_key_id": AWS_KEY_ID, "aws_secret_access_key": AWS_SECRET,
                   "aws_session_token": AWS_TOKEN, "aws_region": "us-east-1"}

REQUEST = LMRequest("m", (Message("user", "What is 2+2?"),), system="You are terse.")
RETRY = RetryConfig(max_retries=2, base_delay=1.0, backoff_factor=2.0, max_retry_after=5.0)
BACKOFF = (1.0, 2.0)  # the waits of RETRY when no Retry-After applies
FAR_FUTURE = email.utils.formatdate(4_102_444_800, usegmt=True)  # 2100-01-01: capped at 5 s
VALIDATION = ValidationConfig(min_length=1)
TIMEOUT = 0.4     # the client timeout of every fault config (seconds)
SLOW = 1.2        # how late a "read timeout" fault answers (seconds)
RECOVERED = "four"


# -- the report ----------------------------------------------------------------------------
class ReliabilityReport:
    """Figures the tests add; written as JSON at the end of the session."""

    def __init__(self) -> None:
        self.faults: dict[str, dict[str, dict[str, Any]]] = {}
        self.sections: dict[str, dict[str, Any]] = {}
        self.exception_messages: list[str] = []
        self.log_lines: list[str] = []
        self.tests: collections.Counter[str] = collections.Counter()
        self.test_seconds = 0.0
        self._lock = threading.Lock()

    def fault(self, backend: str, fault: str, mode: str, outcome: dict[str, Any]) -> None:
        """Record the outcome of ``fault`` injected on ``backend`` (``mode``: how often)."""
        with self._lock:
            self.faults.setdefault(backend, {}).setdefault(fault, {})[mode] = outcome

    def add(self, section: str, **figures: Any) -> None:
        """Merge ``figures`` into ``section``."""
        with self._lock:
            self.sections.setdefault(section, {}).update(figures)

    def count(self, section: str, name: str, amount: int = 1) -> None:
        """Add ``amount`` to the counter ``section.name``."""
        with self._lock:
            figures = self.sections.setdefault(section, {})
            figures[name] = figures.get(name, 0) + amount

    def note_exception(self, exc: BaseException) -> None:
        """Keep the message of ``exc`` and of every exception a traceback would print."""
        seen: set[int] = set()
        current: BaseException | None = exc
        with self._lock:
            while current is not None and id(current) not in seen:
                seen.add(id(current))
                self.exception_messages += [str(current), repr(current)]
                current = current.__cause__ or (
                    None if current.__suppress_context__ else current.__context__)

    def to_dict(self) -> dict[str, Any]:
        """The JSON document of ``reports/latest/reliability.json``."""
        outcomes = [o for faults in self.faults.values() for f in faults.values()
                    for o in f.values()]
        per_backend = {backend: {fault: {mode: _describe(o) for mode, o in modes.items()}
                                 for fault, modes in faults.items()}
                       for backend, faults in self.faults.items()}
        return {"suite": "suites/reliability", "python": platform.python_version(),
                "cpus": os.cpu_count(), "seconds": round(self.test_seconds, 1),
                "tests": dict(self.tests),
                "faults": {"kinds_per_backend": {b: len(f) for b, f in self.faults.items()},
                           "calls_checked": len(outcomes),
                           "outcomes": dict(collections.Counter(o["outcome"] for o in outcomes)),
                           "per_backend": per_backend},
                **self.sections}


def _describe(outcome: dict[str, Any]) -> str:
    """``RateLimitError after 3 attempts, waits [3.0, 3.0]``."""
    attempts = outcome["attempts"]
    return (f"{outcome['outcome']} after {attempts} attempt{'s' * (attempts != 1)}, "
            f"waits {outcome['delays']}")


class _Collecting(logging.Handler):
    def __init__(self, sink: list[str]) -> None:
        super().__init__(logging.DEBUG)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        self.sink.append(self.format(record))


_REPORTS: list[ReliabilityReport] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Count the outcome and time of every reliability test (and setup/teardown errors)."""
    if not _REPORTS or "suites/reliability/" not in report.nodeid.replace("\\", "/"):
        return
    _REPORTS[0].test_seconds += report.duration
    if report.when == "call" or report.outcome == "failed":
        outcome = report.outcome if report.when == "call" else "error"
        _REPORTS[0].tests["xfailed" if hasattr(report, "wasxfail") else outcome] += 1


def _full_run(session: pytest.Session) -> bool:
    """Whether every reliability test module ran, unfiltered (so the figures are whole)."""
    here = Path(__file__).parent
    ran = {Path(str(item.path)).name for item in session.items
           if Path(str(item.path)).parent == here}
    option = session.config.option
    return (ran == {p.name for p in here.glob("test_*.py")}
            and not getattr(option, "keyword", "") and not getattr(option, "markexpr", "")
            and not os.environ.get("PYTEST_XDIST_WORKER"))


def _session_findings(report: ReliabilityReport, secrets: tuple[str, ...]) -> int:
    from harness.parity.replay.lint import scan_for_secrets

    return sum(bool(scan_for_secrets(text, secrets))
               for text in report.log_lines + report.exception_messages)


@pytest.fixture(scope="session")
def reliability_report(request: pytest.FixtureRequest) -> Iterator[ReliabilityReport]:
    """The session's report. Written to ``reports/latest/reliability.json`` only after a full,
    unfiltered run of this suite."""
    report = ReliabilityReport()
    _REPORTS.append(report)
    try:
        yield report
    finally:
        _REPORTS.clear()
        report.add("secrets", findings_at_session_end=_session_findings(
            report, (*FAKE_SECRETS, "sk-test-upstream-000")))
        if _full_run(request.session):
            REPORT_PATH.parent.mkdir(parents=True, exist_ok=True)
            REPORT_PATH.write_text(json.dumps(report.to_dict(), indent=2, sort_keys=False)
                                   + "\n", encoding="utf-8")


@pytest.fixture(autouse=True)
def _capture_logs(reliability_report: ReliabilityReport) -> Iterator[None]:
    """During each reliability test every log line (``unified`` at DEBUG, the rest at
    their own level) goes into the report, for the secrets scan."""
    handler = _Collecting(reliability_report.log_lines)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    ours = logging.getLogger("unified")
    level = ours.level
    ours.setLevel(logging.DEBUG)
    logging.getLogger().addHandler(handler)
    try:
        yield
    finally:
        logging.getLogger().removeHandler(handler)
        ours.setLevel(level)


# -- the fault probe -----------------------------------------------------------------------
@dataclass(frozen=True)
class Expect:
    """The exact outcome of one call: answer or final error, each attempt's error, waits."""

    error: type[BaseException] | None
    attempts: tuple[str | None, ...]
    delays: tuple[float, ...] = ()
    text: str | None = None
    finish_reason: str = "stop"

    @classmethod
    def fails(cls, error: type[BaseException], *delays: float) -> Expect:
        """Every attempt fails with ``error``; ``delays`` are the waits between them."""
        return cls(error, (error.__name__,) * (len(delays) + 1), tuple(delays))

    @classmethod
    def answers(cls, text: str, finish_reason: str = "stop") -> Expect:
        """The first attempt answers ``text``."""
        return cls(None, (None,), (), text, finish_reason)

    @classmethod
    def rejected(cls) -> Expect:
        """The backend answers, validation rejects it: one attempt, not retried."""
        return cls(ValidationError, (None,))

    def once(self) -> Expect:
        """The outcome when the fault happens once and then the backend answers."""
        if self.error is None or self.attempts[0] is None or not self.delays:
            return self
        return Expect(None, (self.attempts[0], None), self.delays[:1], RECOVERED)


@dataclass
class Outcome:
    """What one probed call did."""

    text: str | None
    finish_reason: str | None
    error: BaseException | None
    attempts: tuple[str | None, ...]
    sleeps: list[float]
    metrics: dict[str, Any] = field(repr=False)

    def summary(self) -> dict[str, Any]:
        """A JSON-ready summary for the report."""
        return {"outcome": type(self.error).__name__ if self.error else "answer",
                "attempts": len(self.attempts), "delays": self.sleeps,
                "attempt_errors": list(self.attempts)}

    def check(self, expect: Expect) -> None:
        """Assert the exact outcome, metrics included."""
        if expect.error is None:
            assert self.error is None, f"expected an answer, got {self.error!r}"
            assert (self.text, self.finish_reason) == (expect.text, expect.finish_reason)
        else:
            assert type(self.error) is expect.error, f"got {self.error!r}"
        assert self.attempts == expect.attempts
        assert self.sleeps == list(expect.delays)
        errors = collections.Counter(a for a in expect.attempts if a is not None)
        if expect.error is not None and expect.attempts[-1] is None:
            errors[expect.error.__name__] += 1
        m = self.metrics
        assert (m["total_requests"], m["successful_requests"], m["failed_requests"]) == (
            1, int(expect.error is None), int(expect.error is not None))
        assert (m["attempts"], m["retry_count"]) == (len(expect.attempts),
                                                     len(expect.attempts) - 1)
        assert m["retry_sleep_total"] == sum(expect.delays)
        assert m["errors_by_class"] == dict(errors)
        assert m["validation_failures"] == int(expect.error is ValidationError)


class Probe:
    """Runs one call through a wrapper and records the outcome (see module docstring)."""

    def __init__(self, report: ReliabilityReport, backend: str, fault: str) -> None:
        self.report, self.backend, self.fault = report, backend, fault

    def call(self, config: UnifiedConfig, mode: str = "every attempt") -> Outcome:
        """``REQUEST`` through a wrapper built from ``config`` plus the suite's policy."""
        sleeps: list[float] = []
        records: list[Any] = []
        config = config.with_overrides(retry=RETRY, validation=VALIDATION,
                                       timeout_seconds=TIMEOUT)
        error: BaseException | None = None
        with UnifiedDSPyWrapper(config, clock=Clock(sleep=sleeps.append)) as wrapper:
            wrapper.pipeline.listeners.append(records.append)
            try:
                response = wrapper.pipeline.complete(REQUEST)
            except UnifiedError as exc:
                error, response = exc, None
                self.report.note_exception(exc)
            metrics = wrapper.get_metrics()
        outcome = Outcome(response.text if response else None,
                          response.finish_reason if response else None, error,
                          tuple(a.error for a in records[0].attempts), sleeps, metrics)
        self.report.fault(self.backend, self.fault, mode, outcome.summary())
        return outcome


@pytest.fixture
def probe(request: pytest.FixtureRequest, reliability_report: ReliabilityReport) -> Probe:
    """A :class:`Probe` for this test: backend from the module's ``BACKEND``, fault name
    from the parametrize id."""
    callspec = getattr(request.node, "callspec", None)
    fault = callspec.id if callspec is not None else request.node.name
    return Probe(reliability_report, getattr(request.module, "BACKEND", "unknown"), fault)


# -- a raw HTTP fault server ---------------------------------------------------------------
@pytest.fixture
def raw_http() -> Iterator[RawHTTPServer]:
    """A :class:`RawHTTPServer` for one test."""
    server = RawHTTPServer()
    try:
        yield server
    finally:
        server.close()
