"""Russian, Ukrainian, Arabic and Persian typed in Latin letters, learnt from the knowledge
base's ways of asking: the message is the language of its own words ("kak doehat ot
vokzala do centra" is Russian, not English), never of look-alike European words."""

from __future__ import annotations

import pytest

from bot.conversation.snapshot import Snapshot
from bot.understanding import romanised
from bot.understanding.language import DETECT_CONFIDENT, LATIN_VOTES, detect


def test_transliterates_the_ways_people_type_each_language() -> None:
    assert "raspisanie" in romanised.transliterate("расписание", "ru")
    assert {"pohoda"} == set(romanised.transliterate("погода", "uk"))  # Ukrainian г → h
    assert "pogoda" in romanised.transliterate("погода", "ru")
    assert {"chto", "4to"} <= set(romanised.transliterate("что", "ru"))
    assert romanised.transliterate("bank", "ru") == []  # not Cyrillic: nothing
    assert len(romanised.transliterate("щёщёщё", "ru")) == romanised.MAX_VARIANTS


def test_learnt_words_are_never_words_of_the_latin_script_languages(
        project_snapshot: Snapshot) -> None:
    index = project_snapshot.index
    learnt = index.romanised
    assert set(learnt) == set(romanised.LANGS)
    assert {"vokzala", "dokumenty"} <= learnt["ru"]
    every_latin = frozenset().union(*(LATIN_VOTES[lang] for lang in romanised.LATIN_LANGS))
    for lang, words in learnt.items():
        assert not words & every_latin, lang
        assert not words & index.ignore, lang  # German names say nothing
        assert all(len(w) >= romanised.MIN_LEN for w in words), lang
    # written alike in the German, English, French or Turkish ways of asking, or too short
    assert not {"termin", "student", "film"} & (learnt["ru"] | learnt["fa"])


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("kak doehat ot vokzala do centra", "ru"),
        ("bank schet kakie dokumenty", "ru"),
        ("pogoda na zavtra", "ru"),
        ("Welcome Day daneshjooha emsal kei hast?", "fa"),
        ("contrat électricité stadtwerke jena", "fr"),
        ("wo melde ich mich an", "de"),
        ("film önerisi", "tr"),
    ],
)
def test_romanised_messages_are_their_own_language(project_snapshot: Snapshot, text: str,
                                                   lang: str) -> None:
    index = project_snapshot.index
    found = detect(text, index.ignore, index.romanised)
    assert (found.lang, found.confidence >= DETECT_CONFIDENT) == (lang, True), found


def test_without_the_learnt_words_the_shipped_lists_still_decide() -> None:
    assert detect("ladno, poka").lang == "ru"
    assert detect("ladno, poka", romanised={}).lang == "ru"
