"""Languages the bot does not speak: recognised, answered in the user's or English."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from bot import cli
from bot.cli import answer_json
from bot.conversation import answers
from bot.conversation.core import Conversation
from bot.conversation.messages import Text, UserState
from bot.understanding.foreign import asked_in, identify
from bot.understanding.language import Detection
from tests.unit.test_conversation import buttons, say


@pytest.mark.parametrize(
    ("text", "lang"),
    [("¿dónde hago la Anmeldung en Jena?", "es"),
     ("come si rinnova il permesso di soggiorno", "it"),
     ("jak znaleźć mieszkanie w Jenie", "pl"), ("tôi muốn học tiếng Đức", "vi"),
     ("我在哪里办理Anmeldung?", "zh"), ("मुझे डॉक्टर चाहिए", "hi"), ("ექიმი მჭირდება", "ka"),
     ("ሓኪም የድልየኒ ኣሎ", "ti"), ("د الماني ژبې کورس چیرته دی", "ps"), ("زۆر سوپاس", "ku"),
     ("waxaan rabaa inaan barto luqadda Jarmalka", "so"),
     ("tigidhka baska xagee laga iibsadaa", "so"), ("hola, necesito ayuda con la Anmeldung", "es"),
     ("onde fica a Ausländerbehörde?", "pt"), ("ik zoek een kamer in een studentenhuis", "nl"),
     ("kde si prodloužím povolení k pobytu", "cs"), ("caut un apartament în jena", "ro"),
     ("gdzie są kursy niemieckiego, w Volkshochschule?", "pl"),
     ("Semesterticket 怎么用？", "zh"), ("tìm ký túc xá sinh viên ở Jena", "vi"),
     ("kan ik alleen met mijn paspoort een rekening openen", "nl"),
     ("wat betekent dat woord eigenlijk, ik zie het overal", "nl"),
     ("jak si mám zažádat o povolení k pobytu", "cs"),  # ž: Czech, none of the eight
     ("sidee ugu helaa dhakhtar oo af soomaali ku hadla", "so")],
)
def test_foreign_languages_are_recognised(project_snapshot, text: str, lang: str) -> None:
    assert identify(text, project_snapshot.index.ignore).lang == lang


@pytest.mark.parametrize(
    ("text", "lang"),
    [("wo melde ich meine wohnung an", "de"), ("where do i register my address", "en"),
     ("où est la mairie", "fr"), ("как открыть счёт в банке", "ru"), ("سلام خوبی؟", "fa"),
     ("kindergeld beantragen", "de"), ("horaires bureau international fac", "fr"),
     ("ma carte de séjour expire, que faire", "fr"), ("bdi a3ref wein el jobcenter", "ar"),
     ("vielen dank 🙏", "de"), ("tausend dank!", "de")],  # "dank" is Dutch too
)
def test_supported_languages_stay_supported(project_snapshot, text: str, lang: str) -> None:
    assert identify(text, project_snapshot.index.ignore).lang == lang


@pytest.mark.parametrize("text", ["", "   ", "👍", "12345", "Anmeldung"])
def test_nothing_to_tell_gives_no_language(text: str) -> None:
    assert asked_in(text) in (None, "de")


def test_foreign_question_is_answered_in_english_with_the_language_buttons(
        project_core: Conversation) -> None:
    replies, _ = project_core.handle(say("¿dónde hago la Anmeldung en Jena?", None),
                                     UserState())
    note = replies[0]
    assert isinstance(note, Text) and note.lang == "en" and "Українська" in note.text
    assert any(b.startswith("lang:") for b in buttons([note]))
    assert all(r.lang == "en" for r in replies if isinstance(r, Text) and r is not note)


def test_foreign_question_uses_the_chosen_language(project_core: Conversation) -> None:
    replies, _ = project_core.handle(say("jak znaleźć mieszkanie w Jenie", None),
                                     UserState(lang="de"))
    assert replies[0].lang == "de" and "Deutsch" in replies[0].text


def test_ask_json_reports_the_foreign_language_and_still_answers(
        project_core: Conversation) -> None:
    result = answer_json(project_core, "Hola, ¿dónde hago la Anmeldung en Jena?")
    assert result["asked_in"] == "es" and result["lang"] == "en"
    assert "registration" in [result["entry"], *result["suggestions"]]



@pytest.mark.parametrize("text", ["¿Dónde hago la Anmeldung?", "wo melde ich mich an",
                                  "在耶拿怎么办理住址登记？", "hallo", "x " * 600 + "Anmeldung"])
def test_ask_json_detects_the_language_once_with_the_same_result(
        project_core: Conversation, text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """``asked_in`` and the answer share one detection; a text longer than the answer's
    cut (answers.MAX_QUESTION) lets the answer detect its own part."""
    index = project_core.snapshot.index
    lang, match, _ = project_core.answer(project_core.snapshot, text, UserState())
    expected = asked_in(text, index.ignore, index.romanised)
    calls: list[str] = []

    def counted(t: str, ignore: frozenset[str] = frozenset(),
                romanised: Mapping[str, frozenset[str]] | None = None) -> Detection:
        calls.append(t)
        return identify(t, ignore, romanised)

    monkeypatch.setattr(cli, "identify", counted)
    monkeypatch.setattr(answers, "identify", counted)
    data = answer_json(project_core, text)
    assert (data["asked_in"], data["lang"], data["decision"], data["entry"]) \
        == (expected, lang, match.decision, match.entry if match.decision == "answer" else None)
    assert len(calls) == (1 if len(text) <= answers.MAX_QUESTION else 2)
