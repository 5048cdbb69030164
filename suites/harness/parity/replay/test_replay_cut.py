"""Recorded cut streams: a body the peer cut is recorded up to the cut with the error it
raised, and a replay hands the same events on and then raises the same error."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from harness.parity.replay.lint import scan_for_secrets
from harness.stack.upstream import Fault
from suites.harness.parity.replay.cassette_roundtrip import record_then_replay
from unified import LMRequest, Message, UnifiedConfig
from unified._backends.gateway import GatewayBackend
from unified._stream import TextDelta

KEY = "gw-secret-cut-7a2c"
REQUEST = LMRequest("m", [Message("user", "stream it")])
CUT = Fault(kind="drop", after_chunks=2, body="alpha beta gamma delta")


def backend(uri: str) -> GatewayBackend:
    return GatewayBackend(UnifiedConfig(backend="gateway", gateway_uri=uri,
                                        gateway_endpoint="chat", gateway_route="openai",
                                        gateway_api_key=KEY))


def texts_until_cut(uri: str) -> tuple[list[str], BaseException]:
    got: list[str] = []
    with backend(uri) as gateway:
        try:
            for delta in gateway.stream(REQUEST):
                if isinstance(delta, TextDelta):
                    got.append(delta.text)
        except Exception as exc:  # noqa: BLE001 - the cut is what is compared
            return got, exc
    raise AssertionError("the stream was not cut")


async def atexts_until_cut(uri: str) -> tuple[list[str], BaseException]:
    got: list[str] = []
    gateway = backend(uri)
    try:
        async for delta in gateway.astream(REQUEST):
            if isinstance(delta, TextDelta):
                got.append(delta.text)
    except Exception as exc:  # noqa: BLE001 - the cut is what is compared
        return got, exc
    finally:
        await gateway.aclose()
    raise AssertionError("the stream was not cut")


def cut_round_trip(upstream, tmp_path, read):
    cassette = str(tmp_path / "cut.yaml")
    return (cassette, *record_then_replay(upstream, cassette, read, CUT))


def test_a_cut_stream_replays_the_chunks_before_the_cut_then_the_same_error(
        upstream, tmp_path) -> None:
    _, (recorded, live_error), (replayed, replay_error) = cut_round_trip(
        upstream, tmp_path, texts_until_cut)
    assert recorded == replayed == ["alpha ", "beta "]
    assert type(replay_error) is type(live_error)
    assert str(replay_error) == str(live_error)


def test_an_async_cut_stream_replays_the_chunks_before_the_cut_then_the_same_error(
        upstream, tmp_path) -> None:
    _, (recorded, live_error), (replayed, replay_error) = cut_round_trip(
        upstream, tmp_path, lambda url: asyncio.run(atexts_until_cut(url)))
    assert recorded == replayed == ["alpha ", "beta "]
    assert type(replay_error) is type(live_error)


def test_a_cut_interaction_is_marked_scrubbed_and_holds_no_secret(upstream, tmp_path) -> None:
    cassette, _, _ = cut_round_trip(upstream, tmp_path, texts_until_cut)
    text = open(cassette, encoding="utf-8").read()
    assert "cut:" in text and "chatcmpl-1" not in text and "recorded-id" in text
    assert scan_for_secrets(text, [KEY]) == []


def test_a_recorded_cut_mark_naming_no_httpx_error_replays_as_a_read_error() -> None:
    from harness.parity.replay.cut import cut_error

    error = cut_error({"error": "SystemExit", "message": "gone"})
    assert isinstance(error, httpx.ReadError) and str(error) == "gone"


def test_a_cut_stream_raises_after_its_body() -> None:
    from harness.parity.replay.cut import CutStream

    stream = CutStream(b"data: x\n\n", {"error": "RemoteProtocolError", "message": "cut"})
    got = []
    with pytest.raises(httpx.RemoteProtocolError, match="cut"):
        for part in stream:
            got.append(part)
    assert got == [b"data: x\n\n"]
