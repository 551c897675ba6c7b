"""A failed run as an operator reads it: which asset's step failed, and the exception that
failed it rather than the Dagster errors wrapped around it. One reading for the demo's CLI,
the alerts and the tests."""

from __future__ import annotations

from collections.abc import Iterable

import dagster as dg

# Dagster wraps the asset's exception (and a retry's); the cause is what the operator needs.
WRAPPERS = ("DagsterExecutionStepExecutionError", "RetryRequested")


def root_cause(error: dg.SerializableErrorInfo | None) -> dg.SerializableErrorInfo | None:
    while error is not None and error.cls_name in WRAPPERS and error.cause is not None:
        error = error.cause
    return error


def step_label(step_key: str | None) -> str | None:
    """A step as its asset key reads: ``bea__silver`` → ``bea/silver``."""
    return step_key.replace("__", "/") if step_key else step_key


def first_step_failure(
    events: Iterable[dg.DagsterEvent | None],
) -> tuple[str | None, dg.SerializableErrorInfo | None]:
    """The first failed step (as ``step_label``) and its root cause; (None, None) if none failed."""
    for event in events:
        if event is not None and event.is_step_failure and event.step_failure_data.error:
            return step_label(event.step_key), root_cause(event.step_failure_data.error)
    return None, None
