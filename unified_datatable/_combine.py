"""``rbind`` and ``cbind``: stack frames on top of each other or side by side.

The result uses the engine of the first frame. ``rbind`` needs the same column names
in every frame (the order of the first frame wins) and merges kinds as
:func:`~datatable._columns.merge_kinds` does (int + float gives float);
``cbind`` needs the same number of rows and distinct column names.
"""

from __future__ import annotations

from unified_datatable._columns import Columns, Kinds, merge_kinds, normalize_column
from unified_datatable._engines import get_engine
from unified_datatable.frame import DataTableFrame


def _build(first: DataTableFrame, columns: Columns, kinds: Kinds) -> DataTableFrame:
    engine = get_engine(first.engine)
    return DataTableFrame._wrap(engine, engine.build(columns, kinds))


def rbind(*frames: DataTableFrame) -> DataTableFrame:
    """All rows of every frame, in order (no frames: an empty frame)."""
    if not frames:
        return DataTableFrame()
    names = frames[0].names
    for i, frame in enumerate(frames[1:], start=1):
        if set(frame.names) != set(names):
            missing = sorted(set(names) - set(frame.names))
            extra = sorted(set(frame.names) - set(names))
            raise ValueError(f"rbind: frame {i} has different columns "
                             f"(missing {missing}, extra {extra})")
    columns: Columns = {}
    kinds: Kinds = {}
    for name in names:
        kind = frames[0].kinds[name]
        for frame in frames[1:]:
            kind = merge_kinds(kind, frame.kinds[name], f"rbind: column {name!r}")
        cells = [cell for frame in frames for cell in frame[name]]
        columns[name], kinds[name] = normalize_column(name, cells, kind)
    return _build(frames[0], columns, kinds)


def cbind(*frames: DataTableFrame) -> DataTableFrame:
    """The columns of every frame side by side (no frames: an empty frame)."""
    if not frames:
        return DataTableFrame()
    rows = [frame.nrows for frame in frames if frame.ncols]
    if len(set(rows)) > 1:
        raise ValueError(f"cbind: frames have different row counts {rows}")
    columns: Columns = {}
    kinds: Kinds = {}
    for frame in frames:
        clash = [name for name in frame.names if name in columns]
        if clash:
            raise ValueError(f"cbind: column name(s) {clash} appear in more than one frame")
        columns.update(frame.to_dict())
        kinds.update(frame.kinds)
    return _build(frames[0], columns, kinds)
