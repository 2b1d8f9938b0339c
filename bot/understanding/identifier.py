"""py3langid's statistical model, loaded lean and in the background.

py3langid ships one model for 142 languages (an LZMA-compressed ``.npz``); its own loader
keeps every language's column (28 MB) and copies the 39 MB transition table once more
while converting it. This loader streams the arrays out of the archive, keeps only the
columns of the supported languages and builds the same ``LanguageIdentifier`` as
``set_languages`` would: identical scores, about half the memory, a lower peak.
Decompressing takes a good part of a second, so ``preload`` starts it in a thread (LZMA
releases the GIL) while the knowledge base is indexed. If the model file ever changes
layout, py3langid's own loader is used instead.
"""

from __future__ import annotations

import lzma
import shutil
import sys
import tempfile
import threading
import zipfile
from array import array
from typing import IO, Any

import numpy as np

from bot.understanding import diskcache, heap

BLOCK = 1 << 20
_TYPECODES = {("u", 2): "H", ("u", 4): "I", ("u", 8): "L", ("i", 4): "i", ("i", 8): "l"}
_lock = threading.Lock()
_loading: dict[tuple[str, ...], _Pending] = {}


class _Pending:
    """A model being loaded: the result or the error, once ``done`` is set."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: Any = None
        self.error: BaseException | None = None

    def fill(self, langs: tuple[str, ...]) -> None:
        try:
            self.value = load(langs)
        except BaseException as exc:  # handed to whoever waits for the result
            self.error = exc
        finally:
            self.done.set()

    def result(self) -> Any:
        self.done.wait()
        if self.error is not None:
            raise self.error
        return self.value


def identifier(langs: tuple[str, ...]) -> Any:
    """The identifier restricted to ``langs`` (loaded once; waits for a preload)."""
    return _start(langs, background=False).result()


def preload(langs: tuple[str, ...]) -> None:
    """Start loading the identifier in a background thread, if not loaded yet."""
    _start(langs, background=True)


def _start(langs: tuple[str, ...], background: bool) -> _Pending:
    with _lock:
        pending = _loading.get(langs)
        if pending is not None:
            return pending
        pending = _loading[langs] = _Pending()
    if background:
        threading.Thread(target=pending.fill, args=(langs,), daemon=True,
                         name="langid-load").start()
    else:
        pending.fill(langs)
    return pending


def load(langs: tuple[str, ...]) -> Any:
    """py3langid's LanguageIdentifier for ``langs``: from the disk cache when the shipped
    model is unchanged, else built from it (and cached)."""
    from py3langid import langid

    model = langid.MODEL_DIR / langid.MODEL_FILE
    stat = model.stat()
    key = diskcache.key_of([*langs, str(model), str(stat.st_size), str(stat.st_mtime_ns)])
    return diskcache.cached("langid-" + "-".join(langs), key,
                            lambda: _build(langid, langs), langid.LanguageIdentifier)


def _build(langid: Any, langs: tuple[str, ...]) -> Any:
    try:
        return _load_lean(langid, langs)
    except (KeyError, ValueError, zipfile.BadZipFile, lzma.LZMAError):
        return langid._load_identifier(norm_probs=True, langs=list(langs))
    finally:
        heap.trim()


def _load_lean(langid: Any, langs: tuple[str, ...]) -> Any:
    with tempfile.TemporaryFile(suffix=".npz") as tmp:
        with lzma.open(langid.MODEL_DIR / langid.MODEL_FILE) as src:
            shutil.copyfileobj(src, tmp, length=BLOCK)
        tmp.seek(0)
        with zipfile.ZipFile(tmp) as archive:
            classes = _read(archive, "classes").tolist()
            missing = set(langs) - set(classes)
            if missing:
                raise ValueError(f"Unknown language code(s): {missing}")
            keep = [i for i, c in enumerate(classes) if c in set(langs)]
            ptc = _columns(archive, "ptc", keep)
            pc = _read(archive, "pc")[keep]
            nextmove = _as_stdlib_array(archive, "nextmove")
            rows = _as_stdlib_array(archive, "nextmove_row")
            output = _as_stdlib_array(archive, "out_feat")
    return langid.LanguageIdentifier(ptc, pc, [classes[i] for i in keep], nextmove, output,
                                     norm_probs=True, tk_row=rows)


def _header(stream: IO[bytes]) -> tuple[tuple[int, ...], bool, np.dtype[Any]]:
    version = np.lib.format.read_magic(stream)
    if version == (1, 0):
        return np.lib.format.read_array_header_1_0(stream)
    return np.lib.format.read_array_header_2_0(stream)


def _read(archive: zipfile.ZipFile, name: str) -> np.ndarray[Any, Any]:
    with archive.open(f"{name}.npy") as stream:
        result: np.ndarray[Any, Any] = np.lib.format.read_array(stream, allow_pickle=False)
        return result


def _columns(archive: zipfile.ZipFile, name: str, keep: list[int]) -> np.ndarray[Any, Any]:
    """Only the ``keep`` columns of a 2-D array, read a block of rows at a time."""
    with archive.open(f"{name}.npy") as stream:
        shape, fortran, dtype = _header(stream)
        if fortran or len(shape) != 2:
            raise ValueError(f"{name}: unexpected layout")
        rows, cols = shape
        out = np.empty((rows, len(keep)), dtype=dtype)
        step = max(1, BLOCK // (cols * dtype.itemsize))
        for start in range(0, rows, step):
            n = min(step, rows - start)
            block = np.frombuffer(stream.read(n * cols * dtype.itemsize), dtype=dtype)
            out[start:start + n] = block.reshape(n, cols)[:, keep]
        return out


def _as_stdlib_array(archive: zipfile.ZipFile, name: str) -> array[int]:
    """A 1-D integer array as a stdlib ``array`` (what py3langid walks), allocated once and
    filled block by block: no numpy copy, no list of Python ints, no heap left in holes."""
    with archive.open(f"{name}.npy") as stream:
        shape, _, dtype = _header(stream)
        little = dtype.byteorder == "<" or (dtype.byteorder == "=" and sys.byteorder == "little")
        if dtype.kind not in "iu" or len(shape) != 1 or not little or sys.byteorder != "little":
            raise ValueError(f"{name}: unexpected layout")
        out = array(_TYPECODES[dtype.kind, dtype.itemsize], [0]) * shape[0]  # one block
        with memoryview(out) as view, view.cast("B") as target:
            done = 0
            while done < len(target):
                chunk = stream.read(min(BLOCK, len(target) - done))
                if not chunk:
                    raise ValueError(f"{name}: truncated")
                target[done:done + len(chunk)] = chunk
                done += len(chunk)
        return out
