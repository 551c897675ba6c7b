"""Silver's every vintage as an Apache Iceberg table, ``bea.observations``, that DuckDB, Athena,
Trino and Spark read: the warehouse's rows (each value with ``published_in`` and
``replaced_in``), partitioned by dataset and table, folded release by release from silver.

One release is one Iceberg commit (a transaction: every table's rows and the record of which
releases are folded in, in the table's properties), so a reader sees a release wholly or not at
all; appending a release again commits nothing, and a release whose data differ from what was
appended before is refused (``LakeConflict``), as the warehouse refuses it.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import reduce
from operator import or_
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import sqlalchemy as sa
from pyiceberg.catalog import Catalog
from pyiceberg.catalog.sql import SqlCatalog
from pyiceberg.exceptions import CommitFailedException, ValidationException
from pyiceberg.expressions import And, BooleanExpression, EqualTo, In
from pyiceberg.partitioning import PartitionField, PartitionSpec
from pyiceberg.schema import Schema
from pyiceberg.table import Table
from pyiceberg.table.sorting import SortField, SortOrder
from pyiceberg.transforms import IdentityTransform
from pyiceberg.types import DateType, DoubleType, IntegerType, LongType, NestedField, StringType
from tenacity import retry, retry_if_exception_type, stop_after_attempt, wait_random_exponential

from macro_assets.lake import history, layout
from macro_assets.lake.log import Log
from macro_assets.lake.stores import Store
from macro_assets.warehouse.fold import data_sha256, tables_of
from macro_assets.warehouse.targets import OBSERVATIONS, TableRef

NAMESPACE = "bea"
NAME = "observations"
# Which releases each table holds, and a digest of its data at each: a table property per table,
# written in the same commit as the rows.
LOADED_PREFIX = "mdi.loaded."
# Rows written per Iceberg operation: a release's folded tables go in batches of about this
# many rows, so a release of many tables is a few snapshots, not one per table.
BATCH_ROWS = 2_000_000

_ICEBERG_TYPES = {
    "text": StringType,
    "jsonb": StringType,
    "integer": IntegerType,
    "bigint": LongType,
    "double precision": DoubleType,
    "date": DateType,
}


def warehouse_location(lake_location: str) -> str:
    """Where the table's files go: beside the lake's layers (``<lake>/iceberg``)."""
    if "://" in lake_location:
        return lake_location.rstrip("/") + "/iceberg"
    return (Path(lake_location).resolve() / "iceberg").as_uri()


class LakeTableUnavailableError(RuntimeError):
    """The Iceberg catalog could not be reached."""


def open_catalog(uri: str, warehouse: str) -> Catalog:
    """``uri``: ``glue`` (AWS Glue's Data Catalog, production) or a SQLAlchemy URL (Iceberg's SQL
    catalog: its two tables in that database, the warehouse's PostgreSQL by default)."""
    # The table's files go where the lake's objects do: S3's endpoint and region as the lake's
    # client takes them (AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL, AWS_REGION), credentials from
    # the environment or the task role.
    properties = {"warehouse": warehouse}
    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    if endpoint:
        properties["s3.endpoint"] = endpoint
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if region:
        properties["s3.region"] = region
    if uri == "glue":
        from pyiceberg.catalog.glue import GlueCatalog

        return GlueCatalog("glue", **properties)
    try:
        return SqlCatalog("mdi", uri=uri, **properties)
    except sa.exc.OperationalError as exc:
        shown = sa.engine.make_url(uri).render_as_string(hide_password=True)
        first = (str(exc.orig).strip().splitlines() or [type(exc.orig).__name__])[0]
        raise LakeTableUnavailableError(f"Iceberg catalog at {shown} unavailable: {first}") from None


@dataclass(frozen=True)
class LakeTable:
    """The lake's table in its catalog, under ``namespace`` (in AWS, the Glue database)."""

    catalog: Catalog
    namespace: str = NAMESPACE

    @property
    def identifier(self) -> str:
        return f"{self.namespace}.{NAME}"

    def load(self) -> Table:
        """The table as last committed (``NoSuchTableError`` before the first append)."""
        return self.catalog.load_table(self.identifier)

    def open(self) -> Table:
        """The table, created (partitioned by dataset and table, sorted by series) the first time."""
        self.catalog.create_namespace_if_not_exists(self.namespace)
        fields = schema()
        dataset, table_name = fields.find_field("dataset"), fields.find_field("table_name")
        spec = PartitionSpec(
            PartitionField(dataset.field_id, 1000, IdentityTransform(), "dataset"),
            PartitionField(table_name.field_id, 1001, IdentityTransform(), "table_name"),
        )
        # Rows of a series together, in period order: a series read touches few row groups.
        order = SortOrder(
            *(
                SortField(fields.find_field(c).field_id, IdentityTransform())
                for c in ("series_id", "time_period")
            )
        )
        return self.catalog.create_table_if_not_exists(
            self.identifier, fields, partition_spec=spec, sort_order=order
        )


class LakeConflict(RuntimeError):
    """A release already in the lake's table was appended again from different data."""


def schema() -> Schema:
    """The warehouse's ``bea.observations`` columns, in its order, with Iceberg's types."""
    return Schema(
        *(
            NestedField(i, name, _ICEBERG_TYPES[sql](), required=False)
            for i, (name, sql) in enumerate(OBSERVATIONS.column_types(), start=1)
        )
    )


def loaded_releases(table: Table, ref: TableRef) -> dict[date, str]:
    """The releases of one BEA table folded into the lake's table, with their data digests."""
    raw = table.properties.get(_property(ref))
    return {date.fromisoformat(r): sha for r, sha in json.loads(raw).items()} if raw else {}


def _property(ref: TableRef) -> str:
    return f"{LOADED_PREFIX}{ref[0]}.{ref[1]}"


@dataclass(frozen=True)
class Appended:
    """What appending one release did to the lake's table."""

    tables: int
    folded_tables: int
    unchanged_tables: int
    rows_written: int
    snapshot_id: int | None
    metadata_location: str


def _of_tables(refs: list[TableRef]) -> BooleanExpression:
    by_dataset: dict[str, list[str]] = {}
    for dataset, name in refs:
        by_dataset.setdefault(dataset, []).append(name)
    return reduce(
        or_, (And(EqualTo("dataset", d), In("table_name", names)) for d, names in by_dataset.items())
    )


def read_history(table: Table, refs: list[TableRef]) -> Iterator[tuple[TableRef, pl.DataFrame]]:
    """Each table's stored rows, one table at a time (its data files, planned once)."""
    if not refs:
        return
    files: dict[TableRef, list[str]] = {}
    for task in table.scan(row_filter=_of_tables(refs)).plan_files():
        if task.delete_files:
            # Only this module writes the table, and only by rewriting whole partitions.
            raise RuntimeError(f"{table.name()} has delete files; it was written by another tool")
        part = task.file.partition
        files.setdefault((part[0], part[1]), []).append(task.file.file_path)
    arrow_schema = schema().as_arrow()
    for ref in refs:
        pieces = [pq.read_table(table.io.new_input(path).open()) for path in files.get(ref, [])]
        frame = (
            pl.from_arrow(pa.concat_tables(pieces).cast(arrow_schema))
            if pieces
            else pl.from_arrow(arrow_schema.empty_table())
        )
        yield ref, frame  # type: ignore[misc]


def _arrow(frame: pl.DataFrame) -> pa.Table:
    return frame.sort("series_id", "time_period", "published_in").to_arrow().cast(schema().as_arrow())


# Another writer's commit in between: pyiceberg retries a commit that merely raced, and refuses
# (ValidationException) one whose partitions that writer changed; both start the fold again
# from the table as it now is.
@retry(
    retry=retry_if_exception_type((CommitFailedException, ValidationException)),
    stop=stop_after_attempt(5),
    wait=wait_random_exponential(multiplier=0.2, max=5),
    reraise=True,
)
def append_release(lake_table: LakeTable, release: date, frame: pl.DataFrame, log: Log) -> Appended:
    """Fold one release's silver (``frame``) into the lake's table in one commit. Another
    writer's commit in between (two releases appended at once) makes this one start again."""
    table = lake_table.open()
    key, attrs = list(OBSERVATIONS.key), list(OBSERVATIONS.attrs)
    frame, parts = tables_of(frame)
    properties: dict[str, str] = {}
    to_fold: list[TableRef] = []
    unchanged = 0
    for ref, rows in parts.items():
        loaded = loaded_releases(table, ref)
        digest = data_sha256(rows.select(OBSERVATIONS.columns), key)
        if release in loaded:
            if loaded[release] != digest:
                raise LakeConflict(
                    f"release {release} of {ref[0]}/{ref[1]} is in the lake's table from different "
                    f"data; drop {lake_table.identifier} and append the releases again from silver"
                )
            unchanged += 1
            continue
        previous = history.neighbours(list(loaded), release)[0]
        if previous is not None and loaded[previous] == digest:
            unchanged += 1  # R repeats P: every value already runs through R
        else:
            to_fold.append(ref)
        properties[_property(ref)] = json.dumps(
            {str(r): s for r, s in sorted({**loaded, release: digest}.items())}
        )
    written = 0
    with table.transaction() as tx:
        # Tables new to the lake are appended; the others replace their partitions.
        batches: dict[bool, tuple[list[pl.DataFrame], list[TableRef]]] = {True: ([], []), False: ([], [])}

        def flush(fresh: bool) -> None:
            nonlocal written
            frames, refs = batches[fresh]
            if refs:
                rows = _arrow(pl.concat(frames, how="vertical_relaxed"))
                if fresh:
                    tx.append(rows)
                else:
                    tx.overwrite(rows, overwrite_filter=_of_tables(refs))
                written += rows.num_rows
                frames.clear()
                refs.clear()

        for ref, stored in read_history(table, to_fold):
            loaded = list(loaded_releases(table, ref))
            fresh = not loaded
            frames, refs = batches[fresh]
            frames.append(history.fold(stored, loaded, release, parts[ref], key, attrs))
            refs.append(ref)
            if sum(f.height for f in frames) >= BATCH_ROWS:
                flush(fresh)
        flush(True)
        flush(False)
        if properties:
            tx.set_properties(properties)
    if to_fold or properties:
        table = lake_table.load()
    snapshot = table.current_snapshot()
    log.info(
        f"{lake_table.identifier}: release {release}: {len(to_fold)} tables folded ({written} rows written), "
        f"{unchanged} of {len(parts)} unchanged"
    )
    return Appended(
        tables=len(parts),
        folded_tables=len(to_fold),
        unchanged_tables=unchanged,
        rows_written=written,
        snapshot_id=snapshot.snapshot_id if snapshot else None,
        metadata_location=table.metadata_location,
    )


def append_silver(lake: Store, lake_table: LakeTable, release: date, log: Log) -> Appended:
    """The release's silver, from the lake, folded into the lake's table."""
    frame = pl.read_parquet(io.BytesIO(lake.get(layout.silver_observations(release))))
    return append_release(lake_table, release, frame, log)
