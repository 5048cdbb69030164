"""``python -m harness parity --shard K/N``: a deterministic, cost-balanced slice of the
scenarios, so a CI matrix of N jobs replays each scenario exactly once.

The cost of a scenario is its recorded replay time: the sum of its implementations'
``wall_time`` in the committed ``reports/parity.json`` (a scenario it does not know
costs the mean of those it knows, or 1). Scenarios are dealt largest first to the
least loaded shard (ties: the lower shard, then the id), so every job computes the same
split from the same files. ``K/N`` is 1-based; ``CI_NODE_INDEX`` / ``CI_NODE_TOTAL``
(GitLab's, also set by many CI systems) give it when ``--shard`` is not passed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from .scenarios import Scenario

__all__ = ["ShardError", "parse_shard", "shard_from", "recorded_costs", "assign",
           "shard_selection", "apply_shard"]


class ShardError(ValueError):
    """A shard specification is malformed (``--shard 0/4``, ``CI_NODE_TOTAL=x``)."""


def parse_shard(text: str) -> tuple[int, int]:
    """``"2/4"`` -> ``(2, 4)``; raises :class:`ShardError` unless 1 <= K <= N."""
    index, sep, total = text.partition("/")
    try:
        k, n = int(index), int(total)
    except ValueError:
        raise ShardError(f"--shard {text!r}: expected K/N, e.g. 1/4") from None
    if not sep or not 1 <= k <= n:
        raise ShardError(f"--shard {text!r}: expected 1 <= K <= N")
    return k, n


def shard_from(option: str | None, environ: Mapping[str, str] = os.environ
               ) -> tuple[int, int] | None:
    """The shard of ``--shard`` or, without it, of ``CI_NODE_INDEX``/``CI_NODE_TOTAL``."""
    if option:
        return parse_shard(option)
    index, total = environ.get("CI_NODE_INDEX"), environ.get("CI_NODE_TOTAL")
    if index and total:
        return parse_shard(f"{index}/{total}")
    return None


def recorded_costs(report: Path) -> dict[str, float]:
    """Scenario id -> recorded replay time (s) from a ``parity.json`` ({} if none)."""
    try:
        data = json.loads(report.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    costs = {}
    for scenario in data.get("scenarios", []):
        costs[scenario["scenario"]] = sum(float((r.get("observation") or {}).get(
            "wall_time", 0.0) or 0.0) for r in scenario.get("results", []))
    return costs


def assign(ids: Sequence[str], total: int, costs: Mapping[str, float]) -> list[list[str]]:
    """The ids of each of ``total`` shards (each list sorted), cost-balanced."""
    known = [costs[i] for i in ids if i in costs]
    default = sum(known) / len(known) if known else 1.0
    loads = [0.0] * total
    shards: list[list[str]] = [[] for _ in range(total)]
    for scenario in sorted(ids, key=lambda i: (-costs.get(i, default), i)):
        target = min(range(total), key=lambda s: (loads[s], s))
        shards[target].append(scenario)
        loads[target] += costs.get(scenario, default)
    return [sorted(s) for s in shards]


def shard_selection(selection: dict[str, Any], shard: tuple[int, int],
                    ids: Sequence[str]) -> dict[str, Any]:
    """The ``selection`` block of a shard run; ``unsharded`` keeps the whole run's, so
    :mod:`harness.parity.merge` can give the merged report the selection of one run."""
    index, total = shard
    part = f"--shard {index}/{total}"
    return {**selection, "filtered": True, "matched": len(ids),
            "filter": f"{selection['filter']} {part}".strip(),
            "description": f"{len(ids)} of {selection['matched']} scenarios ({part})"
            + (f", filter: {selection['filter']}" if selection["filter"] else ""),
            "shard": {"index": index, "total": total, "scenarios": list(ids)},
            "unsharded": selection}


def apply_shard(scenarios: Sequence[Scenario], selection: dict[str, Any],
                shard: tuple[int, int], report: Path) -> tuple[list[Scenario], dict[str, Any]]:
    """The scenarios of ``shard`` among the selected ``scenarios`` (costs from
    ``report``, kept in their order) and the shard run's ``selection`` block."""
    mine = assign([s.id for s in scenarios], shard[1], recorded_costs(report))[shard[0] - 1]
    chosen = set(mine)
    return [s for s in scenarios if s.id in chosen], shard_selection(selection, shard, mine)
