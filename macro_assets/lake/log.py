"""What the core says as it works, without knowing who listens: Dagster's ``context.log`` in a
run, ``logging`` elsewhere; anything with ``info`` and ``warning`` will do."""

from __future__ import annotations

from typing import Protocol


class Log(Protocol):
    def info(self, msg: str) -> None: ...

    def warning(self, msg: str) -> None: ...
