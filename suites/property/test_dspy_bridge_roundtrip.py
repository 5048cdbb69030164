"""Property: any lm15 request or response survives the bridge (and the cache's JSON)."""

from __future__ import annotations

import base64
from typing import Any

from dspy import lm15
from hypothesis import given
from hypothesis import strategies as st

from unified._dspy_bridge import (
    from_dspy_response,
    to_dspy_response,
    to_lm15_request,
    to_lm_request,
)
from unified._types import LMResponse

TEXT = st.text(min_size=1, max_size=20)
B64 = st.binary(min_size=1, max_size=40).map(lambda b: base64.b64encode(b).decode())
JSON = st.recursive(st.none() | st.booleans() | st.integers(-5, 5) | TEXT,
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(TEXT, inner, max_size=3), max_leaves=6)
STATE = st.builds(lm15.ContinuationState, TEXT, TEXT, st.dictionaries(TEXT, JSON, max_size=2))
CONT = st.lists(STATE, max_size=1).map(tuple)
MEDIA = st.one_of(
    st.builds(lambda d, det: lm15.ImagePart(data=d, detail=det), B64,
              st.sampled_from([None, "low", "high", "auto"])),
    st.builds(lambda d: lm15.AudioPart(data=d), B64),
    st.builds(lambda d: lm15.DocumentPart(data=d), B64),
    st.builds(lambda u: lm15.VideoPart(url="https://x/" + u), st.from_regex(r"[a-z]{1,8}", fullmatch=True)),
    st.builds(lambda f: lm15.BinaryPart(file_id=f), TEXT))
USER_PART = st.one_of(st.builds(lm15.TextPart, st.text(max_size=20), CONT), MEDIA,
                      st.builds(lm15.DataPart, JSON))
ASSISTANT_PART = st.one_of(
    st.builds(lm15.TextPart, st.text(max_size=20), CONT),
    st.builds(lm15.ToolCallPart, TEXT, TEXT, st.dictionaries(TEXT, JSON, max_size=3), CONT),
    st.builds(lm15.ThinkingPart, st.text(max_size=20), CONT),
    st.builds(lm15.RefusalPart, TEXT, CONT),
    st.builds(lm15.CitationPart, st.none() | TEXT, TEXT, st.none() | TEXT, CONT))
TOOL_RESULT = st.builds(lm15.ToolResultPart, TEXT,
                        st.lists(USER_PART, min_size=1, max_size=3).map(tuple),
                        st.none() | TEXT, st.booleans(), CONT)
MESSAGE = st.one_of(
    st.builds(lambda p: lm15.Message("user", tuple(p)), st.lists(USER_PART, min_size=1, max_size=4)),
    st.builds(lambda p: lm15.Message("assistant", tuple(p)),
              st.lists(ASSISTANT_PART, min_size=1, max_size=4)),
    st.builds(lambda p: lm15.Message("tool", (p,)), TOOL_RESULT))
CONFIG = st.builds(lm15.Config, max_tokens=st.none() | st.integers(1, 100),
                   temperature=st.none() | st.floats(0, 2), seed=st.none() | st.integers(0, 9),
                   stop=st.lists(TEXT, max_size=2).map(tuple), logprobs=st.none() | st.integers(0, 5),
                   reasoning=st.none() | st.builds(lm15.Reasoning, st.sampled_from(["low", "high"])),
                   extensions=st.none() | st.dictionaries(
                       st.from_regex(r"x_[a-z]{1,5}", fullmatch=True),
                       JSON.filter(lambda v: v is not None), min_size=1, max_size=2))
# (an extension set to None is unset, as every parameter: see unified._dspy_bridge)


@given(st.lists(MESSAGE, min_size=1, max_size=4), CONFIG)
def test_any_request_survives_the_round_trip(messages: list[Any], config: Any) -> None:
    request = lm15.Request(model="m", messages=tuple(messages), config=config)
    assert to_lm15_request(to_lm_request(request, "m")) == request


@given(st.lists(ASSISTANT_PART, min_size=1, max_size=4), CONT,
       st.sampled_from(["stop", "length", "tool_call", "content_filter", "error"]),
       st.integers(0, 50), st.integers(0, 50), st.none() | st.integers(0, 50))
def test_any_response_survives_the_bridge_and_the_cache_json(parts: list[Any], state: Any,
                                                              finish: str, tokens_in: int,
                                                              tokens_out: int,
                                                              reasoning: int | None) -> None:
    response = lm15.Response(id=None, model="m", finish_reason=finish,  # type: ignore[arg-type]
                             message=lm15.Message("assistant", tuple(parts), state),
                             usage=lm15.Usage(input_tokens=tokens_in, output_tokens=tokens_out,
                                              reasoning_tokens=reasoning))
    stored = LMResponse.from_dict(from_dspy_response(response).to_dict())
    assert to_dspy_response(stored) == response
