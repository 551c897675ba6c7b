"""The error BEA reports inside an HTTP 200 answer, as every part of the sandbox raises it."""

from __future__ import annotations


class ApiError(Exception):
    """An error BEA reports inside an HTTP 200 answer."""

    def __init__(self, code: str, description: str, detail: str | None = None, top_level: bool = False):
        super().__init__(description)
        self.code, self.description, self.detail, self.top_level = code, description, detail, top_level
