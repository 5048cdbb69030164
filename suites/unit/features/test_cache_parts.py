"""Cache keys cover every part by content and every setting; rich responses round-trip."""

from __future__ import annotations

import base64
import dataclasses
from pathlib import Path

import pytest

from suites.unit.features.conftest import FnBackend
from unified import BackendIdentity, CacheConfig, LMRequest, LMResponse, Message, Usage
from unified._features.cache import Cached, ResponseCache, cache_key
from unified._types import (
    CallOptions,
    CitationPart,
    MediaPart,
    PromptCache,
    Reasoning,
    TextPart,
    ThinkingPart,
    TokenLogprob,
    ToolCallPart,
    ToolChoice,
    ToolResultPart,
    ToolSpec,
    TopLogprob,
)

IDENT = BackendIdentity("mock", "mock://local", "m")


def _image(content: bytes, *, uri: bool = False) -> MediaPart:
    data = base64.b64encode(content).decode()
    return MediaPart("image", "image/png", data=f"data:image/png;base64,{data}" if uri else data)


def _req(*parts: object, **fields: object) -> LMRequest:
    return LMRequest("m", [Message("user", ["look", *parts])], **fields)  # type: ignore[list-item]


def test_images_with_different_bytes_get_different_keys() -> None:
    assert cache_key(_req(_image(b"one")), IDENT) != cache_key(_req(_image(b"two")), IDENT)


def test_an_image_key_depends_on_its_bytes_not_on_its_encoding() -> None:
    assert cache_key(_req(_image(b"one")), IDENT) == cache_key(_req(_image(b"one", uri=True)), IDENT)


def test_a_local_file_is_keyed_by_its_content(tmp_path: Path) -> None:
    path = tmp_path / "doc.pdf"
    path.write_bytes(b"%PDF one")
    doc = MediaPart("document", "application/pdf", path=str(path))
    first = cache_key(_req(doc), IDENT)
    path.write_bytes(b"%PDF two")
    assert cache_key(_req(doc), IDENT) != first


KIND_VARIANTS = [
    MediaPart("audio", "audio/wav", data=base64.b64encode(b"one").decode()),
    MediaPart("document", "application/pdf", data=base64.b64encode(b"one").decode()),
    MediaPart("image", "image/png", data=base64.b64encode(b"one").decode(), detail="high"),
    MediaPart("image", "image/png", url="https://a/x.png"),
    MediaPart("image", "image/png", file_id="file-1"),
]


def test_every_media_field_is_in_the_key() -> None:
    keys = {cache_key(_req(part), IDENT) for part in [_image(b"one"), *KIND_VARIANTS]}
    assert len(keys) == len(KIND_VARIANTS) + 1


def test_the_key_is_not_the_repr_of_a_truncated_summary() -> None:
    big_one, big_two = b"x" * 5000 + b"1", b"x" * 5000 + b"2"
    assert cache_key(_req(_image(big_one)), IDENT) != cache_key(_req(_image(big_two)), IDENT)


SEARCH = ToolSpec("search", "Search", {"type": "object", "properties": {"q": {"type": "string"}}})
BASE = LMRequest("m", [Message("user", "q")], tools=(SEARCH,))
SETTING_VARIANTS = [
    dataclasses.replace(BASE, tools=(ToolSpec("search", "Search", {"type": "object"}),)),
    dataclasses.replace(BASE, tools=(ToolSpec("search", "Look up", SEARCH.parameters),)),
    dataclasses.replace(BASE, tools=(SEARCH, ToolSpec("calc"))),
    dataclasses.replace(BASE, tool_choice=ToolChoice("required")),
    dataclasses.replace(BASE, reasoning=Reasoning("low")),
    dataclasses.replace(BASE, reasoning=Reasoning("high")),
    dataclasses.replace(BASE, prompt_cache=PromptCache()),
    dataclasses.replace(BASE, options=CallOptions(rollout_id=1)),
    dataclasses.replace(BASE, options=CallOptions(candidate=1, n=3)),
    dataclasses.replace(BASE, options=CallOptions(candidate=2, n=3)),
    dataclasses.replace(BASE, params={"logprobs": 2}),
    dataclasses.replace(BASE, params={"response_format": {"type": "json_object"}}),
    dataclasses.replace(BASE, params={"seed": 1}),
    dataclasses.replace(BASE, system=(TextPart("sys"), _image(b"one"))),
    dataclasses.replace(BASE, messages=(Message("user", "q"), Message("assistant", [
        ThinkingPart("hmm"), ToolCallPart("c1", "search", {"q": "x"})]))),
    dataclasses.replace(BASE, messages=(Message("tool", [ToolResultPart("c1", (
        TextPart("found"),))]),)),
]


def test_every_tool_schema_setting_and_option_is_in_the_key() -> None:
    keys = {cache_key(r, IDENT) for r in [BASE, *SETTING_VARIANTS]}
    assert len(keys) == len(SETTING_VARIANTS) + 1


def test_a_text_only_key_is_unchanged_by_default_options() -> None:
    plain = LMRequest("m", [Message("user", "q")])
    assert cache_key(plain, IDENT) == cache_key(
        dataclasses.replace(plain, options=CallOptions()), IDENT)


RICH = LMResponse(
    parts=(ThinkingPart("let me see"), TextPart("answer"), ToolCallPart("c1", "search", {"q": "x"}),
           CitationPart(url="https://a", title="A")),
    finish_reason="tool_call", usage=Usage(10, 5, cached_tokens=4, reasoning_tokens=2),
    backend="mock", endpoint="mock://local", model="m", id="r1",
    logprobs=(TokenLogprob("a", -0.5, (97,), None, (TopLogprob("b", -1.0),)),))


@pytest.mark.parametrize("store", ["memory", "disk"])
def test_a_response_with_tool_calls_and_thinking_round_trips_unchanged(store: str,
                                                                        tmp_path: Path) -> None:
    config = CacheConfig(directory=str(tmp_path))
    Cached(FnBackend(lambda request: RICH), ResponseCache(config, IDENT)).complete(BASE)
    layer = ResponseCache(config, IDENT)
    if store == "memory":
        Cached(FnBackend(lambda request: RICH), layer).complete(BASE)   # fills memory
    hit = layer.lookup(layer.key_for(BASE))
    assert hit is not None and hit.cache_hit
    assert dataclasses.replace(hit, cache_hit=False, usage=RICH.usage) == RICH


def test_a_call_with_cache_off_neither_reads_nor_writes() -> None:
    layer = ResponseCache(CacheConfig(), IDENT)
    off = dataclasses.replace(BASE, options=CallOptions(cache=False))
    response = Cached(FnBackend(lambda request: RICH), layer).complete(off)
    assert response.trace.cache == "bypass" and len(layer.memory) == 0
