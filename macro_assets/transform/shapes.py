"""A table's shape at one vintage (its lines, frequencies and geographies) and what changed
since the previous vintage: BEA renaming or dropping a field, a line or a geography shows here
even when every value parses."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl


@dataclass
class TableShape:
    lines: set[int] = field(default_factory=set)
    frequencies: set[str] = field(default_factory=set)
    geographies: set[str] = field(default_factory=set)
    rows: int = 0

    def to_json(self) -> dict[str, object]:
        return {
            "lines": sorted(self.lines),
            "frequencies": sorted(self.frequencies),
            "geographies": sorted(self.geographies),
            "rows": self.rows,
        }

    @classmethod
    def from_json(cls, doc: dict) -> TableShape:
        return cls(set(doc["lines"]), set(doc["frequencies"]), set(doc["geographies"]), int(doc["rows"]))


def add_batch(shapes: dict[str, TableShape], frame: pl.DataFrame) -> None:
    """Fold one batch of silver rows into the per-table shapes (keyed "dataset/table")."""
    # Datasets without lines or places (the international accounts) leave those sets empty.
    grouped = frame.group_by("dataset", "table_name").agg(
        pl.col("line_number").drop_nulls().unique(),
        pl.col("frequency").unique(),
        pl.col("geo_fips").drop_nulls().unique(),
        pl.len().alias("rows"),
    )
    for dataset, table, lines, frequencies, geos, rows in grouped.iter_rows():
        shape = shapes.setdefault(f"{dataset}/{table}", TableShape())
        shape.lines.update(lines)
        shape.frequencies.update(frequencies)
        shape.geographies.update(geos)
        shape.rows += rows


def _listed(items: set, most: int = 5) -> str:
    shown = ", ".join(str(i) for i in sorted(items)[:most])
    return shown + (f" and {len(items) - most} more" if len(items) > most else "")


def changes(table: str, before: TableShape, now: TableShape, since: str) -> list[str]:
    """One sentence per difference; none when the table has the shape it had."""
    found = []
    for what, old, new in (
        ("lines", before.lines, now.lines),
        ("frequencies", before.frequencies, now.frequencies),
        ("geographies", before.geographies, now.geographies),
    ):
        if old - new:
            found.append(f"{table}: {what} {_listed(old - new)} of the vintage of {since} are gone")
        if new - old:
            found.append(f"{table}: {what} {_listed(new - old)} are new since the vintage of {since}")
    return found
