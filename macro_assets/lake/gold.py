"""Gold: the analysis-ready indicators of a release, computed from its silver."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

import polars as pl

from macro_assets.checks import Outcome
from macro_assets.checks import gold as gold_checks
from macro_assets.lake import layout
from macro_assets.lake.codecs import sha256, write_parquet
from macro_assets.lake.derivation import record_derivation, reuse_if_current
from macro_assets.lake.log import Log
from macro_assets.lake.stores import Store
from macro_assets.transform.indicators import INDICATORS, indicators_frame

# The tables the indicators and the identity checks read.
SOURCES = sorted({i.table_name for i in INDICATORS} | {"T10101", "T10105", "T10106"})


@dataclass(frozen=True)
class Built:
    """Plain metadata, check outcomes, and each indicator's newest value (None when kept)."""

    metadata: dict
    outcomes: list[Outcome]
    latest: pl.DataFrame | None


def latest_values(frame: pl.DataFrame) -> pl.DataFrame:
    """The newest value of each quarterly and monthly indicator."""
    return (
        frame.sort("period_end")
        .group_by("indicator", "frequency", maintain_order=True)
        .last()
        .filter(pl.col("frequency") != "A")
        .sort("indicator")
    )


def build(lake: Store, release: date, log: Log) -> Built:
    key = layout.gold_indicators(release)
    silver_bytes = lake.get(layout.silver_observations(release))
    source = sha256(silver_bytes)
    reused = reuse_if_current(lake, key, source)
    if reused is not None:
        log.info(f"gold for {release} is already computed from this silver; kept")
        # Gold is small: its latest values are read back, so a kept gold shows them too.
        return Built(reused[0], reused[1], latest_values(pl.read_parquet(io.BytesIO(lake.get(key)))))
    # Only the tables gold reads: row groups of the others are skipped, so gold's memory does
    # not grow with the catalog.
    observations = (
        pl.scan_parquet(io.BytesIO(silver_bytes)).filter(pl.col("table_name").is_in(SOURCES)).collect()
    )
    frame = indicators_frame(observations)
    outcomes = [
        gold_checks.gdp_identity(observations),
        gold_checks.growth_matches_published(observations),
        gold_checks.indicators_without_gaps(frame),
    ]
    data = write_parquet(lake, key, frame)
    latest = latest_values(frame)
    metadata: dict[str, object] = {"dagster/row_count": frame.height}
    # Plain floats plot across partitions in the UI.
    for row in latest.iter_rows(named=True):
        metadata[f"latest_{row['indicator']}"] = float(row["value"])
    record_derivation(lake, key, sha256(data), source, metadata, outcomes)
    return Built(metadata, outcomes, latest)
