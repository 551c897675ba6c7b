"""The lake's table's failures, importable without pyiceberg (the CLI and the resources load them
at start; pyiceberg itself is imported only where the table is used)."""


class LakeConflict(RuntimeError):
    """A release already in the lake's table was appended again from different data."""


class LakeTableUnavailableError(RuntimeError):
    """The Iceberg catalog could not be reached."""
