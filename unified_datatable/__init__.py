"""DataTable: a tidyverse-style table (``DataTableFrame``) with interchangeable engines.

A pure-Python engine always works; a polars engine is used when polars is installed.
The engine is chosen once, at import (see :mod:`unified_datatable._engines`: the one
guarded import and the one flag, :data:`POLARS_AVAILABLE`); ``engine="pure"`` or
``engine="polars"`` on a frame, or ``UNIFIED_DATATABLE_ENGINE`` in the environment,
force one. Both engines give identical results, including ``filter``, ``arrange`` and
grouped ``summarise`` (which the legacy pure fallback silently ignored).

>>> from unified_datatable import DataTableFrame
>>> DataTableFrame({"x": [3, 1, 2]}).arrange("x").to_dict()
{'x': [1, 2, 3]}
"""

from unified_datatable._combine import cbind, rbind
from unified_datatable._engines import (
    DEFAULT_ENGINE,
    ENGINE_ENV_VAR,
    POLARS_AVAILABLE,
    available_engines,
)
from unified_datatable._io import fread
from unified_datatable.frame import DataTableFrame, Frame, GroupedFrame

__all__ = [
    "DataTableFrame", "Frame", "GroupedFrame", "fread", "rbind", "cbind",
    "POLARS_AVAILABLE", "DEFAULT_ENGINE", "ENGINE_ENV_VAR", "available_engines",
]
