"""Silver's every vintage as an Apache Iceberg table, ``<namespace>.observations``, that DuckDB,
Athena, Trino and Spark read: the warehouse's rows (each value with ``published_in`` and
``replaced_in``), partitioned by dataset and table, folded release by release from silver.

The fold is the warehouse's own (``macro_assets.warehouse.fold.statements``), run by DuckDB on
one table at a time within a memory limit (``MDI_DUCKDB_MEMORY``; it spills to disk beyond it),
so a table of millions of rows never sits in Python's memory; each folded table is written as
one Parquet file and added to the table. One release is one Iceberg commit (a transaction: the changed tables'
partitions replaced, their files added, and the record of which releases each table holds, in
the table's properties), so a reader sees a release wholly or not at all; appending a release
again commits nothing, and a release whose data differ from what was appended before is
refused (``LakeConflict``), as the warehouse refuses it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from datetime import date
from functools import reduce
from operator import or_
from pathlib import Path

import duckdb
import polars as pl
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

from macro_assets.lake import layout
from macro_assets.lake.codecs import file_sha256
from macro_assets.lake.errors import LakeConflict, LakeTableUnavailableError
from macro_assets.lake.log import Log
from macro_assets.lake.silver import table_digests as silver_digests
from macro_assets.lake.stores import Store
from macro_assets.scratch import scratch_duckdb
from macro_assets.transform.digests import KIND, Digests
from macro_assets.warehouse.fold import neighbours, statements
from macro_assets.warehouse.targets import OBSERVATIONS, TableRef

__all__ = ["LakeConflict", "LakeTable", "LakeTableUnavailableError", "append_release", "append_silver"]

NAMESPACE = "bea"
NAME = "observations"
# Which releases each table holds, and a digest of its data at each: a table property per table,
# written in the same commit as the rows. Digests are ``macro_assets.transform.digests``'; those
# recorded before it (bare md5 of the rows, XORed) are still compared by computing them.
LOADED_PREFIX = "mdi.loaded."

_ICEBERG_TYPES = {
    "text": StringType,
    "jsonb": StringType,
    "integer": IntegerType,
    "bigint": LongType,
    "double precision": DoubleType,
    "date": DateType,
}
_DUCK_TYPES = {"text": "VARCHAR", "jsonb": "VARCHAR", "integer": "INTEGER", "bigint": "BIGINT"}
_DUCK_TYPES |= {"double precision": "DOUBLE", "date": "DATE"}


def warehouse_location(lake_location: str) -> str:
    """Where the table's files go: beside the lake's layers (``<lake>/iceberg``)."""
    if "://" in lake_location:
        return lake_location.rstrip("/") + "/iceberg"
    return (Path(lake_location).resolve() / "iceberg").as_uri()


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


def schema() -> Schema:
    """The warehouse's ``bea.observations`` columns, in its order, with Iceberg's types."""
    return Schema(
        *(
            NestedField(i, name, _ICEBERG_TYPES[sql](), required=False)
            for i, (name, sql) in enumerate(OBSERVATIONS.column_types(), start=1)
        )
    )


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


def _data_files(table: Table, refs: list[TableRef]) -> dict[TableRef, list[str]]:
    """Each table's current data files (Iceberg's paths)."""
    files: dict[TableRef, list[str]] = {ref: [] for ref in refs}
    if not refs:
        return files
    for task in table.scan(row_filter=_of_tables(refs)).plan_files():
        if task.delete_files:
            # Only this module writes the table, and only by replacing whole partitions.
            raise RuntimeError(f"{table.name()} has delete files; it was written by another tool")
        part = task.file.partition
        files.setdefault((part[0], part[1]), []).append(task.file.file_path)
    return files


def _duck_params(sql: str) -> str:
    # The fold's statements bind :name (SQLAlchemy); DuckDB binds $name.
    return re.sub(r"(?<![:\w]):(\w+)", r"$\1", sql)


class _Folder:
    """DuckDB, in a scratch folder, folding one table at a time with the warehouse's statements."""

    def __init__(self, con: duckdb.DuckDBPyConnection, scratch: Path, silver: Path) -> None:
        self.scratch = scratch
        self.con = con
        self.con.execute("CREATE SCHEMA IF NOT EXISTS bea")
        self.con.read_parquet(str(silver)).create_view("silver")
        self.columns = ", ".join(OBSERVATIONS.columns)

    def table_digests(self) -> dict[TableRef, str]:
        """Each table's digest (``macro_assets.transform.digests``), in one pass over silver."""
        found = Digests(OBSERVATIONS.columns)
        for batch in self.con.sql("SELECT * FROM silver").to_arrow_reader(250_000):
            found.add(pl.from_arrow(batch))  # type: ignore[arg-type]
        return {ref: d.digest for ref, d in found.result().items()}

    def legacy_digests(self) -> dict[TableRef, str]:
        """The digests recorded before ``macro_assets.transform.digests``: md5 of each row,
        XORed, in one pass over silver."""
        text = " || '|' || ".join(f"coalesce(CAST({c} AS VARCHAR), '\\N')" for c in OBSERVATIONS.columns)
        rows = self.con.execute(
            f"SELECT dataset, table_name, bit_xor(md5_number({text})) FROM silver GROUP BY ALL"  # noqa: S608
        ).fetchall()
        return {(d, t): f"{int(value):032x}" for d, t, value in rows}

    def fresh(self, refs: list[TableRef], release: date) -> list[tuple[TableRef, Path]]:
        """Tables new to the lake: their rows open from ``release`` on (what the fold would give),
        written in one pass, a file per table."""
        if not refs:
            return []
        self.con.execute("CREATE OR REPLACE TABLE fresh (dataset VARCHAR, table_name VARCHAR)")
        self.con.executemany("INSERT INTO fresh VALUES ($1, $2)", [list(r) for r in refs])
        out = self.scratch / "fresh"
        self.con.sql(
            f"SELECT {self.columns}, $r::DATE AS published_in, NULL::DATE AS replaced_in "  # noqa: S608
            "FROM silver JOIN fresh USING (dataset, table_name) ORDER BY series_id, time_period",
            params={"r": release},
        ).write_parquet(
            str(out), compression="zstd", partition_by=["dataset", "table_name"], write_partition_columns=True
        )
        files = []
        for path in sorted(out.rglob("*.parquet")):
            (((dataset, table_name),)) = self.con.execute(
                "SELECT DISTINCT dataset, table_name FROM read_parquet($p)", {"p": str(path)}
            ).fetchall()
            files.append(((dataset, table_name), path))
        return files

    def fold(self, ref: TableRef, release: date, nxt: date | None, local: list[str]) -> tuple[Path, int]:
        """The table's rows with ``release`` folded in, written to one sorted Parquet file; the
        file and its rows."""
        typed = ", ".join(f"{c} {_DUCK_TYPES[t]}" for c, t in OBSERVATIONS.column_types())
        self.con.execute(f"CREATE OR REPLACE TABLE {OBSERVATIONS.table} ({typed})")
        if local:
            self.con.execute(
                f"INSERT INTO {OBSERVATIONS.table} SELECT {self.columns}, published_in, replaced_in "  # noqa: S608
                "FROM read_parquet($files)",
                {"files": local},
            )
        self.con.execute(
            f"CREATE OR REPLACE TABLE {OBSERVATIONS.staging} AS SELECT {self.columns} FROM silver "  # noqa: S608
            "WHERE dataset = $d AND table_name = $t",
            {"d": ref[0], "t": ref[1]},
        )
        params = {"dataset": ref[0], "table_name": ref[1], "r": release, "n": nxt}
        sql = statements(OBSERVATIONS)
        for step in ("tails", "cut", "extend", "start"):
            if nxt is None and step in ("tails", "extend"):
                continue
            used = {k: v for k, v in params.items() if f":{k}" in sql[step]}
            self.con.execute(_duck_params(sql[step]), used)
        out = self.scratch / f"{uuid.uuid4()}.parquet"
        self.con.sql(
            f"SELECT * FROM {OBSERVATIONS.table} ORDER BY series_id, time_period, published_in"  # noqa: S608
        ).write_parquet(str(out), compression="zstd", row_group_size=122_880)
        (count,) = self.con.sql(f"SELECT count(*) FROM {OBSERVATIONS.table}").fetchall()[0]  # noqa: S608
        return out, count


def _local(table: Table, path: str, scratch: Path) -> str:
    """A data file where DuckDB can read it: the path itself when local, else a downloaded copy."""
    if path.startswith("file://"):
        return path.removeprefix("file://")
    if "://" not in path:
        return path
    copy = scratch / f"{uuid.uuid4()}.parquet"
    with table.io.new_input(path).open() as src, copy.open("wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
    return str(copy)


def _upload(table: Table, ref: TableRef, written: Path) -> str:
    """A folded table's file into the table's data folder; its Iceberg path."""
    path = f"{table.location()}/data/{NAME}-{ref[0]}-{uuid.uuid4()}.parquet"
    with written.open("rb") as src, table.io.new_output(path).create() as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
    return path


# Another writer's commit in between: pyiceberg retries a commit that merely raced, and refuses
# (ValidationException) one whose partitions that writer changed; both start the fold again
# from the table as it now is.
@retry(
    retry=retry_if_exception_type((CommitFailedException, ValidationException)),
    stop=stop_after_attempt(5),
    wait=wait_random_exponential(multiplier=0.2, max=5),
    reraise=True,
)
def append_release(
    lake_table: LakeTable, release: date, silver: Path, log: Log, recorded: dict[TableRef, str] | None = None
) -> Appended:
    """Fold one release's silver (the Parquet file ``silver``; ``recorded``: its tables' digests
    as silver's build recorded them) into the lake's table, in one commit. Another writer's
    commit in between makes this one start again."""
    table = lake_table.open()
    with scratch_duckdb("mdi-lake-fold-") as (con, scratch):
        folder = _Folder(con, scratch, silver)
        digests = recorded if recorded is not None else folder.table_digests()
        legacy: dict[TableRef, str] = {}

        def same(ref: TableRef, held: str) -> bool:
            if held.startswith(KIND):
                return held == digests[ref]
            if not legacy:
                legacy.update(folder.legacy_digests())
            return held == legacy[ref]

        properties: dict[str, str] = {}
        to_fold: list[TableRef] = []
        unchanged = 0
        held_by_table = {ref: loaded_releases(table, ref) for ref in digests}
        for ref in sorted(digests):
            loaded = held_by_table[ref]
            digest = digests[ref]
            if release in loaded:
                if not same(ref, loaded[release]):
                    raise LakeConflict(
                        f"release {release} of {ref[0]}/{ref[1]} is in the lake's table from different "
                        f"data; drop {lake_table.identifier} and append the releases again from silver"
                    )
                unchanged += 1
                continue
            prev, _ = neighbours(loaded, release)
            if prev is not None and same(ref, loaded[prev]):
                unchanged += 1  # R repeats P: every value already runs through R
            else:
                to_fold.append(ref)
            properties[_property(ref)] = json.dumps(
                {str(r): s for r, s in sorted({**loaded, release: digest}.items())}
            )
        new = [ref for ref in to_fold if not held_by_table[ref]]
        files = _data_files(table, [ref for ref in to_fold if ref not in new])
        added: list[str] = []
        written = 0
        for ref, out in folder.fresh(new, release):
            written += pq.read_metadata(out).num_rows
            added.append(_upload(table, ref, out))
        for ref in to_fold:
            if ref in new:
                continue
            _, nxt = neighbours(held_by_table[ref], release)
            local = [_local(table, f, scratch) for f in files[ref]]
            out, count = folder.fold(ref, release, nxt, local)
            written += count
            added.append(_upload(table, ref, out))
            out.unlink()
    if to_fold or properties:
        with table.transaction() as tx:
            replaced = [ref for ref in files if files[ref]]
            if replaced:
                tx.delete(_of_tables(replaced))
            if added:
                tx.add_files(added)
            if properties:
                tx.set_properties(properties)
        table = lake_table.load()
    snapshot = table.current_snapshot()
    log.info(
        f"Iceberg table {lake_table.identifier}: release {release}: {len(to_fold)} tables folded "
        f"({written} rows written), {unchanged} of {len(digests)} unchanged"
    )
    return Appended(
        tables=len(digests),
        folded_tables=len(to_fold),
        unchanged_tables=unchanged,
        rows_written=written,
        snapshot_id=snapshot.snapshot_id if snapshot else None,
        metadata_location=table.metadata_location,
    )


def append_silver(lake: Store, lake_table: LakeTable, release: date, log: Log) -> Appended:
    """The release's silver, from the lake, folded into the lake's table."""
    with tempfile.TemporaryDirectory(prefix="mdi-lake-silver-") as tmp:
        local = lake.local_path(layout.silver_observations(release), Path(tmp))
        recorded = silver_digests(lake, release, file_sha256(local))
        digests = None if recorded is None else {ref: found.digest for ref, found in recorded.items()}
        return append_release(lake_table, release, local, log, digests)
