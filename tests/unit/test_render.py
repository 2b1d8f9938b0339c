"""Rendering for Telegram: escaping, bidi isolation, splitting, keyboards."""

from __future__ import annotations

from bot.conversation.messages import Button, Card, Text, Venue
from bot.tg.render import LIMIT, isolate, keyboard, pack, render, utf16_len

LRI, PDI, RLM = "\u2066", "\u2069", "\u200f"


def test_user_text_is_escaped() -> None:
    out = render([Text("<b>hi</b> & <script>", "en")])
    assert out[0].text == "&lt;b&gt;hi&lt;/b&gt; &amp; &lt;script&gt;"


def test_card_title_is_bold_and_escaped() -> None:
    out = render([Card("A & B", ("📍 Markt 16, 07743 Jena",), "en")])
    assert out[0].text.startswith("<b>A &amp; B</b>\n📍 Markt 16")


def test_rtl_isolates_latin_runs_and_keeps_parentheses_outside() -> None:
    text = isolate("راجع مكتب (Bürgerservice) على الرقم +49 3641 49-3800", "ar")
    assert text.startswith(RLM)
    assert f"({LRI}Bürgerservice{PDI})" in text
    assert f"{LRI}+49 3641 49-3800{PDI}" in text
    assert isolate("Bürgerservice", "de") == "Bürgerservice"


def test_long_text_is_split_at_paragraphs_under_the_limit() -> None:
    paragraphs = [f"Absatz {i}: " + "wort " * 150 for i in range(30)]
    out = render([Text("\n\n".join(paragraphs), "de")])
    assert len(out) > 1
    assert all(utf16_len(o.text) <= LIMIT for o in out)
    assert out[0].text.startswith("Absatz 0") and out[1].text.startswith("Absatz ")
    joined = "\n\n".join(o.text for o in out)
    assert joined.count("Absatz") == 30


def test_one_huge_paragraph_and_emoji_are_cut_safely() -> None:
    out = render([Text("🎉" * 5000 + " " + "x" * 9000, "en")])
    assert all(utf16_len(o.text) <= LIMIT for o in out)


def test_keyboard_goes_on_the_last_part_and_long_data_is_dropped() -> None:
    out = render([Text("pick", "en", ((Button("ok", "topic:a"), Button("bad", "x" * 65)),))])
    markup = out[-1].markup
    assert [b.callback_data for b in markup.inline_keyboard[0]] == ["topic:a"]
    assert keyboard(((Button("bad", "é" * 33),),)) is None  # 66 bytes


def test_one_message_with_every_keyboard_row_then_venues() -> None:
    out = render([Text("answer", "en"), Card("Office", ("x",), "en"),
                  Venue(50.9, 11.5, "Office", "Markt 1"),
                  Text("helpful?", "en", ((Button("yes", "fb:a:1"),),)),
                  Text("related:", "en", ((Button("b", "topic:b"),),))])
    assert len(out) == 2
    assert "answer" in out[0].text and "Office" in out[0].text and "related:" in out[0].text
    rows = out[0].markup.inline_keyboard
    assert [r[0].callback_data for r in rows] == ["fb:a:1", "topic:b"]
    assert out[1].venue is not None


def test_pack() -> None:
    assert pack(["a", "b"], limit=10) == ["a\n\nb"]
    assert pack(["a" * 6, "b" * 6], limit=10) == ["a" * 6, "b" * 6]


def test_a_keyboard_is_built_once_and_shared_by_every_message_with_it() -> None:
    rows = ((Button("Ja", "fb:x:1|de"), Button("Nein", "fb:x:0|de")),
            (Button("Web", url="https://jena.de"),))
    first = render([Text("a", "de", rows)])[0].markup
    again = render([Text("b", "de", tuple(tuple(r) for r in rows))])[0].markup
    assert first is again  # an immutable python-telegram-bot object: safe to share
    other = render([Text("c", "de", ((Button("Ja", "fb:y:1|de"),),))])[0].markup
    assert other is not first and other.inline_keyboard[0][0].callback_data == "fb:y:1|de"
    assert [[b.to_dict() for b in row] for row in first.inline_keyboard] == [
        [{"text": "Ja", "callback_data": "fb:x:1|de"},
         {"text": "Nein", "callback_data": "fb:x:0|de"}],
        [{"text": "Web", "url": "https://jena.de"}]]
