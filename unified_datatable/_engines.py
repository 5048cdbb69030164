"""Engines, chosen once at import.

This module holds the package's ONLY import of an optional engine -- one guarded
``import polars`` -- and its ONLY availability flag, :data:`POLARS_AVAILABLE`. Every
other module asks here. The polars engine receives the imported module object, so no
code can touch polars when the import failed (the legacy bug kept a reference to a
``_dt`` that was never imported and crashed with ``NameError``).

:data:`DEFAULT_ENGINE` is decided once, at import, from the environment variable
``UNIFIED_DATATABLE_ENGINE``: ``auto`` (or unset) picks polars when installed and the
pure engine otherwise; ``pure`` or ``polars`` force one (forcing polars without polars
installed raises ``ValueError``). A frame may also name its engine (``engine=``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any, Protocol

from unified_datatable._aggs import Agg
from unified_datatable._columns import Columns, Kind, Kinds
from unified_datatable._polars import PolarsEngine
from unified_datatable._pure import PureEngine

try:
    import polars as _polars
except ImportError:  # the pure engine still works
    _polars = None  # type: ignore[assignment]

POLARS_AVAILABLE: bool = _polars is not None
"""True when polars imported; the one flag for the one optional engine."""

ENGINE_ENV_VAR = "UNIFIED_DATATABLE_ENGINE"
ENGINE_NAMES = ("pure", "polars")


class Engine(Protocol):
    """What a DataTable engine implements; ``table`` is the engine's own object."""

    name: str

    def build(self, columns: Columns, kinds: Kinds) -> Any: ...
    def to_columns(self, table: Any) -> Columns: ...
    def kinds(self, table: Any) -> Kinds: ...
    def nrows(self, table: Any) -> int: ...
    def names(self, table: Any) -> list[str]: ...
    def column(self, table: Any, name: str) -> list[Any]: ...
    def select(self, table: Any, names: Sequence[str]) -> Any: ...
    def filter(self, table: Any, mask: Sequence[bool]) -> Any: ...
    def slice(self, table: Any, start: int, length: int) -> Any: ...
    def arrange(self, table: Any, by: Sequence[str], descending: Sequence[bool]) -> Any: ...
    def with_column(self, table: Any, name: str, cells: list[Any], kind: Kind) -> Any: ...
    def summarise(self, table: Any, by: Sequence[str], aggs: Sequence[Agg]) -> Any: ...


_ENGINES: dict[str, Engine] = {"pure": PureEngine()}
if _polars is not None:
    _ENGINES["polars"] = PolarsEngine(_polars)


def available_engines() -> tuple[str, ...]:
    """Names of the engines usable in this process (``pure`` always)."""
    return tuple(_ENGINES)


def _check_name(name: str, source: str) -> str:
    if name not in ENGINE_NAMES:
        raise ValueError(f"{source}: unknown DataTable engine {name!r}; "
                         f"expected one of {', '.join(ENGINE_NAMES)}")
    if name not in _ENGINES:
        raise ValueError(f"{source}: the {name!r} engine was requested but {name} "
                         "is not installed")
    return name


def _choose_default(setting: str | None) -> str:
    value = (setting or "auto").strip().lower()
    if value == "auto":
        return "polars" if POLARS_AVAILABLE else "pure"
    return _check_name(value, f"{ENGINE_ENV_VAR}={setting!r}")


DEFAULT_ENGINE: str = _choose_default(os.environ.get(ENGINE_ENV_VAR))
"""The engine frames use unless they name one; fixed at import."""


def get_engine(name: str | None = None) -> Engine:
    """The engine called ``name`` (the default engine for None)."""
    if name is None:
        return _ENGINES[DEFAULT_ENGINE]
    return _ENGINES[_check_name(name, "engine=")]
