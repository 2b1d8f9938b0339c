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
"""

from __future__ import annotations

import copyreg
import hashlib
import logging
import os
import pickle
import sys
import tempfile
from array import array
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

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


def cached(name: str, key: str, build: Callable[[], T], kind: type[T]) -> T:
    """The item ``name`` stored under ``key``, else ``build()`` (stored for next time)."""
    folder = directory()
    if folder is None:
        return build()
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
