"""Phone-style messages in Arabic, Persian, Turkish and French (issue 10): the reply
language of short and romanised messages, ties between everyday words, the Turkish
"acil" (urgent) that is not an emergency on its own, and short questions reaching
their topic first on the shipped knowledge base."""

from __future__ import annotations

import pytest

from bot.conversation.snapshot import Snapshot
from bot.understanding.emergency import is_emergency
from bot.understanding.language import DETECT_CONFIDENT, detect
from tests.unit.test_phone_messages import first_offered


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("salam wein el jobcenter", "ar"),  # "salam" is Finglish; "wein el" Arabizi
        ("dawra almani bbalash", "ar"),
        ("kam si3r el tazkara", "ar"),
        ("belit tram gheymat", "fa"),
        ("farda chetore", "fa"),
        ("doktor irani dar jena", "fa"),
        ("muze bileti ne kadar", "tr"),
        ("tmm sagol", "tr"),
        ("mal au ventre depuis ce matin", "fr"),
        ("cours du soir pour etrangers", "fr"),
        ("ممنون", "fa"),
        ("دنبال خونه میگردم", "fa"),
        ("انت مين", "ar"),
        ("شلون اسجل", "ar"),
    ],
)
def test_short_phone_messages_are_recognised(text: str, lang: str) -> None:
    found = detect(text)
    assert (found.lang, found.confidence >= DETECT_CONFIDENT) == (lang, True), found


@pytest.mark.parametrize(
    ("text", "lang"),
    [("job etudiant iena", "fr"), ("student job jena", "en")],
)
def test_a_tie_of_everyday_words_is_settled_between_the_tied_languages(
        text: str, lang: str) -> None:
    # one English word ("job") and one French ("etudiant"): German must not win on the
    # statistics of all four Latin-script languages, which favour the German-looking name
    found = detect(text)
    assert found.lang == lang and found.confidence >= DETECT_CONFIDENT, found


def test_the_arabizi_article_counts_only_next_to_arabizi() -> None:
    # "el" is Arabizi in "wein el ..." but the Spanish article in "cuesta el billete"
    assert detect("salam wein el jobcenter").lang == "ar"
    assert detect("salam").lang == "fa"  # Finglish greets first; Arabic needs its own words
    assert detect("cuesta el billete").lang != "ar"


@pytest.mark.parametrize(
    "text",
    ["acil paraya ihtiyacim var", "oturumum bitiyor acil ne yapmaliyim", "cok acil cevap ver"],
)
def test_turkish_urgent_alone_is_not_an_emergency(text: str) -> None:
    assert not is_emergency(text)


@pytest.mark.parametrize(
    "text",
    ["acil durum var yardim edin", "acil servis nerede", "babam fenalasti acile gitmeliyiz",
     "kaza oldu"],
)
def test_turkish_emergencies_are_still_recognised(text: str) -> None:
    assert is_emergency(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("wein la2i shoghl", "jobs"),
        ("tazkaret el tram addesh", "public-transport"),
        ("اقامتي خلصت وين روح", "foreigners-office"),
        ("kar peyda nemishe komak", "jobs"),
        ("eghamatam dare tamum mishe", "foreigners-office"),
        ("یه خونه ارزون میخوام", "housing"),
        ("oturumum bitiyor acil ne yapmaliyim", "foreigners-office"),
        ("almanca bilmiyorum is var mi", "jobs"),
        ("comment aller de la gare au centre ville", "public-transport"),
        ("cherche un appart pas cher a iena", "housing"),
    ],
)
def test_short_questions_reach_their_topic_first(snap: Snapshot, text: str,
                                                 expected: str) -> None:
    match = snap.index.match(text)
    assert first_offered(match) == expected, (text, match)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # symptoms go to the doctors (116117), not to a decline (issue 10)
        ("ابني عم يسعل بالليل", "doctors"),
        ("sardard shadid daram", "doctors"),
        ("bebeğim kusuyor ne yapmalıyım", "doctors"),
        ("mon fils tousse la nuit", "doctors"),
        # the Bürgerservice registers vehicles: in scope, not the "vehicles" kind
        ("كيف سجل سيارتي بيينا", "citizens-office"),
        ("ثبت ماشین در ینا", "citizens-office"),
        ("araç tescili nasıl yapılır", "citizens-office"),
        ("immatriculation voiture", "citizens-office"),
        # a flat's deposit is housing, not the student halls
        ("الكفالة للشقة قديش", "housing"),
        ("ودیعه خونه چقدره", "housing"),
        ("depozito ne kadar", "housing"),
        ("منسا کی بازه", "eating-out"),
        ("jobcentera nasıl başvururum", "jobs"),
        ("koja donbale kar begardam", "jobs"),
        ("kart eghamatam key amade mishe", "foreigners-office"),
    ],
)
def test_everyday_wording_reaches_its_topic_first(snap: Snapshot, text: str,
                                                  expected: str) -> None:
    match = snap.index.match(text)
    assert first_offered(match) == expected, (text, match)


def test_breathing_badly_is_an_emergency_in_french() -> None:
    assert is_emergency("mon fils respire mal")
    assert is_emergency("elle a du mal à respirer")
    assert not is_emergency("j'ai mal au dos")


@pytest.mark.parametrize(
    ("text", "kind"),
    [("eline sağlık, harikasın", "thanks"), ("eline sağlık kardeşim", "thanks"),
     ("bon ben j'y vais, ciao", "bye"), ("باشه پس، خداحافظ", "bye"),
     ("ممنون عزیزم", "thanks"), ("karşımdaki gerçek biri mi?", "about")],
)
def test_small_talk_with_fillers_and_forms_of_address(snap: Snapshot, text: str,
                                                      kind: str) -> None:
    match = snap.index.match(text)  # "sağlık" (health) must not answer health insurance
    assert (match.decision, match.kind) == ("smalltalk", kind), match
