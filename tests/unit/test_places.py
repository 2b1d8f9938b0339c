"""Messages about another place than Jena (bot.understanding.places, policy rule 3)."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from bot.understanding.places import PLACES_FILE, elsewhere, read_places
from bot.understanding.policy import Calibration, Candidate, Thresholds, decide, evidence
from bot.understanding.text import normalize


@pytest.mark.parametrize(
    "text",
    [
        "Bürgeramt Berlin termin",
        "register address in berlin",
        "бюргерамт берлин запись",
        "реєстрація в лейпцигу",
        "وقت بورگرامت برلین",
        "Ausländerbehörde Halle öffnungszeiten",
        "rdv burgeramt munich",
        "münchen kvr termin",
        "münih ausländerbehörde randevu",
        "Köln'de ev kirası ne kadar",
        "شقة ببرلين كم أجارها",  # bi-Berlin: the proclitic on the name
        "Bürgeramt in Wien",
        "فيينا مكتب الأجانب",  # Vienna, not fa- + Jena
    ],
)
def test_another_place_is_recognised(text: str) -> None:
    assert elsewhere(text)


@pytest.mark.parametrize(
    "text",
    [
        "Bürgeramt Jena Öffnungszeiten",
        "ich ziehe aus Leipzig nach Jena, muss ich mich ummelden",
        "I moved from Berlin, do I need to register",
        "семестровый билет действует до эрфурта?",
        "gerade angekommen wo anmelden",  # Gera only as a whole word
        "essen gehen vegan",
        "Bürgeramt Berlin ist voll, gibt es hier schneller termine",
        "як записатися в бюргерамт у Єні",
        "Berlin'den taşındım, anmeldung nasıl yapılır",  # -den: from Berlin
        "Leipzig'ten geldik, Jena'da ev arıyoruz",
        "ساكن بينا وبدي سجل عنواني",  # bi-Jena
        "",
    ],
)
def test_jena_origin_or_no_place_is_not_elsewhere(text: str) -> None:
    assert not elsewhere(text)


def test_every_listed_name_is_in_folded_form() -> None:
    data = json.loads(resources.files("bot.understanding").joinpath(PLACES_FILE)
                      .read_text("utf-8"))
    for key, names in read_places().items():
        assert names, key
        assert len(names) == len(set(names)), key
        assert all(normalize(n) == n and " " not in n for n in names), key
    assert isinstance(data["about"], str)


def test_a_message_about_another_place_is_declined_with_its_kind() -> None:
    entries = frozenset({"citizens-office", "registration"})
    strong = (Candidate("citizens-office", 1.0, 1.0, 1.0, 12.0),
              Candidate("registration", 0.8, 0.8, 0.8))
    found = evidence(strong, entries, Calibration(), elsewhere="other-places")
    match = decide(found, entries, None, Thresholds())
    assert (match.decision, match.not_covered) == ("decline", "other-places")
    assert match.suggestions == ("citizens-office", "registration")  # still one tap away
    plain = decide(evidence(strong, entries, Calibration()), entries, None, Thresholds())
    assert plain.not_covered is None


def test_an_emergency_elsewhere_is_still_an_emergency() -> None:
    entries = frozenset({"emergency", "doctors"})
    found = evidence((Candidate("doctors", 1.0, 1.0, 1.0),), entries, Calibration(),
                     emergency=True, elsewhere="other-places")
    assert decide(found, entries, "emergency", Thresholds()).emergency
