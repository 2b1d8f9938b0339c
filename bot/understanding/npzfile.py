"""Reading py3langid's model archive (an LZMA-compressed ``.npz``) piece by piece: arrays
streamed out of it block by block, or only some columns of one, so that no second copy
of a large array is ever held (identifier.py)."""

from __future__ import annotations

import lzma
import shutil
import sys
import tempfile
import zipfile
from array import array
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import numpy as np

BLOCK = 1 << 20
_TYPECODES = {("u", 2): "H", ("u", 4): "I", ("u", 8): "L", ("i", 4): "i", ("i", 8): "l"}


class unpacked:  # noqa: N801 - used like a function: with unpacked(path) as archive
    """The model's archive, decompressed into a temporary file (streamed, in blocks)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._tmp: IO[bytes] | None = None
        self._archive: zipfile.ZipFile | None = None

    def __enter__(self) -> zipfile.ZipFile:
        self._tmp = tempfile.TemporaryFile(suffix=".npz")
        with lzma.open(self._path) as src:
            shutil.copyfileobj(src, self._tmp, length=BLOCK)
        self._tmp.seek(0)
        self._archive = zipfile.ZipFile(self._tmp)
        return self._archive

    def __exit__(self, *exc: object) -> None:
        if self._archive is not None:
            self._archive.close()
        if self._tmp is not None:
            self._tmp.close()


def chunks(stream: IO[bytes]) -> Iterator[bytes]:
    while chunk := stream.read(BLOCK):
        yield chunk


def header(stream: IO[bytes]) -> tuple[tuple[int, ...], bool, np.dtype[Any]]:
    version = np.lib.format.read_magic(stream)
    if version == (1, 0):
        return np.lib.format.read_array_header_1_0(stream)
    return np.lib.format.read_array_header_2_0(stream)


def read(archive: zipfile.ZipFile, name: str) -> np.ndarray[Any, Any]:
    with archive.open(f"{name}.npy") as stream:
        result: np.ndarray[Any, Any] = np.lib.format.read_array(stream, allow_pickle=False)
        return result


def columns(archive: zipfile.ZipFile, name: str, keep: list[int]) -> np.ndarray[Any, Any]:
    """Only the ``keep`` columns of a 2-D array, read a block of rows at a time."""
    with archive.open(f"{name}.npy") as stream:
        shape, fortran, dtype = header(stream)
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


def as_stdlib_array(archive: zipfile.ZipFile, name: str) -> array[int]:
    """A 1-D integer array as a stdlib ``array`` (what py3langid walks), allocated once and
    filled block by block: no numpy copy, no list of Python ints, no heap left in holes."""
    with archive.open(f"{name}.npy") as stream:
        shape, _, dtype = header(stream)
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
