"""py3langid's statistical model: loaded once, shared, lean, in the background.

py3langid ships one model for 142 languages (an LZMA-compressed ``.npz``): a byte automaton
that finds the features of a text (its transition table is 39 MB), and a table of the
features' weights per language (28 MB). Its own loader keeps all of it for every
identifier and copies the transition table once more while converting it. Here:

- the model is loaded once per process and shared by every identifier the bot uses (the
  eight supported languages, language.py; Latin-script languages it does not speak,
  foreign.py); each identifier keeps only its own languages' weight columns (1.6, 3 MB);
- with the disk cache on (diskcache.py), the model is unpacked once into one file of raw
  arrays that later starts memory-map (no LZMA to decompress, nothing copied), and the
  automaton is replaced by a 1.2 MB table of its features, derived and checked once
  (features.py): the automaton's pages are never read again, so they never become
  resident;
- with the cache off, the arrays are unpacked into memory (still once, shared), the same
  feature table is derived from them (0.4 s) and the automaton is dropped (39 MB less
  resident); it is kept and walked as py3langid does only when the table cannot be
  derived.

Scores are those of py3langid's own loader with ``set_languages`` (tests compare).
Decompressing takes a good part of a second, so ``preload`` starts it in a thread (LZMA
releases the GIL) while the knowledge base is indexed. If the model file ever changes
layout, py3langid's own loader is used instead.
"""

from __future__ import annotations

import functools
import logging
import lzma
import threading
import zipfile
from array import array
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bot.understanding import diskcache, features, heap, npzfile

log = logging.getLogger(__name__)

BLOCK = npzfile.BLOCK
ARRAYS = ("ptc", "pc", "nextmove", "nextmove_row", "out_feat")
_lock = threading.Lock()
_loading: dict[tuple[str, ...], _Pending] = {}
_model_lock = threading.Lock()
_model: list[Model] = []  # the shared model, once loaded


class UnknownLanguageError(ValueError):
    """A language code py3langid does not know."""


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


class Model:
    """What every identifier shares: the automaton (sequences of ints, as py3langid walks
    them), the class names, their priors, and the weight columns of some classes."""

    def __init__(self, classes: list[str], pc: np.ndarray[Any, Any], walk: dict[str, Any],
                 columns: Callable[[list[int]], np.ndarray[Any, Any]]) -> None:
        self.classes = classes
        self.pc = pc
        self.nextmove: Sequence[int] = walk["nextmove"]
        self.rows: Sequence[int] = walk["nextmove_row"]
        self.output: Sequence[int] = walk["out_feat"]
        self.rowbase: Sequence[int] = walk["rowbase"]  # row offsets, as py3langid's __init__
        self._columns = columns
        self.ready: dict[tuple[int, ...], np.ndarray[Any, Any]] = {}  # taken while unpacked
        self.table: tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]] | None = None

    def weights(self, keep: list[int]) -> np.ndarray[Any, Any]:
        """The weight table's columns ``keep`` (a copy: features × len(keep))."""
        found = self.ready.pop(tuple(keep), None)
        return found if found is not None else self._columns(keep)


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
    """py3langid's LanguageIdentifier for ``langs``, on the shared model."""
    from py3langid import langid

    try:
        return _restricted(langid, shared(langs), langs)
    except UnknownLanguageError:
        raise
    except (KeyError, ValueError, AttributeError, zipfile.BadZipFile, lzma.LZMAError):
        return langid._load_identifier(norm_probs=True, langs=list(langs))
    finally:
        heap.trim()


def shared(langs: tuple[str, ...] = ()) -> Model:
    """The model of this process: from the disk cache when the shipped model is unchanged
    (stored there first if need be), else unpacked into memory (then with the weights of
    ``langs`` taken out on the way, which saves unpacking once more)."""
    from py3langid import langid

    with _model_lock:
        if not _model:
            path = Path(langid.MODEL_DIR / langid.MODEL_FILE)
            stat = path.stat()
            key = diskcache.key_of([str(path), str(stat.st_size), str(stat.st_mtime_ns)])
            stored = diskcache.mapped("langid-model", key, lambda out: _store(path, out))
            diskcache.discard("langid-*.pickle")  # older versions pickled each identifier
            _model.append(_mapped(stored, key) if stored is not None
                          else _in_memory(path, langs))
        return _model[0]


def _restricted(langid: Any, model: Model, langs: tuple[str, ...]) -> Any:
    keep = _keep(model.classes, langs)
    kind = langid.LanguageIdentifier if model.table is None else _by_table()
    found = kind(model.weights(keep), model.pc[keep], [model.classes[i] for i in keep],
                 model.nextmove, model.output, norm_probs=True, tk_row=())
    found.tk_row, found._rowbase = model.rows, model.rowbase  # shared, not rebuilt
    if model.table is not None:
        found.table = model.table
    return found


@functools.cache
def _by_table() -> type:
    """py3langid's identifier, finding a text's features in the feature table
    (features.py) instead of walking the automaton: same features, same scores."""
    from py3langid import langid

    class TableIdentifier(langid.LanguageIdentifier):
        __slots__ = ("table",)

        def _raw_score(self, text: bytes) -> Any:
            keys, ids = self.table
            visits = features.count(keys, ids, text)
            if visits:
                return self._sparse_score(visits, self.nb_ptc)
            return super()._raw_score(b"")  # py3langid's score of a featureless text

    return TableIdentifier


def _keep(classes: list[str], langs: tuple[str, ...]) -> list[int]:
    missing = set(langs) - set(classes)
    if missing:
        raise UnknownLanguageError(f"Unknown language code(s): {missing}")
    return [i for i, c in enumerate(classes) if c in set(langs)]


# -- the model in the disk cache: unpacked once, then memory-mapped -------------------------

def _store(path: Path, out: diskcache.ArrayWriter) -> dict[str, Any]:
    """Write the model's arrays (and the row offsets) raw; the class names as meta."""
    with npzfile.unpacked(path) as archive:
        classes = npzfile.read(archive, "classes").tolist()
        for name in ARRAYS:
            with archive.open(f"{name}.npy") as stream:
                shape, fortran, dtype = npzfile.header(stream)
                if fortran or not dtype.isnative:
                    raise ValueError(f"{name}: unexpected layout")
                out.add(name, dtype, shape, npzfile.chunks(stream))
        rows = npzfile.read(archive, "nextmove_row").astype(np.uint32)
        out.add("rowbase", rows.dtype, rows.shape, [(rows << 8).tobytes()])
    return {"classes": classes}


def _mapped(stored: diskcache.Mapped, key: str) -> Model:
    walk = {name: stored.view(name)
            for name in ("nextmove", "nextmove_row", "out_feat", "rowbase")}

    def columns(keep: list[int]) -> np.ndarray[Any, Any]:
        return _take(stored, "ptc", keep)

    model = Model(list(stored.meta["classes"]), np.array(stored.array("pc")), walk, columns)
    def drop() -> None:
        stored.release("nextmove")

    table = diskcache.mapped("langid-features", key, lambda out: _store_table(model, out, drop))
    if table is not None and table.meta.get("derived"):
        model.table = table.array("keys"), table.array("ids")
    for name in walk:  # not walked any more (or not yet): nothing of it stays resident
        stored.release(name)
    return model


def _store_table(model: Model, out: diskcache.ArrayWriter,
                 after_block: Callable[[], None]) -> dict[str, Any]:
    """The feature table derived from the automaton; or a note that it cannot be (a model
    of another kind), so that later starts do not try again."""
    try:
        keys, ids = features.derive(model.nextmove, model.rowbase, model.output, after_block)
    except ValueError as exc:
        log.warning("language model: keeping the automaton (%s)", exc)
        return {"derived": False}
    out.add("keys", keys.dtype, keys.shape, [keys.tobytes()])
    out.add("ids", ids.dtype, ids.shape, [ids.tobytes()])
    return {"derived": True}


def _take(stored: diskcache.Mapped, name: str, keep: list[int]) -> np.ndarray[Any, Any]:
    """Columns ``keep`` of a mapped 2-D array, a block of rows at a time; the pages read
    are dropped again block by block, so only the copy stays resident."""
    table = stored.array(name)
    out = np.empty((table.shape[0], len(keep)), dtype=table.dtype)
    step = max(1, BLOCK // (table.shape[1] * table.dtype.itemsize))
    for start in range(0, table.shape[0], step):
        out[start:start + step] = table[start:start + step, keep]
        stored.release(name, start + step)
    return out


# -- the model in memory (cache off or not writable) ----------------------------------------

def _in_memory(path: Path, langs: tuple[str, ...]) -> Model:
    with npzfile.unpacked(path) as archive:
        classes = npzfile.read(archive, "classes").tolist()
        keep = _keep(classes, langs)
        first = npzfile.columns(archive, "ptc", keep)
        pc = npzfile.read(archive, "pc")
        walk: dict[str, Any] = {name: npzfile.as_stdlib_array(archive, name)
                                for name in ("nextmove", "nextmove_row", "out_feat")}
    walk["rowbase"] = array("I", (row << 8 for row in walk["nextmove_row"]))

    def columns(keep: list[int]) -> np.ndarray[Any, Any]:  # unpacked again: rarely needed
        with npzfile.unpacked(path) as archive:
            return npzfile.columns(archive, "ptc", keep)

    model = Model(classes, pc, walk, columns)
    model.ready[tuple(keep)] = first
    _drop_automaton(model)
    return model


def _drop_automaton(model: Model) -> None:
    """The feature table in place of the unpacked automaton, as the disk cache has it: the
    same features and scores (features.py) without keeping 39 MB resident. The automaton
    stays when the table cannot be derived (a model of another kind)."""
    try:
        model.table = features.derive(model.nextmove, model.rowbase, model.output)
    except ValueError as exc:
        log.warning("language model: keeping the automaton (%s)", exc)
        return
    empty = array("i")  # never walked: a featureless text is scored without a walk
    model.nextmove = model.rows = model.output = model.rowbase = empty
    heap.trim()
