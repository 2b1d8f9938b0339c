"""Built models kept on disk, so that a start-up (every command, restart, reload, test)
skips rebuilding what has not changed: the matching index and the language model.

Each item is stored under a key: a SHA-256 over everything it is built from (for the
index: the knowledge texts it reads, and the code and data files of
``bot/understanding``). A different key builds and stores anew; reading or writing that
fails for any reason (no permission, a full disk, a damaged or foreign file) builds as
if there were no cache — the cache never stops the bot, never serves stale data.

Where: ``$WELCOME_BOT_CACHE_DIR``, else ``$XDG_CACHE_HOME/jena-welcome-bot``, else
``~/.cache/jena-welcome-bot``; ``WELCOME_BOT_CACHE_DIR=off`` turns it off. The files are
pickles, read only from that folder (as trusted as the installed code itself); each
holds a format tag and its key, and old files of the same name are replaced.

Large arrays (the language model) are stored raw instead, one file per item, and
memory-mapped read-only (``mapped``): no copy is made when reading, only the pages a
process touches become resident, and processes mapping the same file share them. A file
is only ever replaced (written beside, then renamed), never changed in place, so a
mapping stays valid; deleting the folder is safe too, but a file truncated in place
while a bot maps it would stop that bot (SIGBUS) — clear the cache by deleting.
"""

from __future__ import annotations

import copyreg
import hashlib
import json
import logging
import mmap
import os
import pickle
import sys
import tempfile
from array import array
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path
from typing import IO, Any, TypeVar

import numpy as np

from bot.understanding import heap

log = logging.getLogger(__name__)

ENV = "WELCOME_BOT_CACHE_DIR"
FORMAT = "jena-welcome-bot/1"
T = TypeVar("T")


def directory() -> Path | None:
    """The cache folder, or None when the cache is switched off."""
    chosen = os.environ.get(ENV, "").strip()
    if chosen.lower() == "off":
        return None
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME", "").strip() or str(Path.home() / ".cache")
    return Path(base) / "jena-welcome-bot"


@lru_cache(maxsize=1)
def code_version() -> str:
    """A digest of the code and data files that shape the built models."""
    digest = hashlib.sha256(f"{FORMAT}|{sys.version_info[:2]}".encode())
    here = Path(__file__).resolve().parent
    for path in sorted([*here.glob("*.py"), *here.glob("*.json")]):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def key_of(parts: Iterable[str]) -> str:
    """A key over ``parts`` (in order) and the code version."""
    digest = hashlib.sha256(code_version().encode())
    for part in parts:
        digest.update(len(part).to_bytes(8, "little"))
        digest.update(part.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def cached(name: str, key: str | Callable[[], str], build: Callable[[], T], kind: type[T]) -> T:
    """The item ``name`` stored under ``key``, else ``build()`` (stored for next time).
    ``key`` may be a function that computes it: then only when the cache is on (hashing a
    large knowledge base takes a while)."""
    folder = directory()
    if folder is None:
        return build()
    if callable(key):
        key = key()
    path = folder / f"{name}.pickle"
    found = _read(path, key, kind)
    if found is not None:
        return found
    value = build()
    _write(folder, path, key, value)
    heap.trim()  # the pickler's memo and buffers are garbage now
    return value


def _read(path: Path, key: str, kind: type[T]) -> T | None:
    try:
        with path.open("rb") as fh:
            tag, stored_key, value = pickle.load(fh)  # noqa: S301 - our own cache folder
    except FileNotFoundError:
        return None
    except Exception as exc:  # damaged, foreign or from an incompatible library version
        log.info("cache %s not used (%s); building", path.name, type(exc).__name__)
        return None
    if tag != FORMAT or stored_key != key or not isinstance(value, kind):
        return None
    return value


def _write(folder: Path, path: Path, key: str, value: object) -> None:
    temporary: Path | None = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=path.stem, suffix=".tmp",
                                         delete=False) as fh:
            temporary = Path(fh.name)
            pickler = pickle.Pickler(fh, protocol=5)
            pickler.dispatch_table = {**copyreg.dispatch_table, array: _reduce_array}
            pickler.dump((FORMAT, key, value))
        temporary.replace(path)  # atomic: a reader sees the old file or the new one
    except Exception as exc:  # read-only home, full disk, an unpicklable value …
        log.info("cache %s not written (%s)", path.name, type(exc).__name__)
        if temporary is not None:
            temporary.unlink(missing_ok=True)


def _reduce_array(items: array[int]) -> tuple[Callable[..., array[int]], tuple[object, ...]]:
    """Pickle a stdlib array straight from its memory: the default reduction copies it
    into a bytes object first (39 MB more at the peak for the language model)."""
    return _restore_array, (items.typecode, pickle.PickleBuffer(items))


def _restore_array(typecode: str, data: bytes) -> array[int]:
    restored = array(typecode)
    restored.frombytes(data)
    return restored


# Raw arrays (``mapped``): a fixed-size header (magic, then JSON: format, key, meta and
# each array's dtype, shape and offset), then the arrays, each at a page boundary.
MAGIC = b"JWB-ARRAYS-1\n"
HEADER = 1 << 16
PAGE = mmap.ALLOCATIONGRANULARITY


class ArrayWriter:
    """Appends arrays to a cache file being written (see ``mapped``)."""

    def __init__(self, fh: IO[bytes]) -> None:
        self._fh = fh
        self.layout: dict[str, dict[str, Any]] = {}
        fh.write(b"\0" * HEADER)

    def add(self, name: str, dtype: np.dtype[Any], shape: tuple[int, ...],
            chunks: Iterable[bytes]) -> None:
        """Write the array ``name`` from ``chunks`` (its bytes in C order, in pieces)."""
        offset = self._fh.tell()
        offset += -offset % PAGE
        self._fh.seek(offset)
        size = 0
        for chunk in chunks:
            self._fh.write(chunk)
            size += len(chunk)
        if size != dtype.itemsize * int(np.prod(shape, dtype=np.int64)):
            raise ValueError(f"{name}: {size} bytes for shape {shape} of {dtype}")
        self.layout[name] = {"dtype": dtype.str, "shape": list(shape), "offset": offset}


class Mapped:
    """Named arrays of one cache file, memory-mapped read-only; ``meta`` as stored."""

    def __init__(self, buffer: mmap.mmap, meta: dict[str, Any],
                 layout: dict[str, dict[str, Any]]) -> None:
        self._buffer = buffer
        self.meta = meta
        self._arrays: dict[str, np.ndarray[Any, Any]] = {}
        self._spans: dict[str, tuple[int, int]] = {}
        for name, spec in layout.items():
            dtype, shape = np.dtype(spec["dtype"]), tuple(int(n) for n in spec["shape"])
            count, offset = int(np.prod(shape, dtype=np.int64)), int(spec["offset"])
            if offset % PAGE or offset < HEADER or offset + count * dtype.itemsize > len(buffer):
                raise ValueError(f"{name}: outside the file")
            self._arrays[name] = np.frombuffer(buffer, dtype, count, offset).reshape(shape)
            self._spans[name] = offset, count * dtype.itemsize

    def array(self, name: str) -> np.ndarray[Any, Any]:
        """The array ``name`` (read-only, backed by the file: nothing is copied)."""
        return self._arrays[name]

    def view(self, name: str) -> memoryview:
        """The 1-D integer array ``name`` as a memoryview: indexing it gives Python ints
        (faster than indexing a numpy array one item at a time)."""
        found = self._arrays[name]
        if found.ndim != 1 or found.dtype.kind not in "iu" or not found.dtype.isnative:
            raise ValueError(f"{name}: not a 1-D array of native integers")
        start, size = self._spans[name]
        return memoryview(self._buffer)[start:start + size].cast(found.dtype.char)

    def release(self, name: str, rows: int | None = None) -> None:
        """Drop this process's resident pages of ``name`` (of its first ``rows`` rows, or
        all of it), e.g. after copying a part: they are read again from the page cache
        if touched again."""
        start, size = self._spans[name]
        shape = self._arrays[name].shape
        if rows is not None and shape:
            size = min(size, size // max(1, shape[0]) * rows) // PAGE * PAGE
        size = min(size + -size % PAGE, len(self._buffer) - start)
        if size > 0 and hasattr(mmap, "MADV_DONTNEED"):
            self._buffer.madvise(mmap.MADV_DONTNEED, start, size)


def discard(pattern: str) -> None:
    """Remove the cache files matching ``pattern`` (those an older version wrote)."""
    folder = directory()
    if folder is None:
        return
    try:
        for stale in folder.glob(pattern):
            stale.unlink(missing_ok=True)
    except OSError:
        pass


def mapped(name: str, key: str, fill: Callable[[ArrayWriter], dict[str, Any]]) -> Mapped | None:
    """The arrays stored as ``name`` under ``key``, memory-mapped. When missing, stale or
    damaged, ``fill(writer)`` writes them anew (returning the meta data to keep) and the
    new file is mapped. None when the cache is off or its folder cannot be written:
    the caller then builds in memory. Errors raised by ``fill`` itself are passed on."""
    folder = directory()
    if folder is None:
        return None
    path = folder / f"{name}.arrays"
    found = _map(path, key)
    if found is not None:
        return found
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _write_arrays(folder, path, key, fill)
    except OSError as exc:  # read-only home, full disk …
        log.info("cache %s not written (%s)", path.name, type(exc).__name__)
        return None
    finally:
        heap.trim()
    return _map(path, key)


def _write_arrays(folder: Path, path: Path, key: str,
                  fill: Callable[[ArrayWriter], dict[str, Any]]) -> None:
    with tempfile.NamedTemporaryFile(dir=folder, prefix=path.stem, suffix=".tmp",
                                     delete=False) as fh:
        temporary = Path(fh.name)
        try:
            writer = ArrayWriter(fh)
            meta = fill(writer)
            header = json.dumps({"format": FORMAT, "key": key, "meta": meta,
                                 "arrays": writer.layout}).encode()
            if len(MAGIC) + len(header) > HEADER:
                raise ValueError("header too large")
            fh.seek(0)
            fh.write(MAGIC + header)
        except BaseException:
            fh.close()
            temporary.unlink(missing_ok=True)
            raise
    temporary.replace(path)  # atomic: a reader sees the old file or the new one


def _map(path: Path, key: str) -> Mapped | None:
    try:
        with path.open("rb") as fh:
            buffer = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:  # unreadable, or empty (nothing to map)
        log.info("cache %s not used (%s); building", path.name, type(exc).__name__)
        return None
    try:
        head = bytes(buffer[:HEADER])
        if not head.startswith(MAGIC):
            raise ValueError("not an arrays file")
        stored = json.loads(head[len(MAGIC):].rstrip(b"\0"))
        if stored["format"] != FORMAT or stored["key"] != key:
            buffer.close()
            return None
        return Mapped(buffer, dict(stored["meta"]), dict(stored["arrays"]))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:  # damaged or foreign
        log.info("cache %s not used (%s); building", path.name, type(exc).__name__)
        return None
