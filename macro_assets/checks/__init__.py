"""Data-quality checks: pure functions over a layer's output, attached to the assets as
Dagster asset checks (blocking where bad data must not flow on).

Each module lists its checks as ``CHECKS``: a ``Check`` holds the name and description the UI
shows and makes the outcomes, so a check's name is written once."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Outcome:
    name: str
    passed: bool
    description: str
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Check:
    """A check's name and what it verifies; ``run`` when it is one function of the data."""

    name: str
    description: str
    run: Callable[..., Outcome] | None = field(default=None, compare=False, repr=False)

    def outcome(self, passed: bool, description: str, metadata: dict[str, Any] | None = None) -> Outcome:
        return Outcome(self.name, passed, description, metadata or {})

    def nothing_to_check(self, reason: str, metadata: dict[str, Any] | None = None) -> Outcome:
        return nothing_to_check(self.name, reason, metadata)

    @classmethod
    def of(cls, fn: Callable[..., Outcome]) -> Check:
        """A check written as a function: its name and its docstring."""
        return cls(fn.__name__, inspect.getdoc(fn) or "", fn)


# Set on an outcome that found nothing to look at: it fails, so that a check never passes
# having checked nothing, and says why.
NOTHING_TO_CHECK = "nothing_to_check"
# Metadata that describes the data rather than counts it: kept from the first outcome.
_NOT_COUNTS = {"columns"}


def nothing_to_check(name: str, reason: str, metadata: dict[str, Any] | None = None) -> Outcome:
    """The outcome of a check that had nothing to look at: failed, with the reason."""
    return Outcome(name, False, f"nothing to check: {reason}", {**(metadata or {}), NOTHING_TO_CHECK: True})


def checked_nothing(outcome: Outcome) -> bool:
    return bool(outcome.metadata.get(NOTHING_TO_CHECK))


def combine(outcomes: list[Outcome]) -> Outcome:
    """One outcome from one check's outcomes over the parts of one release (its answers): passed
    if every part passed, counts summed, the failures' descriptions. Parts with nothing to check
    are left out, unless no part had anything to check. (The releases of a range are not
    combined: ``assets.results.check_results`` reports each under ``per_release``.)"""
    checked = [o for o in outcomes if not checked_nothing(o)]
    if not checked:
        return outcomes[0]
    outcomes = checked
    first = outcomes[0]
    failed = [o for o in outcomes if not o.passed]
    metadata: dict[str, Any] = {}
    for outcome in outcomes:
        for name, value in outcome.metadata.items():
            if isinstance(value, dict):
                merged = metadata.setdefault(name, {})
                for k, v in value.items():
                    merged[k] = merged.get(k, 0) + v
            elif isinstance(value, int) and not isinstance(value, bool) and name not in _NOT_COUNTS:
                metadata[name] = metadata.get(name, 0) + value
            else:
                metadata.setdefault(name, value)
    description = "; ".join(o.description for o in failed[:3]) if failed else first.description
    return Outcome(first.name, not failed, description, metadata)
