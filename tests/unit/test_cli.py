"""The command line, called as tests call it: cli.main([...])."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from bot import cli, shipped
from bot.knowledge.loader import load
from bot.understanding.language import SUPPORTED
from tests.conftest import SMALL_KB


def run(args: list[str], stdin: str = "") -> tuple[int, str]:
    out = io.StringIO()
    old = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        code = cli.main(["--knowledge", str(SMALL_KB), *args], out=out)
    finally:
        sys.stdin = old
    return code, out.getvalue()


def test_help_lists_commands(capsys) -> None:
    assert cli.main(["--help"]) == 0
    text = capsys.readouterr().out
    for command in ("run", "chat", "ask", "check", "export", "eval"):
        assert command in text


def test_ask_json_contract() -> None:
    code, out = run(["ask", "--json", "wo melde ich meine wohnung an"])
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"text", "lang", "decision", "entry", "confidence", "suggestions",
                         "answer", "contacts", "asked_in", "kind"}
    assert data["lang"] == "de" and data["decision"] == "answer"
    assert data["entry"] == "registration" and data["contacts"] == ["buergerservice"]
    assert "zwei Wochen" in data["answer"] and "+49 3641 49-3800" in data["answer"]


def test_ask_forced_language() -> None:
    _code, out = run(["ask", "--json", "--lang", "uk", "Anmeldung"])
    data = json.loads(out)
    assert data["lang"] == "uk" and "Bürgerservice" in data["answer"]


def test_ask_decline_has_null_entry() -> None:
    _code, out = run(["ask", "--json", "beste pizza in neapel"])
    data = json.loads(out)
    assert data["decision"] == "decline" and data["entry"] is None


def test_ask_jsonl_keeps_order_and_reports_bad_lines() -> None:
    lines = [json.dumps({"text": t}) for t in ("Anmeldung", "when is the welcome day")]
    code, out = run(["ask", "--jsonl"], "\n".join([lines[0], "not json", '{"x": 1}',
                                                    lines[1], ""]))
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r.get("entry") for r in rows] == ["registration", None, None, "welcome-day"]
    assert rows[1]["error"] and rows[2]["line"] == 3


def test_ask_without_text_is_a_clear_error(capsys) -> None:
    code, _ = run(["ask", "  "])
    assert code == 2 and "give a question" in capsys.readouterr().err


def test_check_ok_prints_coverage() -> None:
    code, out = run(["check"])
    assert code == 0 and "uk" in out and "OK: 3 entries" in out


def test_check_broken_exits_1(kb_copy: Path) -> None:
    (kb_copy / "entries" / "bad.yaml").write_text("id: [\n", encoding="utf-8")
    out = io.StringIO()
    assert cli.main(["check", str(kb_copy)], out=out) == 1
    assert "entries/bad.yaml" in out.getvalue()


def test_broken_knowledge_makes_ask_fail_cleanly(kb_copy: Path, capsys) -> None:
    (kb_copy / "entries" / "bad.yaml").write_text("\x00\x01", encoding="utf-8")
    assert cli.main(["--knowledge", str(kb_copy), "ask", "x"], out=io.StringIO()) == 1
    assert "welcome-bot check" in capsys.readouterr().err


def test_export_is_json_with_contract_fields() -> None:
    code, out = run(["export"])
    data = json.loads(out)
    assert code == 0 and data["languages"][:2] == ["de", "en"]
    entry = data["entries"][0]
    for key in ("id", "groups", "questions", "keywords", "answer", "contacts", "source",
                "reviewed"):
        assert key in entry
    contact = data["contacts"][0]
    for key in ("id", "name", "address", "phone", "email", "url", "hours", "location",
                "languages", "source"):
        assert key in contact


def test_eval_reports_accuracy(tmp_path: Path) -> None:
    cases = tmp_path / "cases.jsonl"
    cases.write_text("\n".join(json.dumps(c, ensure_ascii=False) for c in [
        {"text": "wo melde ich meine wohnung an", "expect": ["registration"], "lang": "de"},
        {"text": "when is the welcome day", "expect": ["welcome-day"], "lang": "en"},
        {"text": "beste pizza in neapel", "expect": [], "lang": "de"},
    ]), encoding="utf-8")
    code, out = run(["eval", str(cases), "--json"])
    summary = json.loads(out)
    assert code == 0 and summary["overall"]["accuracy"] == 1.0
    assert summary["overall"]["oos_declined"] == 1.0
    _code, text = run(["eval", str(cases)])
    assert "overall" in text and "100.0%" in text


def test_eval_bad_file_names_the_line(tmp_path: Path, capsys) -> None:
    cases = tmp_path / "cases.jsonl"
    cases.write_text('{"text": "x", "expect": []}\n{oops}\n', encoding="utf-8")
    code, _ = run(["eval", str(cases)])
    assert code == 2 and "cases.jsonl:2" in capsys.readouterr().err


def test_run_without_token_explains(monkeypatch, capsys) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    code, _ = run(["run"])
    err = capsys.readouterr().err
    assert code == 2 and "@BotFather" in err and "welcome-bot chat" in err


def test_chat_conversation(monkeypatch) -> None:
    code, out = run(["chat"], "wo melde ich meine wohnung an\n/menu\n2\n/quit\n")
    assert code == 0
    assert "zwei Wochen" in out and "Topics" in out


@pytest.mark.parametrize("argv", [["nope"], ["ask", "--lang", "xx", "hi"], []])
def test_bad_arguments(argv: list[str]) -> None:
    assert cli.main(argv, out=io.StringIO()) == 2


@pytest.mark.integration  # a process of its own
def test_python_dash_m_bot_works() -> None:
    import subprocess

    result = subprocess.run([sys.executable, "-m", "bot", "--help"], capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0 and "welcome-bot" in result.stdout


def test_unanswered_cli_groups_and_csv(tmp_path: Path) -> None:
    from bot.storage.sqlite import DB_NAME, SQLiteStorage

    store = SQLiteStorage(tmp_path / DB_NAME)
    for text in ("who won the match yesterday", "who won the match yesterday?", "pizza dough"):
        store.record_declined(text, "en", None)
    store.close()
    code, out = run(["unanswered", "--data-dir", str(tmp_path)])
    assert code == 0 and "×2" in out and "pizza dough" in out
    code, out = run(["unanswered", "--csv", "--data-dir", str(tmp_path)])
    assert code == 0 and out.splitlines()[0].startswith("group,count,languages")


def test_unanswered_without_database(tmp_path: Path, capsys) -> None:
    code, _ = run(["unanswered", "--data-dir", str(tmp_path / "none")])
    assert code == 2 and "no database" in capsys.readouterr().err


def test_check_gaps(kb_copy: Path) -> None:
    out = io.StringIO()
    assert cli.main(["check", "--gaps", "--data-dir", str(kb_copy / "nodb"), str(kb_copy)],
                    out=out) == 0
    assert "uk: missing" in out.getvalue() and "welcome-day" in out.getvalue()


@pytest.mark.integration  # the whole shipped knowledge base read from its package folder
def test_shipped_data_is_found_from_any_folder(tmp_path: Path, monkeypatch) -> None:
    """No fallback to the current folder: the shipped knowledge and catalogs are used."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("WELCOME_BOT_KNOWLEDGE_DIR", raising=False)
    out = io.StringIO()
    assert cli.main(["ask", "--json", "wo melde ich meine wohnung an"], out=out) == 0
    data = json.loads(out.getvalue())
    assert data["decision"] == "answer" and data["entry"] == "registration"
    assert shipped.knowledge_dir().is_dir() and not shipped.knowledge_dir().is_relative_to(
        tmp_path)
    for lang in SUPPORTED:
        assert (shipped.locales_dir() / lang / "LC_MESSAGES" / "messages.po").is_file()


def test_knowledge_variable_still_points_at_a_staff_folder(monkeypatch, capsys) -> None:
    monkeypatch.setenv("WELCOME_BOT_KNOWLEDGE_DIR", str(SMALL_KB))
    out = io.StringIO()
    assert cli.main(["check"], out=out) == 0
    assert f"{len(load(SMALL_KB).entries)} entries" in out.getvalue()
    monkeypatch.setenv("WELCOME_BOT_KNOWLEDGE_DIR", "/nonexistent/knowledge")
    assert cli.main(["ask", "Anmeldung"], out=io.StringIO()) == 1
    assert "/nonexistent/knowledge" in capsys.readouterr().err


@pytest.mark.integration  # copies and checks the whole shipped knowledge base
@pytest.mark.parametrize("existing", [False, True])
def test_init_copies_the_shipped_knowledge(tmp_path: Path, existing: bool) -> None:
    target = tmp_path / "staff" / "knowledge"
    if existing:
        target.mkdir(parents=True)  # an empty folder is fine too
    out = io.StringIO()
    assert cli.main(["init", str(target)], out=out) == 0
    shipped_files = sorted(p.relative_to(shipped.knowledge_dir())
                           for p in shipped.knowledge_dir().rglob("*") if p.is_file())
    assert sorted(p.relative_to(target) for p in target.rglob("*") if p.is_file()) \
        == shipped_files
    assert len(load(target).entries) == len(load(shipped.knowledge_dir()).entries)
    text = out.getvalue()
    assert f"export WELCOME_BOT_KNOWLEDGE_DIR={target.resolve()}" in text
    assert "welcome-bot check" in text
    out = io.StringIO()
    assert cli.main(["--knowledge", str(target), "check"], out=out) == 0


def test_init_refuses_a_folder_that_is_not_empty(tmp_path: Path, capsys) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    assert cli.main(["init", str(tmp_path)], out=io.StringIO()) == 2
    assert "is not empty" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_init_refuses_a_file(tmp_path: Path, capsys) -> None:
    target = tmp_path / "knowledge"
    target.write_text("a file")
    assert cli.main(["init", str(target)], out=io.StringIO()) == 2
    assert "is a file" in capsys.readouterr().err
    assert target.read_text() == "a file"


def test_eval_runs_conversation_cases(tmp_path: Path) -> None:
    cases = tmp_path / "conv.jsonl"
    cases.write_text("\n".join(json.dumps(c, ensure_ascii=False) for c in [
        {"text": "Danke!", "lang": "de", "type": "smalltalk", "expect": [],
         "smalltalk": "thanks"},
        {"text": "tschüss!", "lang": "de", "type": "smalltalk", "expect": [],
         "smalltalk": "goodbye"},  # the sets' name for the kind "bye"
        {"text": "I want to talk to a human", "lang": "en", "type": "person", "expect": []},
        {"text": "¿dónde hago la Anmeldung en Jena?", "lang": "es", "type": "unsupported",
         "expect": ["registration"]},
        {"text": "where do i register my address and also how do i open a bank account",
         "lang": "en", "type": "two-topics", "expect": ["registration", "bank-account"]},
    ]), encoding="utf-8")
    def run_shipped(args: list[str]) -> tuple[int, str]:
        out = io.StringIO()
        code = cli.main(["--knowledge", str(shipped.knowledge_dir()), *args], out=out)
        return code, out.getvalue()

    code, out = run_shipped(["eval", str(cases), "--json"])
    talk = json.loads(out)["conversation"]
    assert code == 0
    assert talk["smalltalk"]["de"] == {"cases": 2, "recognised": 1.0, "kind": 1.0,
                                       "no_entry": 1.0}
    assert talk["person"]["en"]["recognised"] == 1.0
    assert talk["unsupported"]["es"]["recognised"] == 1.0
    assert talk["unsupported"]["es"]["reply_language"] == 1.0
    assert talk["two-topics"]["overall"]["reachable"] == 1.0
    _code, text = run_shipped(["eval", str(cases)])
    assert "smalltalk" in text and "recognised" in text and "two-topics" in text


def test_eval_unknown_case_type_names_the_line(tmp_path: Path, capsys) -> None:
    cases = tmp_path / "conv.jsonl"
    cases.write_text('{"text": "x", "lang": "de", "type": "chitchat"}\n', encoding="utf-8")
    code, _ = run(["eval", str(cases)])
    assert code == 2 and "conv.jsonl:1: unknown type 'chitchat'" in capsys.readouterr().err


def test_check_and_export_count_small_talk() -> None:
    out = io.StringIO()
    assert cli.main(["--knowledge", str(shipped.knowledge_dir()), "export"], out=out) == 0
    kinds = {k["kind"]: k for k in json.loads(out.getvalue())["smalltalk"]}
    assert set(kinds) == {"greeting", "thanks", "bye", "ok", "about", "insult", "person"}
    assert set(kinds["greeting"]["reply"]) == set(SUPPORTED)
    out = io.StringIO()
    assert cli.main(["--knowledge", str(shipped.knowledge_dir()), "check"], out=out) == 0
    assert "7 kinds of small talk" in out.getvalue()
