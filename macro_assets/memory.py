"""glibc's allocator, tuned for a process that parses answers on several threads."""

from __future__ import annotations

import ctypes
import os
import sys

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD, _M_ARENA_MAX = -1, -3, -8
_SETTINGS = (
    # Buffers up to 64 MB come from the heap instead of their own mmap...
    ("MALLOC_MMAP_THRESHOLD_", _M_MMAP_THRESHOLD, 64 << 20),
    # ...and up to 256 MB of freed heap is kept for the next answer instead of returned.
    ("MALLOC_TRIM_THRESHOLD_", _M_TRIM_THRESHOLD, 256 << 20),
    # Two arenas for the reader threads, not eight per core, each faulted in separately.
    ("MALLOC_ARENA_MAX", _M_ARENA_MAX, 2),
)
_tuned: bool | None = None


def tune_allocator() -> bool:
    """Keep freed memory for reuse, once per process; True if glibc took the settings.

    Untuned, every answer's buffers (2.6 MB of JSON, then its columns) go back to the kernel
    when freed and are faulted in again for the next one: at full NIPA scale silver took
    650,000 page faults, a fifth of its CPU time (ExecPlan 0007). Skipped off glibc, with
    ``MDI_MALLOC_TUNING=0``, and for any setting already given by its MALLOC_* variable."""
    global _tuned
    if _tuned is not None:
        return _tuned
    _tuned = False
    if not sys.platform.startswith("linux") or os.environ.get("MDI_MALLOC_TUNING", "1") == "0":
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    _tuned = all(mallopt(option, value) == 1 for env, option, value in _SETTINGS if env not in os.environ)
    return _tuned
