"""Data-quality checks: pure functions over a layer's output, attached to the assets as
Dagster asset checks (blocking where bad data must not flow on)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Outcome:
    name: str
    passed: bool
    description: str
    metadata: dict[str, Any] = field(default_factory=dict)


def combine(outcomes: list[Outcome]) -> Outcome:
    """One outcome for a check run over several releases (a range backfill)."""
    failed = [o for o in outcomes if not o.passed]
    first = failed[0] if failed else outcomes[0]
    return Outcome(first.name, not failed, first.description, first.metadata)
