"""Structured logs: one JSON object per line with the run, partition, asset and stage, for
CloudWatch Logs Insights (``fields run_id, partition, asset, message | filter level = "ERROR"``).

The production instance (infra/dagster/dagster.yaml, ``python_logs.dagster_handler_config``)
attaches a handler with this formatter to every run's log manager, whatever launched the run."""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime

from macro_assets.bea.envelope import REDACTED
from macro_assets.failures import step_label

# The layer each step is (by its asset's name under the source's prefix): what an operator
# filters on.
STAGES = {
    "bea_raw": "fetch",
    "bronze": "keep",
    "silver": "parse",
    "gold": "compute",
    "postgres_tables": "load",
    "iceberg_observations": "append",
}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        meta = getattr(record, "dagster_meta", None) or {}
        tags = meta.get("job_tags") or {}
        step = step_label(meta.get("step_key"))
        event = meta.get("dagster_event")
        doc = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "run_id": meta.get("run_id"),
            "job": meta.get("job_name"),
            "partition": tags.get("dagster/partition"),
            "asset": step,
            "stage": getattr(record, "stage", None) or STAGES.get((step or "").rsplit("/")[-1], step),
            "event": event.event_type_value if event is not None else None,
            "message": meta.get("orig_message", record.getMessage()),
        }
        if record.exc_info:
            doc["exception"] = self.formatException(record.exc_info)
        line = json.dumps({k: v for k, v in doc.items() if v is not None}, default=str)
        key = os.environ.get("BEA_API_KEY")
        # The client never logs the key; this is the belt to its braces.
        return line.replace(key, REDACTED) if key else line
