"""The error taxonomy the assets, the CLI and the runbook use by name.

Every message is one line that names the cause and never holds the API key.
"""

from __future__ import annotations


class BeaError(Exception):
    """Base of every failure talking to BEA. ``category`` is the runbook's name for it."""

    category = "bea"

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        self.code = code


class BeaAuthError(BeaError):
    """The API key is missing, malformed or unknown to BEA (permanent: fix the key)."""

    category = "auth"


class BeaBadRequestError(BeaError):
    """BEA refused the request: unknown dataset, table or parameter (permanent: fix the catalog)."""

    category = "bad_request"


class BeaThrottledError(BeaError):
    """BEA's per-key limits were exceeded; the key may be locked out."""

    category = "throttled"


class BeaUnavailableError(BeaError):
    """BEA could not be reached or answered with a server fault (transient: retry later)."""

    category = "unavailable"


class BeaSchemaError(BeaError):
    """The answer is not shaped as BEA's answers are: not JSON, no Data, a missing field."""

    category = "schema"
