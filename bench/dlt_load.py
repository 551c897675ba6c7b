"""dlt loading silver's rows into PostgreSQL with merge on the observation key — the peer in
bench/full_scale.py. Runs in its own virtualenv (bench/.venv-dlt); prints one JSON line.

    bench/.venv-dlt/bin/python bench/dlt_load.py --parquet FILE --dsn URL --mode records|arrow
"""

from __future__ import annotations

import argparse
import json
import time

import dlt
import pyarrow.parquet as pq

KEY = ["dataset", "table_name", "series_id", "time_period"]


def records(path: str):  # noqa: ANN201
    """The way a user feeds dlt JSON-like data: dicts, streamed in batches."""
    for batch in pq.ParquetFile(path).iter_batches(batch_size=50_000):
        yield from batch.to_pylist()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--parquet", required=True)
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--mode", choices=["records", "arrow"], required=True)
    args = parser.parse_args()

    pipeline = dlt.pipeline(
        pipeline_name=f"bench_{args.mode}",
        destination=dlt.destinations.postgres(credentials=args.dsn),
        dataset_name=f"dlt_{args.mode}",
    )
    started = time.monotonic()
    if args.mode == "records":
        info = pipeline.run(
            records(args.parquet), table_name="observations", write_disposition="merge", primary_key=KEY
        )
    else:
        # dlt's fastest documented path for PostgreSQL: Arrow in, CSV files loaded with COPY.
        table = pq.read_table(args.parquet)
        info = pipeline.run(
            table,
            table_name="observations",
            write_disposition="merge",
            primary_key=KEY,
            loader_file_format="csv",
        )
    elapsed = time.monotonic() - started
    info.raise_on_failed_jobs()
    print(json.dumps({"mode": args.mode, "seconds": round(elapsed, 2)}))


if __name__ == "__main__":
    main()
