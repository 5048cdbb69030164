"""The counted side of the wire pairs: an HTTP client's work, counted, its server elsewhere.

``http:gateway`` and ``stream:first-chunk`` compare the wrapper's client path with a raw
httpx client against one local OpenAI-compatible server. What the client does per call
(building the body, encoding, parsing the answer) runs in-process and is counted like
every other in-process subject. The server is not part of what the wrapper adds, and
run beside the client under the counter its thread hand-offs make the counts wander
(±0.8 % run to run, against ±0.13 % without it), so :func:`serving` starts one
:class:`~harness.stack.upstream.ScriptedUpstream` in the gate's own, uncounted process
and hands its address to the counting children in :data:`UPSTREAM_ENV`;
:func:`wire_workload` builds a subject against it.

What instructions cannot see (the round trip's waits, a sleep) the wall side of the
same pair still times (:func:`harness.perf.wall.http_pair`,
:func:`harness.perf.stream.stream_pair`): such a pair PASSes only when both instruments
do (:mod:`harness.perf.gate`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["UPSTREAM_ENV", "WIRE_SUBJECTS", "wire_responder", "serving", "wire_workload"]

#: Where the counting children find the gate's upstream (``http://127.0.0.1:PORT``).
UPSTREAM_ENV = "UNIFIED_PERF_UPSTREAM"
#: Counted subject -> (workload family, workload key).
WIRE_SUBJECTS = {"raw httpx": ("http", "raw"), "gateway backend": ("http", "gateway"),
                 "raw httpx SSE": ("stream", "raw-first"),
                 "wrapper stream": ("stream", "wrapper-first")}


def wire_responder(body: dict[str, Any]) -> Any:
    """The upstream's answers: the streamed answer of :mod:`harness.perf.stream` for a
    streaming request, the default echo otherwise."""
    from ..stack.upstream import echo_responder
    from .stream import stream_reply

    return stream_reply(body) if body.get("stream") else echo_responder(body)


@contextmanager
def serving(subjects: Iterable[str]) -> Iterator[str | None]:
    """While counting ``subjects``: when one is a wire subject, an upstream in this
    process, its URL in :data:`UPSTREAM_ENV` (restored afterwards); yields the URL or
    None."""
    if not any(subject in WIRE_SUBJECTS for subject in subjects):
        yield None
        return
    from ..stack.upstream import ScriptedUpstream

    upstream = ScriptedUpstream()
    upstream.responder = wire_responder
    upstream.start()
    before = os.environ.get(UPSTREAM_ENV)
    os.environ[UPSTREAM_ENV] = upstream.url
    try:
        yield upstream.url
    finally:
        if before is None:
            os.environ.pop(UPSTREAM_ENV, None)
        else:
            os.environ[UPSTREAM_ENV] = before
        upstream.stop()


def wire_workload(subject: str) -> Any:
    """The :class:`~harness.perf.subjects.Workload` ``subject`` against the upstream
    :func:`serving` started (in the counting child)."""
    url = os.environ.get(UPSTREAM_ENV)
    if not url:
        raise RuntimeError(f"perf subject {subject!r} needs an upstream: count it inside "
                           f"harness.perf.wire.serving() (sets {UPSTREAM_ENV})")
    family, key = WIRE_SUBJECTS[subject]
    if family == "http":
        from .subjects import http_workloads

        return http_workloads(url)[key]
    from .stream import stream_workloads

    return stream_workloads(url)[key]
