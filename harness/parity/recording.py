"""``make record``: re-record every scenario's cassette.

By default against the local stack: the real MLflow AI Gateway (uvicorn, its own
process group) in front of the deterministic scripted upstream for ``gateway`` and
``direct`` scenarios, and the moto-backed Bedrock responder for ``bedrock`` ones. Each
scenario's ``upstream`` steps (:mod:`harness.parity.steps`) script the upstream afresh
for every implementation, so each sees the same sequence (e.g. 429 then 200). Volatile response fields (ids,
timestamps, latency) are normalised by :mod:`harness.parity.replay.http`, so re-recording the
same thing gives no diff. Each recorded cassette is stamped with the hash of its
interactions and of the scenario's ``upstream`` script (:mod:`harness.parity.replay.integrity`):
the lint and parity refuse a cassette edited by hand afterwards.

With ``UNIFIED_RECORD_LIVE=1`` HTTP scenarios are recorded against real endpoints
instead: ``MLFLOW_GATEWAY_URI`` for gateway scenarios and ``UNIFIED_RECORD_API_BASE``
(with the key in ``OPENAI_API_KEY``) for direct ones; Bedrock scenarios stay on moto
(live Bedrock recording is not supported: moto is the replay path).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any

from .replay.http import CASSETTE_DIR
from .scenarios import SCENARIO_DIR, Scenario, load_scenarios
from .steps import upstream_steps

__all__ = ["record_scenarios", "local_stack"]


@contextmanager
def local_stack() -> Iterator[tuple[str, Any]]:
    """The scripted upstream and a real MLflow gateway in front of it: (gateway url, upstream)."""
    from ..stack.gateway import GatewayProcess
    from ..stack.upstream import ScriptedUpstream

    with ExitStack() as stack:
        upstream = stack.enter_context(ScriptedUpstream())
        gateway = stack.enter_context(GatewayProcess(upstream.base_url))
        yield gateway.url, upstream


def record_scenarios(patterns: Sequence[str] = ("*",),
                     progress: Callable[[str], None] = print) -> list[str]:
    """Re-record the cassettes of the matching scenarios; return the files written."""
    from .replay.integrity import stamp_cassette
    from .run import implementations_for, observe

    scenarios = load_scenarios(SCENARIO_DIR, patterns)
    live = os.environ.get("UNIFIED_RECORD_LIVE") == "1"
    written = []
    with ExitStack() as stack:
        gateway_uri, upstream = ("", None) if live else stack.enter_context(local_stack())
        if live:
            gateway_uri = os.environ["MLFLOW_GATEWAY_URI"]
        upstream_url = (os.environ.get("UNIFIED_RECORD_API_BASE", "") if upstream is None
                        else upstream.base_url)
        for index, scenario in enumerate(scenarios, 1):
            path = CASSETTE_DIR / scenario.cassette
            path.unlink(missing_ok=True)
            for impl in implementations_for(scenario):
                def script(s: Scenario = scenario) -> None:
                    if upstream is not None:
                        upstream.reset()
                        upstream.script(*upstream_steps(s))

                observation, _ = observe(impl, scenario, record=True, gateway_uri=gateway_uri,
                                         upstream_url=upstream_url, before_run=script)
                if observation.setup_error:
                    progress(f"  ! {impl.name}: {observation.setup_error}")
            if path.is_file():
                stamp_cassette(path, scenario)
            written.append(str(path))
            progress(f"[{index}/{len(scenarios)}] recorded {scenario.cassette}")
    return written
