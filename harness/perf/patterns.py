"""The five legacy patterns as workloads, for a legacy reference or its compat shim.

:func:`pattern_workload` drives one pattern's public API from a namespace
(``legacy`` = :mod:`harness.legacy` or ``PARITY_LEGACY_PACKAGE``; ``compat`` =
:mod:`unified.compat`, loaded as the parity adapters load them) with the same
in-process answerer on both sides, so that the comparison measures the wrapper and
nothing else:

=========  ===============================================================================
pattern    one operation, and what answers it
=========  ===============================================================================
enhanced   ``module.predict(question=…)``; the wrapper's ``lm=`` is a scripted DSPy LM
gateway    ``dspy.Predict`` under ``DSPyGatewayLM``; an ``httpx.MockTransport`` answers
bedrock    ``create_bedrock_module(…).predict``; a fake boto3 client answers ``invoke_model``
simple     ``DSPyWrapper.predict(signature, question=…)``; an ``httpx.MockTransport``
dynamic    ``DynamicDSPyModule(RiskQuerySignature)(risk_query=…)``; a scripted DSPy LM
=========  ===============================================================================

Retry on (no failure happens), validation on (``min_length=1``), the enhanced file
cache off, every input fresh (so the gateway's and the simple wrapper's memory caches
always miss). Seams are chosen by what the constructor accepts: the legacy classes take
``http_client=``, the shims ``transport=``. Both ``DynamicDSPyModule`` answer from the
DSPy LM configured with ``dspy.context`` (the shim wraps it in its unified pipeline).
"""

from __future__ import annotations

import inspect
import io
import json
import tempfile
import warnings
from collections.abc import Callable
from typing import Any

from .subjects import SIGNATURE, Workload, answer_text, fresh_ids, scripted_lm

__all__ = ["PATTERNS", "pattern_workload", "FakeBedrockClient", "openai_transport"]

PATTERNS = ("enhanced", "gateway", "bedrock", "simple", "dynamic")
GATEWAY_URI = "http://gateway.perf.invalid"


def openai_transport(text: str) -> Any:
    """An ``httpx.MockTransport`` answering every request with a chat completion of
    ``text`` (OpenAI shape, as the MLflow gateway answers)."""
    import httpx

    body = json.dumps({"id": "chatcmpl-perf", "object": "chat.completion", "created": 0,
                       "model": "chat", "choices": [{"index": 0, "finish_reason": "stop",
                                                     "message": {"role": "assistant",
                                                                 "content": text}}],
                       "usage": {"prompt_tokens": 32, "completion_tokens": 4,
                                 "total_tokens": 36}}).encode()
    headers = {"content-type": "application/json"}
    return httpx.MockTransport(lambda request: httpx.Response(200, content=body,
                                                              headers=headers))


class FakeBedrockClient:
    """A boto3 ``bedrock-runtime`` stand-in answering ``invoke_model`` with ``text``."""

    def __init__(self, text: str) -> None:
        self.payload = json.dumps({"id": "msg-perf", "type": "message", "role": "assistant",
                                   "content": [{"type": "text", "text": text}],
                                   "stop_reason": "end_turn",
                                   "usage": {"input_tokens": 32, "output_tokens": 4}}).encode()

    def invoke_model(self, **kwargs: Any) -> dict[str, Any]:
        """The Anthropic messages answer, with a readable body stream."""
        json.loads(kwargs["body"])  # a real client would serialise and send it
        return {"body": io.BytesIO(self.payload), "contentType": "application/json",
                "ResponseMetadata": {"HTTPStatusCode": 200}}


def _accepts(factory: Callable[..., Any], name: str) -> bool:
    target = factory.__init__ if inspect.isclass(factory) else factory
    try:
        return name in inspect.signature(target).parameters
    except (TypeError, ValueError):
        return False


def _http_seam(factory: Callable[..., Any], text: str) -> dict[str, Any]:
    """``http_client=`` (legacy) or ``transport=`` (shims) over the scripted transport."""
    import httpx

    transport = openai_transport(text)
    if _accepts(factory, "http_client"):
        return {"http_client": httpx.Client(transport=transport)}
    if _accepts(factory, "transport"):
        return {"transport": transport}
    raise TypeError(f"{factory!r} takes neither http_client= nor transport=")


def _enhanced_configs(kind: str, workdir: str) -> dict[str, Any]:
    from ..parity.adapters.patterns import namespace_loader

    ns = namespace_loader(kind, "enhanced")()  # the legacy Bedrock module has no configs
    return {"retry_config": ns.RetryConfig(),
            "cache_config": ns.CacheConfig(enabled=False, cache_dir=workdir),
            "validation_config": ns.ValidationConfig(min_length=1)}


def _predict_loop(call: Callable[[str], Any]) -> Callable[[int], None]:
    ids = fresh_ids()

    def run(n: int) -> None:
        for _ in range(n):
            call(f"question {ids()}")

    return run


def _build(ns: Any, kind: str, pattern: str, workdir: str) -> tuple[Callable[[int], None], list[Any]]:
    """``(run, objects to close)`` for ``pattern`` in namespace ``ns``."""
    import dspy

    text = answer_text()
    if pattern == "enhanced":
        wrapper = ns.DSPyEnhancedWrapper(lm=scripted_lm(text), **_enhanced_configs(kind, workdir))
        module = wrapper.create_module("qa", SIGNATURE)
        return _predict_loop(lambda q: module.predict(question=q)), [wrapper]
    if pattern == "bedrock":
        wrapper = ns.DSPyBedrockEnhancedWrapper(
            bedrock_config=ns.BedrockConfig(region="us-east-1"),
            client=FakeBedrockClient(text), **_enhanced_configs(kind, workdir))
        module = wrapper.create_bedrock_module("qa", SIGNATURE, model_id="claude-3-sonnet")
        return _predict_loop(lambda q: module.predict(question=q)), [wrapper]
    if pattern == "gateway":
        lm = ns.DSPyGatewayLM("chat", GATEWAY_URI, **_http_seam(ns.DSPyGatewayLM, text))
        program = dspy.Predict(SIGNATURE)

        def ask(question: str) -> Any:
            with dspy.context(lm=lm):
                return program(question=question)

        return _predict_loop(ask), [lm.backend]
    if pattern == "simple":
        wrapper = ns.DSPyWrapper(ns.DSPyConfig(model="chat", gateway_uri=GATEWAY_URI),
                                 **_http_seam(ns.DSPyWrapper, text))

        def predict(question: str) -> Any:
            result = wrapper.predict(SIGNATURE, question=question)
            if not result.success:
                raise RuntimeError(f"simple wrapper failed: {result.error}")
            return result

        return _predict_loop(predict), [wrapper]
    if pattern == "dynamic":
        signature = ns.get_signature_class("Risk Query")
        lm = scripted_lm(answer_text({"insights": "low risk"}))
        module = ns.DynamicDSPyModule(signature)  # both answer from the configured LM

        def ask_dynamic(question: str) -> Any:
            with dspy.context(lm=lm):
                return module(risk_query=question)

        return _predict_loop(ask_dynamic), []
    raise ValueError(f"unknown pattern {pattern!r}; expected one of {PATTERNS}")


def pattern_workload(kind: str, pattern: str) -> Workload:
    """One operation of ``pattern`` through the ``kind`` API: ``legacy``, ``compat``, or
    ``legacy-engine`` (the legacy reference on DSPy's engine route, see
    :mod:`harness.perf.engine_route`; it patches the legacy namespace for good, so it is
    built only in a measuring child)."""
    from ..parity.adapters.patterns import namespace_loader

    base_kind = "legacy" if kind == "legacy-engine" else kind
    ns = namespace_loader(base_kind, pattern)()
    if kind == "legacy-engine":
        from .engine_route import apply_engine_route

        apply_engine_route(ns, pattern)
    tmp = tempfile.TemporaryDirectory(prefix=f"perf-{kind}-{pattern}-")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        run, owned = _build(ns, base_kind, pattern, tmp.name)

    def close() -> None:
        for obj in owned:
            closer = getattr(obj, "close", None)
            if callable(closer):
                closer()
        tmp.cleanup()

    return Workload(f"{kind}:{pattern}", run, close)
