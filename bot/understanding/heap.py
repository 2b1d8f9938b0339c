"""Keep the process's memory close to what it uses (glibc only; elsewhere a no-op).

Building an index and loading the language model allocate large temporary arrays. glibc
serves a block of a size it has recently freed from its heap instead of mapping it, and
keeps freed heap memory for reuse, so tens of megabytes stay resident after a build;
``trim`` hands them back. (``map_large_blocks`` would avoid them in the first place, but
mapping every large block costs the build about a third more time in page faults.)
"""

from __future__ import annotations

import ctypes

_M_MMAP_THRESHOLD = -3  # mallopt parameter (malloc.h)
LARGE = 256 * 1024  # blocks from this size up are mapped, and unmapped when freed


def _libc() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL(None)
    except OSError:
        return None


def map_large_blocks() -> None:
    """Serve blocks of LARGE bytes and more from fresh mappings, returned on free."""
    libc = _libc()
    if libc is not None and hasattr(libc, "mallopt"):
        libc.mallopt(_M_MMAP_THRESHOLD, LARGE)


def trim() -> None:
    """Hand freed heap memory back to the operating system."""
    libc = _libc()
    if libc is not None and hasattr(libc, "malloc_trim"):
        libc.malloc_trim(0)
