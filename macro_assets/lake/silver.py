"""Silver: one typed long table of observations per release (polars → parquet), built from
bronze a batch at a time, with each table's shape compared to its previous vintage."""

from __future__ import annotations

import gzip
import io
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date

import polars as pl
import pyarrow.parquet as pq

from macro_assets.bea.errors import BeaSchemaError
from macro_assets.checks import Outcome, combine, nothing_to_check
from macro_assets.checks import silver as silver_checks
from macro_assets.checks.bronze import stored_as_recorded
from macro_assets.lake import layout
from macro_assets.lake.codecs import read_json, sha256, write_json
from macro_assets.lake.derivation import record_derivation, reuse_if_current
from macro_assets.lake.log import Log
from macro_assets.lake.manifest import Entry, Manifest
from macro_assets.lake.stores import Store
from macro_assets.lake.streams import ahead_within, batches, in_order, usable_cores
from macro_assets.memory import tune_allocator
from macro_assets.transform import shapes as table_shapes
from macro_assets.transform.digests import Digests, TableDigest
from macro_assets.transform.observations import KEY, SCHEMA, answer_text, empty_frame, typed_frame

# Rows typed and written at once: large enough that polars' per-call cost vanishes, small
# enough that a batch stays in the tens of megabytes.
BATCH_ROWS = 250_000
PARSE_WORKERS = min(4, usable_cores())
# Answers parsed ahead of the batch being typed and written, so the readers keep the cores busy
# meanwhile: about a batch of NIPA answers (10k rows, ~2 MB parsed, each), and no more than about
# AHEAD_ROWS rows of larger answers (a county line is 180k rows: 24 of them would be 1 GB).
READ_AHEAD = 24
AHEAD_ROWS = 400_000
# Dictionaries for the text columns only, and statistics only where readers filter or sort:
# a quarter of the writing time at full scale is otherwise spent on unused statistics.
PARQUET_OPTIONS = {
    "compression": "zstd",
    "use_dictionary": [name for name, dtype in SCHEMA.items() if dtype == pl.String()],
    "write_statistics": [
        "dataset",
        "table_name",
        "series_id",
        "line_number",
        "geo_fips",
        "time_period",
        "release_date",
    ],
}


# The columns a table's digest is taken over: every column but the release date, which the
# warehouse keeps as the interval's bound (published_in).
DIGEST_COLUMNS = [c for c in SCHEMA if c != "release_date"]
TableRef = tuple[str, str]


def write_table_digests(lake: Store, release: date, object_sha256: str, tables: dict) -> None:
    entries = [
        {"dataset": d, "table_name": t, "rows": found.rows, "digest": found.digest}
        for (d, t), found in sorted(tables.items())
    ]
    write_json(lake, layout.silver_tables(release), {"object_sha256": object_sha256, "tables": entries})


def table_digests(lake: Store, release: date, object_sha256: str) -> dict[TableRef, TableDigest] | None:
    """Each table's rows and digest as silver's build recorded them, if it recorded them for this
    very object (an older build did not; a rebuilt object has its own)."""
    key = layout.silver_tables(release)
    if not lake.exists(key):
        return None
    recorded = read_json(lake, key)
    if recorded.get("object_sha256") != object_sha256:
        return None
    return {(e["dataset"], e["table_name"]): TableDigest(e["rows"], e["digest"]) for e in recorded["tables"]}


class _KeysPerTable:
    """Whether any key repeats, a table at a time: silver holds a table's rows together, so only
    the table being read keeps its key hashes (a table of millions of rows, not the release).
    A table seen again after another began sends the check to the written file, exactly."""

    def __init__(self) -> None:
        self.open: dict[tuple[str, str], list[pl.Series]] = {}
        self.done: set[tuple[str, str]] = set()
        self.repeated = False
        self.scattered = False
        self.rows = 0

    def add(self, frame: pl.DataFrame) -> None:
        self.rows += frame.height
        present = set()
        for (dataset, table), part in frame.group_by("dataset", "table_name", maintain_order=True):
            ref = (str(dataset), str(table))
            present.add(ref)
            if ref in self.done:
                self.scattered = True
            self.open.setdefault(ref, []).append(part.select(KEY).hash_rows())
        for ref in [r for r in self.open if r not in present]:
            self._close(ref)

    def _close(self, ref: tuple[str, str]) -> None:
        hashes = pl.concat(self.open.pop(ref))
        self.repeated |= bool(hashes.is_duplicated().any())
        self.done.add(ref)

    def finish(self) -> bool:
        """True if every key is known to be distinct; False if the file must be counted."""
        for ref in list(self.open):
            self._close(ref)
        return not (self.repeated or self.scattered)


@dataclass(frozen=True)
class Built:
    """What a build did: plain metadata, check outcomes, and the newest rows (None when kept)."""

    metadata: dict
    outcomes: list[Outcome]
    latest: pl.DataFrame | None


def changes_since_previous_vintage(
    lake: Store, release: date, shapes: dict[str, table_shapes.TableShape]
) -> list[str]:
    """Each table against its newest earlier vintage in the lake (a release holds only the
    tables it published, so that vintage may be several releases back)."""
    wanted = set(shapes)
    found: list[str] = []
    earlier = sorted(
        (
            f.removeprefix("release_date=")
            for f in lake.list_folders("silver")
            if f.startswith("release_date=")
        ),
        reverse=True,
    )
    for day in earlier:
        if not wanted:
            break
        if day >= release.isoformat() or not lake.exists(layout.silver_shapes(date.fromisoformat(day))):
            continue
        before = read_json(lake, layout.silver_shapes(date.fromisoformat(day)))
        for table in sorted(wanted & set(before)):
            found += table_shapes.changes(
                table, table_shapes.TableShape.from_json(before[table]), shapes[table], day
            )
            wanted.discard(table)
    return found


def build(lake: Store, release: date, log: Log) -> Built:
    """Silver of ``release`` from its bronze manifest, written to the lake (or kept, when it was
    built from this very bronze by this code version)."""
    key = layout.silver_observations(release)
    manifest_bytes = lake.get(layout.bronze_manifest(release))
    # The manifest records every bronze object's sha256: its own hash stands for all of bronze.
    source = sha256(manifest_bytes)
    reused = reuse_if_current(lake, key, source)
    if reused is not None:
        log.info(f"silver for {release} is already built from this bronze; kept")
        return Built(reused[0], reused[1], None)
    manifest = Manifest.model_validate_json(manifest_bytes)
    tune_allocator()
    # Answers are read, checked against the manifest and parsed on a few threads (gzip, sha256
    # and polars' JSON reader release the GIL); their rows are typed, checked and written a
    # batch at a time, one row group per batch, so memory holds a batch, never the release
    # (2.6 million rows at full NIPA scale).
    per_check: dict[str, list[Outcome]] = {check.__name__: [] for check in silver_checks.PER_ANSWER}
    rows_by_table: dict[str, int] = {}
    keys = _KeysPerTable()
    digests = Digests(DIGEST_COLUMNS)
    markers, height = 0, 0
    shapes: dict[str, table_shapes.TableShape] = {}
    latest = empty_frame()
    buf = io.BytesIO()

    def read(entry: Entry) -> pl.DataFrame:
        stored = lake.get(entry.key)
        if not stored_as_recorded(entry, stored):
            raise BeaSchemaError(f"bronze object {entry.key} does not match its manifest sha256")
        return answer_text(gzip.decompress(stored), entry.dataset, entry.table)

    writing: Future[None] | None = None
    with (
        pq.ParquetWriter(buf, empty_frame().to_arrow().schema, **PARQUET_OPTIONS) as writer,
        # A batch is written while the next is typed: pyarrow's writer releases the GIL.
        ThreadPoolExecutor(1, thread_name_prefix="mdi-write") as write_pool,
    ):
        ahead = ahead_within((e.rows for e in manifest.objects), AHEAD_ROWS, READ_AHEAD)
        for batch in batches(in_order(read, manifest.objects, PARSE_WORKERS, ahead), BATCH_ROWS):
            frame = typed_frame(batch, release, unique_keys=False)
            del batch
            if writing is not None:
                writing.result()
            writing = write_pool.submit(writer.write_table, frame.to_arrow())
            for check in silver_checks.PER_ANSWER:
                per_check[check.__name__].append(check(frame))
            for table, n in frame.group_by("table_name").len().iter_rows():
                rows_by_table[table] = rows_by_table.get(table, 0) + n
            keys.add(frame)
            digests.add(frame)
            table_shapes.add_batch(shapes, frame)
            markers += int(frame["value_status"].is_not_null().sum())
            height += frame.height
            latest = pl.concat([latest, frame.top_k(10, by="period_end")]).top_k(10, by="period_end")
        if writing is not None:
            writing.result()
    data = buf.getvalue()
    lake.put(key, data)
    write_json(lake, layout.silver_shapes(release), {t: s.to_json() for t, s in sorted(shapes.items())})
    shape_changes = changes_since_previous_vintage(lake, release, shapes)
    for change in shape_changes:
        log.warning(f"shape changed: {change}")
    outcomes = [
        combine(per_check[check.__name__])
        if per_check[check.__name__]
        else nothing_to_check(check.__name__, "bronze holds no answers for this release")
        for check in silver_checks.PER_ANSWER
    ]
    # A key could repeat across two answers of one table. Distinct key hashes prove there is
    # none; only if two collide is the written file grouped by key to count exactly.
    if not keys.rows:
        unique = nothing_to_check("key_unique", "no observations")
    elif not keys.finish():
        unique = silver_checks.key_unique_lazy(pl.scan_parquet(io.BytesIO(data)))
    else:
        unique = silver_checks.key_unique_passed()
    outcomes.insert(1, unique)
    object_sha256 = sha256(data)
    write_table_digests(lake, release, object_sha256, digests.result())
    metadata = {
        "dagster/row_count": height,
        "markers": markers,
        "parquet_bytes": len(data),
        "rows_by_table": dict(sorted(rows_by_table.items())),
        "shape_changes": {"changes": shape_changes},
    }
    record_derivation(lake, key, object_sha256, source, metadata, outcomes)
    return Built(metadata, outcomes, latest.sort("period_end", descending=True))
