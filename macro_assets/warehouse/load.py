"""Vintage-aware, idempotent loads: COPY a release into staging, then fold it into the intervals.

Each stored row is one value of one key over a run of loaded releases: ``published_in`` (the
release that first published it) up to ``replaced_in`` (the release that revised or dropped
it; NULL while current). Folding release R into a table whose loaded releases are known
touches only the neighbourhood of R (its predecessor P and successor N), so releases can be
loaded in any order and give the same rows:

A1. a row covering R and N whose value R revises or drops gets a copy from N on (its tail);
A2. that row is cut at R;
B1. a row starting at N with R's value is extended back to R;
B2. R's remaining values start new rows at R, ending at N (or open if R is the newest).

A table whose data at R hash the same as at P needs no row changes at all; a release already
loaded with the same data is skipped. Everything happens in one transaction.
"""

from __future__ import annotations

import hashlib
import io
import json
import queue
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import sqlalchemy as sa
import yaml

from macro_assets.transform import observations
from macro_assets.warehouse import schema
from macro_assets.warehouse.schema import VintageConflict

_LOAD_LOCK = 7_320_002


class MixedSourcesError(RuntimeError):
    """The sandbox's made-up numbers and BEA's data must never sit in one warehouse."""


SOURCES = ("bea", "sandbox")


@dataclass(frozen=True)
class Target:
    table: str
    key: tuple[str, ...]
    attrs: tuple[str, ...]
    # Unit columns a frame may lack: constants, and columns copied from another column.
    defaults: dict[str, str] = field(default_factory=dict)
    copies: dict[str, str] = field(default_factory=dict)

    @property
    def columns(self) -> list[str]:
        return [*self.key, *self.attrs]

    @property
    def staging(self) -> str:
        return "staging_" + self.table.split(".")[1]


_OBS_KEY = ("dataset", "table_name", "line_number", "geo_fips", "time_period")
OBSERVATIONS = Target(
    "bea.observations",
    _OBS_KEY,
    tuple(c for c in observations.SCHEMA if c not in _OBS_KEY and c != "release_date"),
)
INDICATORS = Target(
    "bea.indicators",
    ("dataset", "table_name", "indicator", "frequency", "time_period"),
    ("period_end", "value", "unit"),
    # Each indicator is its own unit: a release that publishes only some of them (GDP day,
    # personal income day) leaves the others' timelines alone.
    defaults={"dataset": "gold"},
    copies={"table_name": "indicator"},
)


@dataclass
class LoadCounts:
    inserted: int = 0
    closed: int = 0
    extended: int = 0
    unchanged: int = 0  # rows of the release whose stored value already ran through it
    unchanged_tables: int = 0
    tables: int = 0

    def add(self, other: LoadCounts) -> None:
        for name in vars(self):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass(frozen=True)
class TableInfo:
    bea_release: str | None = None
    last_revised: date | None = None
    # The bronze answers the table was parsed from: {uri, sha256, last_revised, line_code}.
    bronze_objects: tuple[dict, ...] = ()


@dataclass(frozen=True)
class Audit:
    """Who is loading: written to bea.load_audit beside every table the load touches."""

    run_id: str | None = None
    asset: str = "postgres_tables"
    code_version: str = "unknown"
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))


def ensure_schema(engine: sa.Engine) -> None:
    """The warehouse at the newest schema revision (migrations, then the views)."""
    schema.upgrade(engine)


def data_sha256(frame: pl.DataFrame, key: list[str]) -> str:
    """A table's data at one release, independent of row order and of BEA's envelope."""
    buf = io.BytesIO()
    frame.sort(key).write_csv(buf, include_header=True, null_value=r"\N")
    return hashlib.sha256(buf.getvalue()).hexdigest()


_COPY_BATCH_ROWS = 250_000


class _CsvStream:
    """A file PostgreSQL's COPY reads while a thread writes the next batches' CSV: one COPY
    statement, the CSV written on one core while the server takes rows on the other, and at
    most two batches in memory whatever the release's size."""

    def __init__(self, frame: pl.DataFrame) -> None:
        self._queue: queue.Queue[bytes | BaseException | None] = queue.Queue(maxsize=2)
        self._buffer = b""
        self._offset = 0
        self._done = False
        self.closed = threading.Event()
        threading.Thread(target=self._produce, args=(frame,), daemon=True).start()

    def _produce(self, frame: pl.DataFrame) -> None:
        try:
            for batch in frame.iter_slices(_COPY_BATCH_ROWS):
                buf = io.BytesIO()
                # Text quoted, NULL not: COPY reads a quoted "\N" as the text \N (BEA may send it).
                batch.write_csv(buf, include_header=False, null_value=r"\N", quote_style="non_numeric")
                self._put(buf.getvalue())
            self._put(None)
        except BaseException as exc:  # handed to the reading side, which raises it
            self._put(exc)

    def _put(self, item: bytes | BaseException | None) -> None:
        # A COPY that failed stops reading: give up rather than wait on a full queue forever.
        while not self.closed.is_set():
            try:
                self._queue.put(item, timeout=0.5)
                return
            except queue.Full:
                continue

    def read(self, size: int = -1) -> bytes:
        # Hands out slices of the current batch (no copying of what remains of it).
        while self._offset >= len(self._buffer) and not self._done:
            item = self._queue.get()
            if isinstance(item, BaseException):
                raise item
            if item is None:
                self._done = True
            else:
                self._buffer, self._offset = item, 0
        end = len(self._buffer) if size < 0 else self._offset + size
        chunk = self._buffer[self._offset : end]
        self._offset += len(chunk)
        return chunk

    readline = read


def _copy(conn: sa.Connection, table: str, frame: pl.DataFrame) -> None:
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    columns = ", ".join(frame.columns)
    stream = _CsvStream(frame)
    try:
        cursor.copy_expert(
            f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", stream, size=1 << 20
        )
    finally:
        stream.closed.set()


def _sql(target: Target) -> dict[str, str]:
    """The fold's statements; identifiers come from the constant Targets, values are bound."""
    t, s = target.table, target.staging
    key = " AND ".join(f"x.{c} = y.{c}" for c in target.key)
    same = " AND ".join(f"x.{c} IS NOT DISTINCT FROM y.{c}" for c in target.attrs)
    unit = "{a}.dataset = :dataset AND {a}.table_name = :table_name"
    cols = ", ".join(target.columns)
    covers_r = "x.published_in < :r AND (x.replaced_in IS NULL OR x.replaced_in > :r)"
    kept = f"EXISTS (SELECT 1 FROM {s} y WHERE {unit.format(a='y')} AND {key} AND {same})"
    return {
        "tails": (
            f"INSERT INTO {t} ({cols}, published_in, replaced_in) "
            f"SELECT {', '.join('x.' + c for c in target.columns)}, :n, x.replaced_in FROM {t} x "
            f"WHERE {unit.format(a='x')} AND {covers_r} AND (x.replaced_in IS NULL OR x.replaced_in > :n) "
            f"AND NOT {kept}"
        ),
        "cut": (
            f"UPDATE {t} x SET replaced_in = :r WHERE {unit.format(a='x')} AND {covers_r} AND NOT {kept}"
        ),
        "extend": (
            f"UPDATE {t} x SET published_in = :r FROM {s} y WHERE {unit.format(a='x')} "
            f"AND {unit.format(a='y')} AND {key} AND {same} AND x.published_in = :n"
        ),
        "start": (
            f"INSERT INTO {t} ({cols}, published_in, replaced_in) "
            f"SELECT {', '.join('y.' + c for c in target.columns)}, :r, :n FROM {s} y "
            f"WHERE {unit.format(a='y')} AND NOT EXISTS (SELECT 1 FROM {t} x WHERE {key} "
            "AND x.published_in <= :r AND (x.replaced_in IS NULL OR x.replaced_in > :r))"
        ),
    }


def _fold_unit(
    conn: sa.Connection,
    target: Target,
    release: date,
    unit: tuple[str, str],
    sha: str,
    rows: int,
    info: TableInfo,
    audit: Audit,
    copied: bool = False,
) -> LoadCounts:
    """Fold one table's rows at R into its intervals; ``copied``: the table had no release loaded
    and its rows were copied straight into the target as open rows from R (what the fold gives)."""
    dataset, table_name = unit
    loaded_sql = (
        "SELECT release_date, data_sha256 FROM bea.release_tables WHERE dataset = :d AND table_name = :t"
    )
    loaded = dict(conn.execute(sa.text(loaded_sql), {"d": dataset, "t": table_name}).all())
    counts = LoadCounts(tables=1)
    if release in loaded:
        if loaded[release] != sha:
            raise VintageConflict(
                f"release {release} of {dataset}/{table_name} was loaded from different data; "
                "drop schema bea and replay the releases from bronze"
            )
        counts.unchanged_tables = 1
        counts.unchanged = rows
        _write_audit(conn, target, release, unit, "already_loaded", rows, counts, info, audit)
        return counts
    earlier = [d for d in loaded if d < release]
    later = [d for d in loaded if d > release]
    prev, nxt = (max(earlier) if earlier else None), (min(later) if later else None)
    if copied:
        counts.inserted = rows
        outcome = "folded"
    elif prev is not None and loaded[prev] == sha:
        counts.unchanged_tables = 1  # R repeats P: every value already runs through R
        counts.unchanged = rows
        outcome = "same_as_previous"
    else:
        outcome = "folded"
        params = {"dataset": dataset, "table_name": table_name, "r": release, "n": nxt}
        sql = _sql(target)
        if nxt is not None:
            counts.inserted += conn.execute(sa.text(sql["tails"]), params).rowcount
        counts.closed += conn.execute(sa.text(sql["cut"]), params).rowcount
        if nxt is not None:
            counts.extended += conn.execute(sa.text(sql["extend"]), params).rowcount
        started = conn.execute(sa.text(sql["start"]), params).rowcount
        counts.inserted += started
        counts.unchanged = rows - started - counts.extended
    conn.execute(
        sa.text(
            "INSERT INTO bea.release_tables (release_date, dataset, table_name, bea_release, last_revised, "
            "row_count, data_sha256, run_id) VALUES (:r, :d, :t, :br, :lr, :rows, :sha, :run)"
        ),
        {
            "r": release,
            "d": dataset,
            "t": table_name,
            "br": info.bea_release,
            "lr": info.last_revised,
            "rows": rows,
            "sha": sha,
            "run": audit.run_id,
        },
    )
    _write_audit(conn, target, release, unit, outcome, rows, counts, info, audit)
    return counts


def _write_audit(
    conn: sa.Connection,
    target: Target,
    release: date,
    unit: tuple[str, str],
    outcome: str,
    rows: int,
    counts: LoadCounts,
    info: TableInfo,
    audit: Audit,
) -> None:
    conn.execute(
        sa.text(
            "INSERT INTO bea.load_audit (run_id, release_date, asset, target, dataset, table_name, outcome, "
            "rows_in_release, rows_inserted, rows_closed, rows_extended, rows_unchanged, started_at, "
            "finished_at, code_version, bronze_objects) VALUES (:run, :r, :asset, :target, :d, :t, :outcome, "
            ":rows, :ins, :closed, :ext, :unch, :started, clock_timestamp(), :code, CAST(:objects AS jsonb))"
        ),
        {
            "run": audit.run_id,
            "r": release,
            "asset": audit.asset,
            "target": target.table,
            "d": unit[0],
            "t": unit[1],
            "outcome": outcome,
            "rows": rows,
            "ins": counts.inserted,
            "closed": counts.closed,
            "ext": counts.extended,
            "unch": counts.unchanged,
            "started": audit.started_at,
            "code": audit.code_version,
            "objects": json.dumps(list(info.bronze_objects), sort_keys=True),
        },
    )


LAYOUTS = Path(__file__).with_name("layouts.yaml")


_SERIES_SQL = """
INSERT INTO bea.series AS t (dataset, table_name, line_number, series_code, line_description, unit,
                             unit_mult, as_of_release)
SELECT dataset, table_name, line_number, series_code, line_description, unit, unit_mult, :r
FROM staging_series
ON CONFLICT (dataset, table_name, line_number) DO UPDATE
SET series_code = EXCLUDED.series_code, line_description = EXCLUDED.line_description, unit = EXCLUDED.unit,
    unit_mult = EXCLUDED.unit_mult, as_of_release = EXCLUDED.as_of_release
WHERE t.as_of_release <= EXCLUDED.as_of_release
"""
_GEOGRAPHIES_SQL = """
INSERT INTO bea.geographies AS t (geo_fips, geo_name, geo_level, as_of_release)
SELECT geo_fips, geo_name, geo_level, :r FROM staging_geographies
ON CONFLICT (geo_fips) DO UPDATE
SET geo_name = EXCLUDED.geo_name, geo_level = EXCLUDED.geo_level, as_of_release = EXCLUDED.as_of_release
WHERE t.as_of_release <= EXCLUDED.as_of_release
"""


def _refresh_dimensions(conn: sa.Connection, release: date, obs: pl.DataFrame) -> None:
    """Series and geographies as of the newest release that described them (order-independent).
    Their distinct rows are computed here, so only a few thousand rows go to PostgreSQL."""
    line = ["dataset", "table_name", "line_number"]
    geo = ["geo_fips", "geo_name", "geo_level"]
    # Table by table (zero-copy slices): a window over the whole release would allocate its
    # size again, the load's peak memory at full scale.
    series_parts, geo_parts = [], []
    for part in _units(obs)[1].values():
        series_parts.append(
            part.filter(pl.col("period_end") == pl.col("period_end").max().over(line))
            .unique(subset=line, keep="first", maintain_order=True)
            .select(*line, "series_code", "line_description", "unit", "unit_mult")
        )
        geo_parts.append(part.select(geo).unique(subset=["geo_fips"], keep="first"))
    series = (
        pl.concat(series_parts)
        if series_parts
        else obs.select(*line, "series_code", "line_description", "unit", "unit_mult").head(0)
    )
    geographies = (pl.concat(geo_parts) if geo_parts else obs.select(geo).head(0)).unique(
        subset=["geo_fips"], keep="first"
    )
    for name, frame, table in (
        ("staging_series", series, "bea.series"),
        ("staging_geographies", geographies, "bea.geographies"),
    ):
        conn.exec_driver_sql(
            f"CREATE TEMP TABLE {name} ON COMMIT DROP AS "
            f"SELECT {', '.join(frame.columns)} FROM {table} WITH NO DATA"
        )
        _copy(conn, name, frame)
    conn.execute(sa.text(_SERIES_SQL), {"r": release})
    conn.execute(sa.text(_GEOGRAPHIES_SQL), {"r": release})
    parents = [
        {"t": table, "l": line, "p": parent}
        for table, lines in (yaml.safe_load(LAYOUTS.read_text()) or {}).items()
        for line, parent in lines.items()
    ]
    conn.execute(
        sa.text(
            "UPDATE bea.series SET parent_line = :p WHERE table_name = :t AND line_number = :l "
            "AND dataset IN ('NIPA', 'NIUnderlyingDetail') AND parent_line IS DISTINCT FROM :p"
        ),
        parents,
    )


_HASHERS = ThreadPoolExecutor(max_workers=1, thread_name_prefix="data-sha256")


def _units(frame: pl.DataFrame) -> tuple[pl.DataFrame, dict[tuple[str, str], pl.DataFrame]]:
    """Each table's rows as a zero-copy slice: silver holds a table's rows together (answers are
    concatenated table by table); a frame that does not is sorted first."""
    runs = (
        frame.select("dataset", "table_name")
        .with_row_index("row")
        .group_by("dataset", "table_name", maintain_order=True)
        .agg(pl.col("row").min().alias("start"), pl.len().alias("n"), pl.col("row").max().alias("last"))
    )
    if runs.filter(pl.col("last") - pl.col("start") + 1 != pl.col("n")).height:
        return _units(frame.sort("dataset", "table_name", maintain_order=True))
    return frame, {(d, t): frame.slice(start, n) for d, t, start, n, _ in runs.iter_rows()}


def _load_target(
    conn: sa.Connection,
    target: Target,
    frame: pl.DataFrame,
    release: date,
    infos: dict[tuple[str, str], TableInfo],
    audit: Audit,
) -> LoadCounts:
    frame = frame.with_columns(
        *(pl.lit(v).alias(k) for k, v in target.defaults.items()),
        *(pl.col(src).alias(k) for k, src in target.copies.items()),
    )
    frame, parts = _units(frame)
    seen = {
        tuple(r) for r in conn.execute(sa.text("SELECT DISTINCT dataset, table_name FROM bea.release_tables"))
    }
    # A table never loaded before has no intervals to fold into: its rows go straight into the
    # target by COPY (open rows from R), as fast as PostgreSQL takes rows in.
    fresh = [unit for unit in parts if unit not in seen]
    known = [unit for unit in parts if unit in seen]
    # Each table's data hash (sorting and writing it) on the other core while COPY runs.
    hashing = _HASHERS.submit(
        lambda: {u: data_sha256(part.select(target.columns), list(target.key)) for u, part in parts.items()}
    )
    if fresh:
        rows = frame if not known else pl.concat([parts[u] for u in fresh])
        _copy(
            conn,
            target.table,
            rows.select(target.columns).with_columns(pl.lit(release).alias("published_in")),
        )
    if known:
        conn.exec_driver_sql(
            f"CREATE TEMP TABLE {target.staging} ON COMMIT DROP AS "
            f"SELECT {', '.join(target.columns)} FROM {target.table} WITH NO DATA"
        )
        _copy(conn, target.staging, pl.concat([parts[u] for u in known]).select(target.columns))
        conn.exec_driver_sql(f"ANALYZE {target.staging}")
    counts = LoadCounts()
    hashes = hashing.result()
    for unit, part in parts.items():
        dataset, table_name = str(unit[0]), str(unit[1])
        counts.add(
            _fold_unit(
                conn,
                target,
                release,
                (dataset, table_name),
                hashes[unit],
                part.height,
                infos.get((dataset, table_name), TableInfo()),
                audit,
                copied=unit in fresh,
            )
        )
    return counts


def load_release(
    engine: sa.Engine,
    release: date,
    obs: pl.DataFrame | Callable[[], tuple[pl.DataFrame, pl.DataFrame]],
    ind: pl.DataFrame | None,
    infos: dict[tuple[str, str], TableInfo] | None = None,
    audit: Audit | None = None,
    source_sha256: str | None = None,
    source: str | None = None,
) -> dict[str, LoadCounts]:
    """Fold one release's observations and indicators into the warehouse, atomically, with a
    bea.load_audit row per table. ``infos`` is keyed by (dataset, table_name); an indicator's
    unit is ("gold", indicator). ``source_sha256`` identifies the inputs (silver and gold files):
    a release already loaded from the same inputs is skipped at once. ``obs`` may instead be a
    function returning both frames (``ind`` None), called only if the release is not skipped.
    ``source`` says what the data are ("bea" or "sandbox"): a warehouse holding the other is
    refused before anything is written."""
    if source is not None and source not in SOURCES:
        raise ValueError(f"unknown data source {source!r}: expected one of {', '.join(SOURCES)}")
    audit = audit or Audit()
    ensure_schema(engine)
    with engine.begin() as conn:
        # Folds read their neighbours' rows: one load at a time, whatever the release.
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOAD_LOCK})
        if source is not None:
            _refuse_mixing(conn, source)
        if source_sha256 and _loaded_from(conn, release, source_sha256):
            return _already_loaded(conn, release, audit)
        if callable(obs):
            obs, ind = obs()
        if ind is None:
            raise TypeError("load_release needs the indicators frame, or a function returning both frames")
        for frame, name in ((obs, "observations"), (ind, "indicators")):
            if frame.height and frame["release_date"].unique().to_list() != [release]:
                raise ValueError(f"{name} for release {release} hold rows of another release date")
        counts = {
            "observations": _load_target(conn, OBSERVATIONS, obs, release, infos or {}, audit),
            "indicators": _load_target(conn, INDICATORS, ind, release, infos or {}, audit),
        }
        _refresh_dimensions(conn, release, obs)
        if source is not None:
            conn.execute(
                sa.text(
                    "UPDATE bea.release_tables SET source = :s WHERE release_date = :r AND source IS NULL"
                ),
                {"s": source, "r": release},
            )
        if source_sha256:
            conn.execute(
                sa.text(
                    "INSERT INTO bea.release_loads (release_date, source_sha256, run_id) "
                    "VALUES (:r, :s, :run)"
                ),
                {"r": release, "s": source_sha256, "run": audit.run_id},
            )
        return counts


def _refuse_mixing(conn: sa.Connection, source: str) -> None:
    other = conn.execute(
        sa.text(
            "SELECT source, min(release_date), count(DISTINCT release_date) FROM bea.release_tables "
            "WHERE source IS NOT NULL AND source <> :s GROUP BY source"
        ),
        {"s": source},
    ).first()
    if other is not None:
        held, first, releases = other
        raise MixedSourcesError(
            f"this warehouse holds {held} data ({releases} releases from {first} on); refusing to load "
            f"{source} data into it: the sandbox's numbers are made up, so give each its own database "
            "(or drop schema bea and replay from bronze)"
        )


def _loaded_from(conn: sa.Connection, release: date, source_sha256: str) -> bool:
    found = conn.execute(
        sa.text("SELECT 1 FROM bea.release_loads WHERE release_date = :r AND source_sha256 = :s"),
        {"r": release, "s": source_sha256},
    ).first()
    return found is not None


def _already_loaded(conn: sa.Connection, release: date, audit: Audit) -> dict[str, LoadCounts]:
    """The same inputs were loaded before: record the re-run in the audit, change nothing else."""
    rows = conn.execute(
        sa.text(
            "SELECT dataset, table_name, row_count FROM bea.release_tables WHERE release_date = :r "
            "ORDER BY dataset, table_name"
        ),
        {"r": release},
    ).all()
    counts = {"observations": LoadCounts(), "indicators": LoadCounts()}
    for dataset, table_name, row_count in rows:
        target = INDICATORS if dataset == "gold" else OBSERVATIONS
        unit = LoadCounts(unchanged=row_count, unchanged_tables=1, tables=1)
        counts["indicators" if dataset == "gold" else "observations"].add(unit)
        _write_audit(
            conn,
            target,
            release,
            (dataset, table_name),
            "already_loaded",
            row_count,
            unit,
            TableInfo(),
            audit,
        )
    return counts
