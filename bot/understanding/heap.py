"""Keep the process's memory close to what it uses (glibc only; elsewhere a no-op).

Building an index and loading the language model allocate large temporary arrays. glibc
keeps freed heap memory for reuse, so tens of megabytes would stay resident after a build;
``trim`` hands them back. (A fixed mmap threshold would avoid them in the first place, but
mapping every large block cost the build about a third more time in page faults.)
"""

from __future__ import annotations

import ctypes


def trim() -> None:
    """Hand freed heap memory back to the operating system."""
    try:
        libc = ctypes.CDLL(None)
    except OSError:
        return
    if hasattr(libc, "malloc_trim"):
        libc.malloc_trim(0)
