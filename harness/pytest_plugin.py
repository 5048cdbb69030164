"""pytest plugin of the parity harness (fixtures, markers, options).

Enabled by ``suites/conftest.py`` (``pytest_plugins``), not by an entry point: the
library wheel holds ``unified`` only. Importing it stays cheap: mlflow, moto and boto3
are imported lazily inside fixtures.

Fixtures:
- ``upstream``: a fresh :class:`harness.stack.upstream.ScriptedUpstream` per test.
- ``gateway_stack`` (session): one upstream plus one real MLflow gateway process, shared
  by the session and torn down at its end (also on failures, and by an atexit hook).
- ``gateway``: the session stack with the upstream reset (script, rules, requests,
  responder) before each test. Tests using it are marked ``gateway`` automatically.
- ``bedrock``: the :class:`harness.stack.moto_bedrock.BedrockScript` of a ``bedrock_stub()``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from harness.stack.gateway import GatewayProcess
    from harness.stack.moto_bedrock import BedrockScript
    from harness.stack.upstream import ScriptedUpstream

_MARKERS = {
    "gateway": "needs the real MLflow gateway process (started by a session fixture)",
    "slow": "takes more than a few seconds",
}
_GATEWAY_FIXTURES = frozenset({"gateway", "gateway_stack"})


@dataclass(frozen=True)
class GatewayStack:
    """A running MLflow gateway (``gateway_url``) in front of a scripted ``upstream``."""

    gateway_url: str
    upstream: ScriptedUpstream
    process: GatewayProcess
    endpoint: str = "chat"

    @property
    def invocations_url(self) -> str:
        """``<gateway>/endpoints/<endpoint>/invocations``."""
        return f"{self.gateway_url}/endpoints/{self.endpoint}/invocations"


def pytest_configure(config: pytest.Config) -> None:
    """Register the harness markers unless the project's ini already declares them."""
    declared = {line.split(":", 1)[0].strip() for line in config.getini("markers")}
    for name, help_text in _MARKERS.items():
        if name not in declared:
            config.addinivalue_line("markers", f"{name}: {help_text}")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that uses the gateway fixtures with ``gateway`` (for ``-m``)."""
    for item in items:
        if _GATEWAY_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.gateway)


@pytest.fixture
def upstream() -> Iterator[ScriptedUpstream]:
    """A fresh scripted OpenAI-compatible server on 127.0.0.1 for one test."""
    from harness.stack.upstream import ScriptedUpstream

    with ScriptedUpstream() as server:
        yield server


@pytest.fixture(scope="session")
def gateway_stack() -> Iterator[GatewayStack]:
    """One scripted upstream and one real MLflow gateway, shared by the whole session."""
    from harness.stack.gateway import GatewayProcess
    from harness.stack.upstream import ScriptedUpstream

    with ScriptedUpstream() as server, GatewayProcess(server.base_url) as process:
        yield GatewayStack(gateway_url=process.url, upstream=server, process=process)


@pytest.fixture
def gateway(gateway_stack: GatewayStack) -> Iterator[GatewayStack]:
    """The session's gateway stack, its upstream reset before (and after) the test."""
    gateway_stack.upstream.reset()
    yield gateway_stack
    gateway_stack.upstream.reset()


@pytest.fixture
def bedrock() -> Iterator[BedrockScript]:
    """moto's ``mock_aws`` with the bedrock-runtime extension; yields the script."""
    from harness.stack.moto_bedrock import bedrock_stub

    with bedrock_stub() as script:
        yield script
