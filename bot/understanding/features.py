"""py3langid's features found without its 39 MB automaton: a 1.2 MB sorted table.

py3langid walks a text's bytes through a byte automaton (``nextmove``, 104,583 states ×
256) and counts the feature each state it reaches outputs. ``derive`` checks, once, that
the automaton is an Aho-Corasick automaton (every transition that is not a trie edge
goes where the failure state's goes) and that each state outputs the longest feature
that is a suffix of its label (the bytes that lead to it). Then, at every byte of a
text, the state reached is the longest suffix that is a label, so the feature counted is
the longest feature ending there, and ``count`` finds exactly those by looking up the
text's last 1..6 bytes at every position in a sorted table of features (their bytes
packed into an integer with the length), in the same order, with the same counts: the
scores are identical (tests compare on the eval sets). If the check fails (another model
version), the automaton is used as before.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

LONGEST = 6  # bytes of a label, at most (the shipped model's are 6): they fit 48 bits
CHUNK = 1024  # states per block while deriving (bounds the temporary arrays)
_LETTERS = np.arange(256, dtype=np.int64)


def _tag(length: int) -> np.uint64:
    return np.uint64(length << 56)


def derive(nextmove: Sequence[int], rowbase: Sequence[int], output: Sequence[int],
           after_block: Callable[[], None] = lambda: None
           ) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """The features as (sorted keys, their ids), or ValueError when the automaton is not
    what ``count`` assumes. ``after_block`` is called after each block of states (to
    drop the pages of a memory-mapped automaton read so far)."""
    moves = np.asarray(nextmove)
    base = np.asarray(rowbase).astype(np.int64)
    out = np.asarray(output).astype(np.int64)
    depth = np.full(len(out), -1, np.int64)
    key = np.zeros(len(out), np.uint64)  # the label's bytes, big-endian
    fail = np.zeros(len(out), np.int64)
    depth[0], level, frontier = 0, 0, np.zeros(1, np.int64)
    while frontier.size:
        found = []
        for i in range(0, frontier.size, CHUNK):
            found.append(_children(moves, base, depth, fail, frontier[i:i + CHUNK], level))
            after_block()
        for kids, parents, letters in found:
            key[kids] = (key[parents] << np.uint64(8)) | letters.astype(np.uint64)
            fail[kids] = 0 if level == 0 else moves[base[fail[parents]] + letters]
        frontier = np.concatenate([kids for kids, _, _ in found])
        level += 1
    if (depth < 0).any() or level - 1 > LONGEST:
        raise ValueError("unreachable states or labels too long")
    return _features(key | (depth.astype(np.uint64) << np.uint64(56)), depth, out)


def _children(moves: np.ndarray[Any, Any], base: np.ndarray[Any, Any],
              depth: np.ndarray[Any, Any], fail: np.ndarray[Any, Any],
              states: np.ndarray[Any, Any], level: int
              ) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """The trie children of ``states`` (depth ``level``), marked one level deeper; every
    other transition must equal the failure state's (the root's: back to the root)."""
    rows = moves[base[states][:, None] + _LETTERS[None, :]].astype(np.int64)
    fresh = depth[rows] == -1
    parent, letter = np.nonzero(fresh)
    kids = rows[parent, letter]
    if np.unique(kids).size != kids.size:
        raise ValueError("a state with two parents")
    depth[kids] = level + 1
    expect = (np.zeros_like(rows) if level == 0
              else moves[base[fail[states]][:, None] + _LETTERS[None, :]])
    if (rows[~fresh] != expect[~fresh]).any():
        raise ValueError(f"not an Aho-Corasick automaton at depth {level}")
    return kids, states[parent], letter


def _features(tagged: np.ndarray[Any, Any], depth: np.ndarray[Any, Any],
              out: np.ndarray[Any, Any]) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Each feature's bytes (the shortest label that outputs it); then a check that every
    state outputs the longest feature ending its label."""
    emits = np.nonzero(out >= 0)[0]
    order = emits[np.lexsort((depth[emits], out[emits]))]
    ids, first = np.unique(out[order], return_index=True)
    keys = tagged[order[first]]
    sort = np.argsort(keys)
    keys, ids = keys[sort], ids[sort].astype(np.int32)
    best = np.full(len(out), -1, np.int64)
    for length in range(1, int(depth.max()) + 1):
        wanted = (tagged & np.uint64((1 << (8 * length)) - 1)) | _tag(length)
        hit, at = _lookup(keys, wanted)
        hit &= depth >= length
        best[hit] = ids[at[hit]]
    if not np.array_equal(best, out):
        raise ValueError("a state's output is not its longest feature")
    return keys, ids


def _lookup(keys: np.ndarray[Any, Any], wanted: np.ndarray[Any, Any]
            ) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    at = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
    return keys[at] == wanted, at


_SHIFTS = np.arange(LONGEST, dtype=np.uint64) * np.uint64(8)
_TAGS = np.arange(1, LONGEST + 1, dtype=np.uint64) << np.uint64(56)
# row i of a text's window: its byte at i, the one before, … (LONGEST of them, counting
# LONGEST - 1 zeros of padding before the text), for texts of up to _WINDOWED bytes
_WINDOWED = 4096
_WINDOW = (np.arange(_WINDOWED)[:, None] + np.arange(LONGEST - 1, -1, -1)[None, :])
# the first rows' keys reach into the padding from some length on: not looked up
_INSIDE = np.arange(LONGEST)[None, :] <= np.arange(LONGEST - 1)[:, None]


def count(keys: np.ndarray[Any, Any], ids: np.ndarray[Any, Any], text: bytes
          ) -> Counter[int] | None:
    """The features of ``text`` and how often each occurs, in the order of their first
    occurrence (as py3langid's walk counts them), or None when there are none."""
    size = len(text)
    if not size:
        return None
    padded = np.zeros(LONGEST - 1 + size, np.uint64)
    padded[LONGEST - 1:] = np.frombuffer(text, np.uint8)
    window = (_WINDOW[:size] if size <= _WINDOWED
              else np.arange(size)[:, None] + _WINDOW[0][None, :])
    # wanted[i, j]: the key of the j + 1 bytes ending at position i
    wanted = np.bitwise_or.accumulate(padded[window] << _SHIFTS, axis=1)
    wanted |= _TAGS
    at = np.searchsorted(keys, wanted)
    np.minimum(at, len(keys) - 1, out=at)
    hit = keys[at] == wanted
    hit[:LONGEST - 1] &= _INSIDE[:size]
    rows = np.flatnonzero(hit.any(axis=1))
    if not rows.size:
        return None
    longest = LONGEST - 1 - np.argmax(hit[rows, ::-1], axis=1)
    return Counter(ids[at[rows, longest]].tolist())
