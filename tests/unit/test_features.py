"""The feature table finds exactly the features py3langid's automaton walks to."""

from __future__ import annotations

import json
import random
import unicodedata
from array import array
from pathlib import Path

import pytest
from py3langid.langid import visit_counts

from bot.understanding import diskcache, features, identifier

ROOT = Path(__file__).resolve().parents[2]


def automaton(words: list[bytes]) -> tuple[array[int], array[int], array[int]]:
    """An Aho-Corasick automaton as py3langid stores one (each state outputs the longest
    word ending its label), built the textbook way."""
    labels, children = [b""], [dict[int, int]()]
    for word in words:
        state = 0
        for letter in word:
            if letter not in children[state]:
                labels.append(labels[state] + bytes([letter]))
                children.append({})
                children[state][letter] = len(labels) - 1
            state = children[state][letter]
    moves = array("I", [0]) * (256 * len(labels))
    order = sorted(range(len(labels)), key=lambda s: len(labels[s]))
    fail = [0] * len(labels)
    for state in order:
        for letter in range(256):
            child = children[state].get(letter)
            if child is not None:
                moves[256 * state + letter] = child
                fail[child] = 0 if state == 0 else moves[256 * fail[state] + letter]
            elif state:
                moves[256 * state + letter] = moves[256 * fail[state] + letter]
    ids = {w: n for n, w in enumerate(words)}
    out = array("i", [max(((len(w), ids[w]) for w in words if label.endswith(w)),
                          default=(0, -1))[1] for label in labels])
    return moves, array("I", [256 * s for s in range(len(labels))]), out


WORDS = [b"a", b"ab", b"bab", b"c", b"abca", b"\0x", b"\xd0\xb0"]


def test_a_small_automaton_gives_the_walks_features() -> None:
    moves, base, out = automaton(WORDS)
    keys, ids = features.derive(moves, base, out)
    assert len(keys) == len(WORDS)
    rng = random.Random(7)
    texts = [b"", b"a", b"abcabab", b"\0x\0x", "а".encode(), b"zzz", b"babcab" * 50,
             b"abca" * 1100]  # longer than the precomputed windows
    texts += [bytes(rng.choice(b"abcx\0\xd0\xb0") for _ in range(rng.randrange(1, 30)))
              for _ in range(300)]
    for text in texts:
        walked = visit_counts(moves, base, out, text)
        found = features.count(keys, ids, text)
        assert found == walked and list((found or {}).items()) == list((walked or {}).items())


@pytest.mark.parametrize("spoil", ["transition", "output", "unreachable"])
def test_an_automaton_of_another_kind_is_refused(spoil: str) -> None:
    moves, base, out = automaton(WORDS)
    if spoil == "transition":  # "bab" read, then "c": must go where "ab" + "c" goes
        bab = next(s for s in range(len(out)) if out[s] == WORDS.index(b"bab"))
        moves[256 * bab + ord("c")] = 0
    elif spoil == "output":
        out[-1] = 0
    else:
        base.append(0)
        out.append(-1)
    with pytest.raises(ValueError):
        features.derive(moves, base, out)


def test_the_shipped_model_gives_the_walks_features(monkeypatch: pytest.MonkeyPatch) -> None:
    assert diskcache.directory() is not None  # the session's cache (tests/conftest.py)
    monkeypatch.setattr(identifier, "_model", [])
    model = identifier.shared()
    assert model.table is not None
    keys, ids = model.table
    rng = random.Random(3)
    lines = (ROOT / "eval" / "dev.jsonl").read_text("utf-8").splitlines()
    texts = [unicodedata.normalize("NFC", json.loads(line)["text"]).encode()
             for line in lines[:400]]
    texts += [bytes(rng.randrange(256) for _ in range(rng.randrange(60))) for _ in range(400)]
    texts += [b"", b"\0", "ü".encode() * 700, b"wo ist das amt " * 400]
    for text in texts:
        walked = visit_counts(model.nextmove, model.rowbase, model.output, text)
        found = features.count(keys, ids, text)
        assert found == walked and list((found or {}).items()) == list((walked or {}).items())
