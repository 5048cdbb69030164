"""Token log probabilities of a response (DSPy lm15's ``TokenLogprob``/``TopLogprob``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["TopLogprob", "TokenLogprob", "logprobs_to_json", "logprobs_from_json"]


@dataclass(frozen=True)
class TopLogprob:
    """One scored alternative token (``bytes``/``token_id`` when reported)."""

    token: str
    logprob: float
    bytes: tuple[int, ...] | None = None
    token_id: int | None = None


@dataclass(frozen=True)
class TokenLogprob(TopLogprob):
    """The chosen token at one decoding step, with its ranked alternatives ``top``."""

    top: tuple[TopLogprob, ...] = ()


def _one(item: TopLogprob | TokenLogprob) -> dict[str, Any]:
    out: dict[str, Any] = {"token": item.token, "logprob": item.logprob}
    if item.bytes is not None:
        out["bytes"] = list(item.bytes)
    if item.token_id is not None:
        out["token_id"] = item.token_id
    return out


def logprobs_to_json(logprobs: Sequence[TokenLogprob]) -> list[dict[str, Any]]:
    """JSON-ready form of a logprobs sequence."""
    return [{**_one(t), "top": [_one(a) for a in t.top]} for t in logprobs]


def _fields(data: dict[str, Any]) -> dict[str, Any]:
    raw = data.get("bytes")
    return {"token": str(data["token"]), "logprob": float(data["logprob"]),
            "bytes": None if raw is None else tuple(int(b) for b in raw),
            "token_id": data.get("token_id")}


def logprobs_from_json(data: Sequence[dict[str, Any]]) -> tuple[TokenLogprob, ...]:
    """Inverse of :func:`logprobs_to_json`."""
    return tuple(TokenLogprob(**_fields(t), top=tuple(TopLogprob(**_fields(a))
                                                         for a in t.get("top") or ()))
                 for t in data)
