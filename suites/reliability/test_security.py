"""Security: no secret shows anywhere; cache entries stay isolated, inside their
directory, and inert (JSON, never unpickled).

The secrets scan uses the cassette lint's patterns (``harness.parity.replay.lint``) plus the
exact fake secrets the tests configure. It reads every cassette, report and fixture file,
and every log line and exception message this session produced (the report fixture
captures them; this module sorts last, so a full run scans all the other suites' output).
"""

from __future__ import annotations

import json
import pickle
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.parity.replay.lint import scan_for_secrets
from harness.stack.moto_bedrock import BedrockFault, BedrockScript
from harness.stack.upstream import Fault, ScriptedUpstream, closed_port
from suites.reliability.conftest import (
    AWS_CREDENTIALS,
    DIRECT_KEY,
    FAKE_SECRETS,
    GATEWAY_KEY,
    ROOT,
    Probe,
    ReliabilityReport,
)
from unified import CacheConfig, LMRequest, LMResponse, Message, UnifiedConfig, UnifiedDSPyWrapper
from unified._backends.auto import build_backend
from unified._backends.bedrock_models import resolve_model_id
from unified._features.cache import ResponseCache, cache_key
from unified._features.diskstore import FILE_NAME

BACKEND = "secret echoes"
UPSTREAM_KEY = "sk-test-upstream-000"  # harness.stack.gateway.GatewayProcess's key, used to record
KNOWN_FAKES = (*FAKE_SECRETS, UPSTREAM_KEY)
SCANNED = ("cassettes", "reports", "suites/scenarios", "harness/legacy/data", "examples")


# -- secrets in files ----------------------------------------------------------------------
def scanned_files() -> list[Path]:
    """Every cassette, report and fixture file in the checkout (test ``fixtures`` folders
    included)."""
    folders = [ROOT / d for d in SCANNED] + sorted((ROOT / "suites").rglob("fixtures"))
    return sorted({p for d in folders for p in d.rglob("*") if p.is_file()})


def test_no_cassette_report_or_fixture_file_holds_a_secret(
        reliability_report: ReliabilityReport) -> None:
    files = scanned_files()
    findings = {str(p.relative_to(ROOT)): found for p in files
                if (found := scan_for_secrets(p.read_text("utf-8", "replace"), KNOWN_FAKES))}
    reliability_report.add("secrets", files_scanned=len(files), file_findings=len(findings))
    assert files and findings == {}


# -- secrets in what the library shows -----------------------------------------------------
secrets = st.binary(min_size=6, max_size=12).map(lambda b: "s3cr3t-" + b.hex())


@given(key=secrets, password=secrets, secret_key=secrets, token=secrets)
def test_repr_get_info_and_redacted_dicts_never_show_a_secret(
        key: str, password: str, secret_key: str, token: str) -> None:
    creds = {"aws_access_key_id": "AKIA" + key[-16:].upper(), "aws_secret_access_key": secret_key,
             "aws_session_token": token, "aws_region": "us-east-1"}
    fallbacks = (UnifiedConfig(backend="direct", model="openai/gpt-4o-mini", api_key=key,
                               api_base=f"http://user:{password}@127.0.0.1:9/v1?key={token}"),
                 UnifiedConfig(backend="bedrock", model="claude-3-haiku", **creds,
                               bedrock_endpoint_url=f"http://k:{password}@127.0.0.1:9"))
    config = UnifiedConfig(backend="gateway", gateway_api_key=key, api_key=key, **creds,
                           gateway_uri=f"http://admin:{password}@127.0.0.1:9/?token={token}",
                           fallbacks=fallbacks)
    with UnifiedDSPyWrapper(config) as wrapper:
        backends = wrapper.pipeline.backends
        shown = [repr(config), json.dumps(config.redacted()), repr(wrapper),
                 json.dumps(wrapper.get_info()), *map(repr, backends),
                 *(json.dumps(b.identity().to_dict()) for b in backends)]  # type: ignore[attr-defined]
    leaked = [s for s in (key, password, secret_key, token, creds["aws_access_key_id"])
              if any(s in text for text in shown)]
    assert leaked == []


def secret_echo(upstream: ScriptedUpstream, status: int, *secrets: str) -> None:
    """Script an error whose body echoes the backend's own ``secrets`` back."""
    echo = json.dumps({"error": {"message": "rejected: " + " ".join(secrets)}})
    upstream.reset()
    upstream.script(*[Fault(status, body=echo)] * 3)


@pytest.mark.parametrize("status", [401, 500], ids=["401 echoing the key", "500 echoing it"])
def test_errors_echoing_a_backends_secrets_never_show_them(
        upstream: ScriptedUpstream, bedrock: BedrockScript, probe: Probe, status: int) -> None:
    secret_echo(upstream, status, GATEWAY_KEY)
    gateway = probe.call(UnifiedConfig(backend="gateway", gateway_uri=upstream.url,
                                       gateway_route="openai", gateway_endpoint="chat",
                                       gateway_api_key=GATEWAY_KEY), "gateway")
    secret_echo(upstream, status, DIRECT_KEY)
    direct = probe.call(UnifiedConfig(backend="direct", model="openai/gpt-4o-mini",
                                      api_base=upstream.base_url, api_key=DIRECT_KEY), "direct")
    aws_secrets = " ".join(AWS_CREDENTIALS[k] for k in ("aws_access_key_id",
                                                        "aws_secret_access_key",
                                                        "aws_session_token"))
    bedrock.script(*[BedrockFault("UnrecognizedClientException", aws_secrets,
                                  status=status)] * 3)
    aws = probe.call(UnifiedConfig(backend="bedrock", model="claude-3-haiku", **AWS_CREDENTIALS),
                     "bedrock")
    messages = [text for o in (gateway, direct, aws) for text in (str(o.error), repr(o.error))]
    assert all(o.error is not None for o in (gateway, direct, aws))
    assert [m for m in messages if scan_for_secrets(m, KNOWN_FAKES)] == []


def test_a_refused_url_with_credentials_never_shows_them(probe: Probe) -> None:
    port = closed_port()
    outcome = probe.call(UnifiedConfig(
        backend="direct", model="openai/gpt-4o-mini", api_key=DIRECT_KEY,
        api_base=f"http://user:{GATEWAY_KEY}@127.0.0.1:{port}/v1?key={DIRECT_KEY}"))
    assert outcome.error is not None
    assert scan_for_secrets(f"{outcome.error} {outcome.error!r}", KNOWN_FAKES) == []


# -- cache isolation -----------------------------------------------------------------------
urls = st.builds("http://{}:{}{}".format, st.sampled_from(["127.0.0.1", "gw.internal", "10.0.0.7"]),
                 st.integers(1, 65535), st.sampled_from(["", "/v1", "/api/v2"]))
gateway_configs = st.builds(
    lambda uri, endpoint, route, model: UnifiedConfig(
        backend="gateway", gateway_uri=uri, gateway_endpoint=endpoint, gateway_route=route,
        model=model), urls, st.sampled_from(["chat", "chat-2", "claude"]),
    st.sampled_from(["endpoints", "openai", "legacy"]), st.sampled_from(["gateway/chat", "m"]))
bedrock_configs = st.builds(
    lambda region, url, api, model: UnifiedConfig(
        backend="bedrock", aws_region=region, bedrock_endpoint_url=url, bedrock_api=api,
        model=model, aws_access_key_id="AKIAX", aws_secret_access_key="y"),
    st.sampled_from(["us-east-1", "us-west-2", "eu-west-1"]), st.none() | urls,
    st.sampled_from(["converse", "invoke"]),
    st.sampled_from(["claude-3-haiku", "claude-3-sonnet", "amazon.titan-text-lite-v1"]))
direct_configs = st.builds(
    lambda url, model: UnifiedConfig(backend="direct", api_base=url, model=model, api_key="k"),
    urls, st.sampled_from(["openai/gpt-4o-mini", "openai/gpt-4o", "anthropic/claude-3-haiku"]))
configs = st.one_of(gateway_configs, bedrock_configs, direct_configs)
requests = st.builds(lambda text: LMRequest("m", (Message("user", text),)), st.text(max_size=30))


def target(config: UnifiedConfig) -> tuple[Any, ...]:
    """What a config's answers depend on, worked out independently of the backends."""
    if config.backend.value == "gateway":
        return ("gateway", config.gateway_uri, config.gateway_endpoint,
                config.gateway_route.value, config.model)
    if config.backend.value == "bedrock":
        return ("bedrock", config.aws_region, config.bedrock_endpoint_url, config.bedrock_api,
                resolve_model_id(config.model))
    return ("direct", config.api_base, config.model)


@given(configs, configs, requests)
def test_different_endpoints_regions_models_or_api_bases_never_share_a_cache_key(
        a: UnifiedConfig, b: UnifiedConfig, request: LMRequest) -> None:
    key_a = cache_key(request, build_backend(a.backend, a, environ={}).identity())
    key_b = cache_key(request, build_backend(b.backend, b, environ={}).identity())
    assert (key_a == key_b) == (target(a) == target(b))


PATHLIKE = st.one_of(st.sampled_from(["../../etc/passwd", "/tmp/evil", "..\\..\\win.ini",
                                      "%2e%2e%2fx", "~/.ssh/id_rsa", "a/../../b", "\x00x"]),
                     st.text(alphabet="./\\~:%$ab\x00", max_size=24))


@given(PATHLIKE, PATHLIKE, PATHLIKE)
def test_path_like_text_never_names_a_file_outside_the_cache_directory(
        tmp_path_factory: pytest.TempPathFactory, model: str, text: str, label: str) -> None:
    root = tmp_path_factory.mktemp("isolation")
    from unified._types import BackendIdentity

    layer = ResponseCache(CacheConfig(directory=str(root / "cache")), BackendIdentity(label, label, label))
    key = layer.key_for(LMRequest(model, (Message("user", text),)))
    layer.store(key, LMResponse(text, model=model))
    layer.disk.set(text or "empty", {"text": text})  # type: ignore[union-attr]
    layer.close()
    assert len(key) == 64 and set(key) <= set("0123456789abcdef")
    assert [p.name for p in root.iterdir()] == ["cache"]
    assert {p.name for p in (root / "cache").iterdir()} <= {
        FILE_NAME, FILE_NAME + "-wal", FILE_NAME + "-shm"}


def test_every_stored_value_is_a_json_text_row(tmp_path: Path) -> None:
    layer = ResponseCache(CacheConfig(directory=str(tmp_path)),
                       build_backend("mock", UnifiedConfig(backend="mock")).identity())
    for i, text in enumerate(["plain", "ünïcode", "\x00\x1b[0m", "x" * 10_000]):
        layer.store(layer.key_for(LMRequest("m", (Message("user", str(i)),))), LMResponse(text))
    layer.close()
    with sqlite3.connect(tmp_path / FILE_NAME) as conn:
        rows = conn.execute("SELECT value, typeof(value) FROM entries").fetchall()
    assert len(rows) == 4 and {kind for _, kind in rows} == {"text"}
    assert all(isinstance(json.loads(value)["text"], str) for value, _ in rows)


class _Tripwire:
    """Unpickling this would create ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path.touch, (self.path,))


@pytest.mark.parametrize("as_text", [False, True], ids=["pickle bytes", "pickle as text"])
def test_a_pickled_row_is_a_miss_that_is_never_unpickled(tmp_path: Path, as_text: bool) -> None:
    tripwire = tmp_path / "unpickled"
    layer = ResponseCache(CacheConfig(directory=str(tmp_path / "cache"), memory_entries=0),
                       build_backend("mock", UnifiedConfig(backend="mock")).identity())
    key = layer.key_for(LMRequest("m", (Message("user", "q"),)))
    payload = pickle.dumps(_Tripwire(tripwire), protocol=0 if as_text else 5)
    with sqlite3.connect(layer.disk.path) as conn:  # type: ignore[union-attr]
        conn.execute("INSERT INTO entries VALUES (?, ?, ?, ?)",
                     (key, payload.decode("latin-1") if as_text else payload, 1e18, 10))
    assert layer.lookup(key) is None and not tripwire.exists()
    assert len(layer.disk) == 0  # type: ignore[arg-type]
    layer.close()


# -- last: everything this session logged or raised ----------------------------------------
def test_no_log_line_or_exception_message_of_the_session_shows_a_secret(
        reliability_report: ReliabilityReport) -> None:
    texts = reliability_report.log_lines + reliability_report.exception_messages
    findings = [(text[:120], found) for text in texts
                if (found := scan_for_secrets(text, KNOWN_FAKES))]
    reliability_report.add("secrets", log_lines_scanned=len(reliability_report.log_lines),
                           exception_messages_scanned=len(reliability_report.exception_messages),
                           log_and_exception_findings=len(findings))
    assert reliability_report.exception_messages and findings == []
