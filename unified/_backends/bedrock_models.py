"""Bedrock model names: the one table of friendly names, and what counts as a Bedrock id.

The friendly names are the legacy ``dspy_bedrock_enhanced`` mapping (spec §3); the
Bedrock backend, the gateway backend's endpoint rule, AUTO detection and the compat
layer all read this table, so it exists once. Unknown names pass through unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["FRIENDLY_MODEL_IDS", "BEDROCK_PREFIX", "resolve_model_id", "friendly_name",
           "is_bedrock_model", "MODEL_LACKS", "model_lacks"]

#: Friendly name -> Bedrock model id (read-only).
FRIENDLY_MODEL_IDS: Mapping[str, str] = MappingProxyType({
    "claude-3-haiku": "anthropic.claude-3-haiku-20240307-v1:0",
    "claude-3-sonnet": "anthropic.claude-3-sonnet-20240229-v1:0",
    "claude-3-5-sonnet": "anthropic.claude-3-5-sonnet-20241022-v2:0",
    "claude-3-opus": "anthropic.claude-3-opus-20240229-v1:0",
    "titan-text-express": "amazon.titan-text-express-v1",
    "titan-text-lite": "amazon.titan-text-lite-v1",
})
_BY_ID = {model_id: name for name, model_id in FRIENDLY_MODEL_IDS.items()}

#: A ``bedrock/`` prefix (litellm style) is accepted and stripped.
BEDROCK_PREFIX = "bedrock/"
_VENDORS = ("anthropic", "amazon", "meta", "mistral", "cohere", "ai21", "deepseek", "writer",
            "stability", "qwen", "openai", "twelvelabs", "luma")
_MODEL_ID = re.compile(r"^(?:(?:us|eu|apac|us-gov|global)\.)?(?:" + "|".join(_VENDORS)
                       + r")\.[\w.:-]+$")
_ARN = re.compile(r"^arn:aws[\w-]*:bedrock:[\w-]*:\d*:[\w/.:-]+$")


def _bare(model: str) -> str:
    return model[len(BEDROCK_PREFIX):] if model.startswith(BEDROCK_PREFIX) else model


def resolve_model_id(model: str) -> str:
    """The Bedrock model id for ``model``: a friendly name resolved, ``bedrock/`` dropped."""
    bare = _bare(model)
    return FRIENDLY_MODEL_IDS.get(bare, bare)


def friendly_name(model_id: str) -> str | None:
    """The friendly name of a Bedrock model id, or ``None`` when it has none."""
    return _BY_ID.get(_bare(model_id))


def is_bedrock_model(model: str) -> bool:
    """True for a friendly name, a ``vendor.model`` Bedrock id (with an optional
    cross-region prefix such as ``us.``) or a Bedrock ARN."""
    bare = _bare(model)
    return bare in FRIENDLY_MODEL_IDS or bool(_MODEL_ID.match(bare) or _ARN.match(bare))


_MEDIA = frozenset({"image", "document"})
_THINKING = frozenset({"reasoning", "thinking"})
_TOOLS = frozenset({"tools", "tool_choice", "tool_call", "tool_result"})
#: What a Bedrock model family lacks of its wire (first matching id prefix wins; the
#: cross-region prefix ``us.``/``eu.``/… is ignored). Source: the Bedrock "supported
#: models and model features" table for Converse. Unknown families: text only.
MODEL_LACKS: tuple[tuple[str, frozenset[str]], ...] = (
    ("anthropic.claude-3-7", frozenset()),
    ("anthropic.claude-sonnet-4", frozenset()),
    ("anthropic.claude-opus-4", frozenset()),
    ("anthropic.claude-haiku-4", frozenset()),
    ("anthropic.claude-3", _THINKING),
    ("anthropic.claude", _THINKING | _MEDIA),          # Claude 2 / instant: text only
    ("amazon.nova-micro", _THINKING | _MEDIA),
    ("amazon.nova", _THINKING),
    ("amazon.titan-text", _THINKING | _MEDIA | _TOOLS | {"system_parts"}),
    ("meta.llama3-2-90b", _THINKING | {"document"}),
    ("meta.llama3-2-11b", _THINKING | {"document"}),
    ("meta.llama3-1", _THINKING | _MEDIA),
    ("mistral.mistral-large", _THINKING | _MEDIA),
    ("cohere.command-r", _THINKING | _MEDIA),
    ("deepseek.r1", _MEDIA | _TOOLS | {"reasoning"}),   # thinks always; no setting
)
_TEXT_ONLY = _THINKING | _MEDIA | _TOOLS


def model_lacks(model_id: str) -> frozenset[str]:
    """The features a Bedrock model lacks of its wire (text-only for unknown families)."""
    bare = resolve_model_id(model_id)
    if "." in bare and bare.split(".", 1)[0] in ("us", "eu", "apac", "us-gov", "global"):
        bare = bare.split(".", 1)[1]
    for prefix, lacks in MODEL_LACKS:
        if bare.startswith(prefix):
            return lacks
    return _TEXT_ONLY
