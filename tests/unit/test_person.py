"""The grammar of a request for a person (person.json) and the small-talk cues (cues.json)."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from bot.understanding.person import GRAMMAR_FILE, PARTS, Asks, Lexicon, grammar, load
from bot.understanding.smalltalk import CUES_FILE, cue_words, fold
from bot.understanding.text import normalize


@pytest.mark.parametrize(
    "text",
    ["kann ich mit jemandem sprechen", "gibt es hier einen echten menschen",
     "connect me to a human pls", "is there anyone i can talk to",
     "з'єднайте з працівником", "можно с кем-нибудь поговорить", "ابغى اكلم موظف",
     "bdi 7ada ye7ki ma3i", "میخوام با یه آدم حرف بزنم", "mikham ba kasi sohbat konam",
     "danışman ile konusmak istiyorum", "beni bir çalışana bağlar mısın",
     "mettez-moi en relation avec une personne", "pas un robot, un humain !!!",
     "salut, on peut causer avec un vrai gars ?",
     "je voudrais m'entretenir avec un membre de l'équipe", "في حدا من المركز بيرد علي؟"],
)
def test_requests_in_every_language(text: str) -> None:
    assert grammar().asks(text) >= Asks.REQUEST


@pytest.mark.parametrize(
    "text",
    ["are you a real person?", "bist du ein mensch", "انت انسان ولا بوت",
     "gercek insan misin", "je parle à une vraie personne là ?", "я с живым человеком общаюсь?",
     "karşımdaki gerçek biri mi?"],
)
def test_questions_about_the_bot_are_not_requests(text: str) -> None:
    assert grammar().asks(text) == Asks.BOT


@pytest.mark.parametrize(
    "text",
    ["médecin qui parle français ?", "gibts im bürgerbüro jemand der englisch spricht",
     "why do people call jena the city of light", "Agentur für Arbeit'e kayıt olmak zorunda mıyım",
     "multeci danismanlik ucretsiz", "mercimek çorbası tarifi", "", "!!!",
     "في حدا منكم بيعرف وين الجوب سنتر", "comment devenir membre du club international"],
)
def test_questions_that_name_people_or_languages_are_not_requests(text: str) -> None:
    assert grammar().asks(text) in (Asks.NO, Asks.NAMED)


def test_who_to_call_asks_only_loosely() -> None:
    assert grammar().asks("кому можно позвонить?") == Asks.LOOSE
    assert grammar().asks("با کی می‌تونم تلفنی صحبت کنم") == Asks.LOOSE


def test_long_story_asks_only_with_real_person() -> None:
    story = "in the office the employee said she will not talk to me because of my accent why"
    assert grammar().asks(story) == Asks.NO
    assert grammar().asks("please I need a real person to talk to about my residence "
                          "permit and my work contract") == Asks.INSIST


def test_lexicon_stems_whole_words_phrases_and_arabic_clitics() -> None:
    lex = Lexicon.of(["mitarbeiter", "rep=", "shut up", "موظف", "تکلم"], inside=True)

    def found(text: str) -> bool:
        folded = normalize(text)
        return lex.found(" " + folded + " ")

    assert found("Mitarbeiterin bitte") and not found("repair") and found("rep pls")
    assert found("oh shut up") and found("لموظف") and found("بدي اتكلم")
    assert not found("up shut") and not found("")


def test_every_item_of_the_shipped_files_is_usable() -> None:
    for name, parts in ((GRAMMAR_FILE, PARTS), (CUES_FILE, None)):
        data = json.loads(resources.files("bot.understanding").joinpath(name).read_text("utf-8"))
        groups = {p: data[p] for p in parts} if parts else data["kinds"]
        for part, languages in groups.items():
            assert set(languages) <= {"de", "en", "uk", "ru", "ar", "fa", "tr", "fr", "latin"}
            for lang, items in languages.items():
                for item in items:
                    assert normalize(item.rstrip("=")), (name, part, lang, item)


def test_grammar_with_an_empty_part_asks_nothing() -> None:
    empty = load({p: {} for p in PARTS})
    assert empty.asks("I want to talk to a human") == Asks.NO


def test_cues_and_fold() -> None:
    assert set(cue_words()) == {"insult", "thanks", "about", "greeting"}
    assert fold("Hallooooo!!") == "hallo"
    assert fold("نمی‌خوام") == fold("نمیخوام")
    assert fold("1000 euro") == "1000 euro"


@pytest.mark.parametrize(
    "text",
    ["Bonjour, est-ce que je pourrais parler à un conseiller, s'il vous plaît ?",
     "Puis-je m'entretenir avec un membre de l'équipe, s'il vous plaît ?",
     "سلام، لطفا میشه منو با یکی از کارمندای مرکز وصل کنید؟ ممنون میشم"],
)
def test_greetings_and_polite_formulas_make_no_request_a_story(text: str) -> None:
    assert grammar().asks(text) >= Asks.REQUEST


def test_a_story_stays_a_story_with_a_greeting_in_front() -> None:
    story = ("bonjour, au bureau l'employé a dit qu'il ne voulait pas me parler à cause de "
             "mon accent et je ne sais pas pourquoi")
    assert grammar().asks(story) == Asks.NO


def test_lexicon_counts_the_words_its_items_span() -> None:
    lex = Lexicon.of(["s il vous plait", "bonjour="])
    assert lex.words(" bonjour je veux un rdv s il vous plait ") == 5
    assert lex.words(" bonjours ") == 0 and Lexicon(None).words(" bonjour ") == 0
