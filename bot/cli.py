"""The ``welcome-bot`` command line: run, chat, console, ask, check, export, eval, init,
backup, restore.

The only module that parses arguments and exits the process.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import sys
from collections.abc import Iterator
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path
from typing import TextIO

from bot import __version__
from bot.conversation.answers import MAX_QUESTION
from bot.conversation.core import Conversation, Snapshot, plain
from bot.conversation.messages import Card, UserState, clean
from bot.errors import BotError, KnowledgeError
from bot.evaluate import (
    conversation,
    conversation_misses,
    evaluate,
    format_conversation,
    format_report,
    read_cases,
)
from bot.i18n import default_translator
from bot.knowledge.loader import KnowledgeBase, default_directory, load
from bot.storage import backup as backups
from bot.storage.sqlite import DB_NAME, SQLiteStorage
from bot.understanding.foreign import identify, sure_lang
from bot.understanding.language import SUPPORTED

DATA_DIR_HELP = "where the database lives (default: $WELCOME_BOT_DATA_DIR or ./data)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="welcome-bot",
        description="Jena Welcome Bot: answers newcomers' questions in their language.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--knowledge", metavar="DIR", default=None,
                        help="knowledge folder (default: $WELCOME_BOT_KNOWLEDGE_DIR or the "
                             "knowledge base shipped with the package)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    run = sub.add_parser("run", help="start the Telegram bot (polling, or webhook)")
    run.add_argument("--token", help="bot token (default: $TELEGRAM_BOT_TOKEN)")
    run.add_argument("--base-url", help="Bot API server (default: $TELEGRAM_API_BASE_URL)")
    run.add_argument("--data-dir", help="where the SQLite database lives "
                                        "(default: $WELCOME_BOT_DATA_DIR or ./data)")
    run.add_argument("--admin", action="append", default=[], metavar="USER_ID",
                     help="Telegram user id of a staff member (repeatable; also "
                          "$WELCOME_BOT_ADMINS)")
    run.add_argument("--webhook-url", help="public HTTPS URL for webhook mode")
    run.add_argument("--listen", default="127.0.0.1", help="webhook listen address")
    run.add_argument("--port", type=int, default=8443, help="webhook port")
    run.add_argument("--secret-token", help="webhook secret (default: "
                                            "$TELEGRAM_WEBHOOK_SECRET or a random one)")
    run.add_argument("--staff-chat", help="id of the staff supergroup with topics where "
                                          "users reach a person (default: "
                                          "$WELCOME_BOT_STAFF_CHAT; none: no handoff)")
    run.add_argument("--staff-reply-hours", help="how soon staff usually answer, told to "
                                                 "users (default: $WELCOME_BOT_STAFF_REPLY_"
                                                 "HOURS, else 'within one working day')")
    run.add_argument("--case-idle-days", help="close a handoff case after this many days "
                                              "without messages (default: "
                                              "$WELCOME_BOT_CASE_IDLE_DAYS or 14)")

    _console_options(run)

    sub.add_parser("chat", help="talk to the bot in this terminal, no Telegram needed")

    con = sub.add_parser("console", help="serve the staff web console alone (no Telegram) "
                                         "and print a one-time log-in link")
    con.add_argument("--data-dir", help=DATA_DIR_HELP)
    _console_options(con, default_port=True)

    ask = sub.add_parser("ask", help="answer one question and exit")
    ask.add_argument("text", nargs="?", help="the question (omit with --jsonl)")
    ask.add_argument("--lang", choices=SUPPORTED, help="force the answer language")
    ask.add_argument("--json", action="store_true", help="print the answer JSON")
    ask.add_argument("--jsonl", action="store_true",
                     help='read {"text": ...} lines on stdin, write one JSON answer per line')

    check = sub.add_parser("check", help="validate a knowledge folder")
    check.add_argument("directory", nargs="?", help="folder (default: the loaded knowledge)")
    check.add_argument("--gaps", action="store_true",
                       help="list missing or outdated translations, most asked first")
    check.add_argument("--data-dir", help="database to rank gaps by demand (default: "
                                          "$WELCOME_BOT_DATA_DIR or ./data, if it exists)")

    unanswered = sub.add_parser("unanswered", help="questions the bot could not answer, "
                                                   "grouped, for staff")
    unanswered.add_argument("--csv", action="store_true", help="CSV for a spreadsheet")
    unanswered.add_argument("--data-dir", help="where the database lives (default: "
                                               "$WELCOME_BOT_DATA_DIR or ./data)")

    sub.add_parser("export", help="print the knowledge base as JSON")

    ev = sub.add_parser("eval", help="measure accuracy on a JSONL file of cases")
    ev.add_argument("file", help='JSONL lines {"text", "expect": [ids], "lang"}')
    ev.add_argument("--json", action="store_true", help="machine-readable summary")

    init = sub.add_parser("init", help="copy the shipped knowledge base into a folder to edit")
    init.add_argument("directory", help="a new or empty folder")

    bak = sub.add_parser("backup", help="copy the database to a file, also while the bot runs")
    bak.add_argument("file", help="the backup file to write")
    bak.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    bak.add_argument("--data-dir", help=DATA_DIR_HELP)

    res = sub.add_parser("restore", help="replace the database with a backup (bot stopped)")
    res.add_argument("file", help="a file written by 'welcome-bot backup'")
    res.add_argument("--data-dir", help=DATA_DIR_HELP)
    return parser



def _console_options(parser: argparse.ArgumentParser, default_port: bool = False) -> None:
    off = "8080" if default_port else "none: no console"
    parser.add_argument("--console-port", help="port of the staff web console (default: "
                                               f"$WELCOME_BOT_CONSOLE_PORT, else {off})")
    parser.add_argument("--console-host", help="address it listens on (default: "
                                               "$WELCOME_BOT_CONSOLE_HOST or 127.0.0.1)")
    parser.add_argument("--console-url", help="its public address, for log-in links "
                                              "(default: $WELCOME_BOT_CONSOLE_URL or "
                                              "http://127.0.0.1:PORT)")


def knowledge_dir(option: str | None) -> Path:
    return Path(option or os.environ.get("WELCOME_BOT_KNOWLEDGE_DIR") or default_directory())


def load_conversation(directory: Path, storage: SQLiteStorage | None = None) -> Conversation:
    kb = load(directory)
    return Conversation(Snapshot.build(kb), default_translator(), storage or SQLiteStorage())


def answer_json(conv: Conversation, text: str, lang: str | None = None) -> dict:
    """One answer in the JSON contract of ``ask --json``."""
    found = identify(text, conv.snapshot.index.ignore,
                     conv.snapshot.index.romanised)  # asked_in; the answer's own too
    lang, match, replies = conv.answer(conv.snapshot, text, UserState(), lang=lang,
                                       detected=found if len(text) <= MAX_QUESTION else None)
    return {
        "text": text, "lang": lang, "decision": match.decision,
        "entry": match.entry if match.decision == "answer" else None,
        "confidence": round(float(match.confidence), 3),
        "suggestions": list(match.suggestions), "answer": plain(replies),
        "contacts": [r.contact for r in replies if isinstance(r, Card) and r.contact],
        "asked_in": sure_lang(found),
        "kind": match.kind or match.not_covered,
    }


def cmd_ask(args: argparse.Namespace, out: TextIO) -> int:
    conv = load_conversation(knowledge_dir(args.knowledge))
    if args.jsonl:
        for number, raw in enumerate(_stdin_lines(), 1):
            if raw.strip():
                result = jsonl_answer(conv, number, raw, args.lang)
                out.write(json.dumps(result, ensure_ascii=False) + "\n")
        return 0
    if not args.text or not args.text.strip():
        raise BotError("give a question, e.g.: welcome-bot ask \"wo melde ich meine wohnung an\"")
    result = answer_json(conv, clean(args.text), args.lang)
    out.write((json.dumps(result, ensure_ascii=False) if args.json else result["answer"]) + "\n")
    return 0


def _stdin_lines() -> Iterator[bytes]:
    """Standard input as raw lines: a bad byte spoils one line, not the rest."""
    buffer = getattr(sys.stdin, "buffer", None)
    if buffer is not None:
        yield from buffer
    else:  # a text stream (tests)
        for line in sys.stdin:
            yield line.encode("utf-8", "surrogateescape")


def jsonl_answer(conv: Conversation, number: int, raw: bytes, lang: str | None) -> dict:
    """One output line of ``ask --jsonl``: the answer, or an error naming the line."""
    def error(message: str) -> dict:
        return {"line": number, "error": message}

    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return error("not valid UTF-8")
    except RecursionError:
        return error("nested too deeply")
    except ValueError as exc:  # also numbers with thousands of digits
        return error(f"not JSON ({str(exc)[:80]})")
    text = data.get("text") if isinstance(data, dict) else None
    if not isinstance(text, str):
        return error('expected {"text": "..."}')
    wanted = data.get("lang")
    try:
        return answer_json(conv, clean(text), wanted if wanted in SUPPORTED else lang)
    except RecursionError:
        return error("nested too deeply")
    except Exception as exc:  # one bad line must not stop the others
        return error(f"could not answer ({type(exc).__name__})")


def cmd_check(args: argparse.Namespace, out: TextIO) -> int:
    directory = Path(args.directory) if args.directory else knowledge_dir(args.knowledge)
    try:
        kb = load(directory)
    except KnowledgeError as exc:
        out.write(f"{directory}: {len(exc.problems)} error(s) — the bot will not load this:\n")
        for problem in exc.problems:
            out.write(f"  {problem}\n")
        return 1
    for problem in kb.warnings:
        out.write(f"  {problem}\n")
    overdue = [p for p in kb.warnings if p.severity == "overdue"]
    if args.gaps:
        from bot.staff import reports as staff

        db = data_dir(args.data_dir) / DB_NAME
        demand = staff.demand_by_language(SQLiteStorage(db)) if db.exists() else {}
        out.write(staff.gaps(kb, demand) + "\n")
    out.write(coverage_table(kb))
    examples = sum(len(q) for kind in kb.not_covered.values() for q in kind.questions.values())
    out.write(f"OK: {len(kb.entries)} entries, {len(kb.contacts)} contacts, "
              f"{len(kb.events)} events, {len(kb.not_covered)} kinds of questions not covered "
              f"({examples} examples), {len(kb.smalltalk)} kinds of small talk "
              f"({sum(len(x) for k in kb.smalltalk.values() for x in k.examples.values())} "
              f"examples), {len(kb.warnings)} warning(s).\n")
    if overdue:
        out.write(f"FAILED: {len(overdue)} legal entr{'y' if len(overdue) == 1 else 'ies'} "
                  "overdue for review (the bot still serves them; see above).\n")
        return 1
    return 0


def coverage_table(kb: KnowledgeBase) -> str:
    total = len(kb.entries) or 1
    lines = ["language  answers        ≥5 questions"]
    for lang, (answered, asked) in kb.coverage().items():
        lines.append(f"{lang:<9} {answered:>3}/{total:<3} {100 * answered / total:5.1f}%  "
                     f"{asked:>3}/{total:<3} {100 * asked / total:5.1f}%")
    return "\n".join(lines) + "\n"


def cmd_export(args: argparse.Namespace, out: TextIO) -> int:
    kb = load(knowledge_dir(args.knowledge))
    out.write(json.dumps(export(kb), ensure_ascii=False, indent=2) + "\n")
    return 0


def export(kb: KnowledgeBase) -> dict:
    def day(d: date | datetime | None) -> str | None:
        return d.isoformat() if d else None

    return {
        "languages": list(SUPPORTED),
        "entries": [{
            "id": e.id, "groups": list(e.groups),
            "questions": {lang: list(t.questions) for lang, t in e.texts.items()},
            "keywords": list(e.keywords),
            "answer": {lang: t.answer for lang, t in e.texts.items()},
            "title": {lang: t.title for lang, t in e.texts.items()},
            "contacts": list(e.contacts), "links": list(e.links), "source": e.source,
            "reviewed": day(e.reviewed), "emergency": e.emergency,
        } for e in kb.entries.values()],
        "contacts": [{
            "id": c.id, "name": dict(c.name), "address": c.address, "phone": c.phone,
            "email": c.email, "url": c.url, "hours": dict(c.hours),
            "location": list(c.location) if c.location else None,
            "languages": list(c.languages), "source": list(c.source),
            "reviewed": day(c.reviewed),
        } for c in kb.contacts.values()],
        "events": [{
            "id": ev.id, "entry": ev.entry, "start": day(ev.start), "end": day(ev.end),
            "place": ev.place, "contact": ev.contact, "url": ev.url, "source": ev.source,
            "texts": {lang: asdict(t) for lang, t in ev.texts.items()},
        } for ev in kb.events.values()],
        "not_covered": [{
            "id": k.id, "hint": dict(k.hints),
            "questions": {lang: list(q) for lang, q in k.questions.items()},
        } for k in kb.not_covered.values()],
        "smalltalk": [{
            "kind": k.kind, "reply": dict(k.replies),
            "examples": {lang: list(x) for lang, x in k.examples.items()},
        } for k in kb.smalltalk.values()],
    }


def cmd_eval(args: argparse.Namespace, out: TextIO) -> int:
    conv = load_conversation(knowledge_dir(args.knowledge))
    cases = read_cases(args.file)
    report = evaluate(cases, lambda text: answer_json(conv, text))
    talk = any(c.type for c in cases)  # conversation cases (eval/conv-*.jsonl)
    if args.json:
        summary = report.summary()
        summary["misses"] = [{"text": o.case.text, "lang": o.case.lang,
                              "expect": list(o.case.expect), "decision": o.decision,
                              "entry": o.entry, "suggestions": list(o.suggestions),
                              "answer_lang": o.lang} for o in report.misses()]
        if talk:
            summary["conversation"] = conversation(report)
            summary["conversation_misses"] = [
                {"text": o.case.text, "lang": o.case.lang, "type": o.case.type,
                 "decision": o.decision, "kind": o.kind, "entry": o.entry,
                 "asked_in": o.asked_in, "answer_lang": o.lang}
                for o in conversation_misses(report)]
        out.write(json.dumps(summary, ensure_ascii=False, indent=2) + "\n")
    elif talk:
        out.write(format_conversation(report) + "\n")
    else:
        out.write(format_report(report) + "\n")
    return 0


def data_dir(option: str | None) -> Path:
    return Path(option or os.environ.get("WELCOME_BOT_DATA_DIR") or "data")


def cmd_unanswered(args: argparse.Namespace, out: TextIO) -> int:
    import csv

    from bot.staff import reports as staff

    db = data_dir(args.data_dir) / DB_NAME
    if not db.exists():
        raise BotError(f"no database at {db}; give --data-dir (where 'welcome-bot run' keeps it)")
    groups = staff.group_declined(SQLiteStorage(db).declined(2000))
    if args.csv:
        writer = csv.writer(out)
        writer.writerow(["group", "count", "languages", "closest_entry", "example", "all"])
        for g in groups:
            writer.writerow([g.key, len(g.ids), " ".join(sorted(g.langs)),
                             g.closest.most_common(1)[0][0], g.texts[0], " | ".join(g.texts)])
        return 0
    if not groups:
        out.write("No unanswered questions waiting.\n")
    for g in groups:
        langs = ", ".join(f"{k} {v}" for k, v in g.langs.most_common())
        out.write(f"#{g.key} ×{len(g.ids)} [{langs}] closest: {g.closest.most_common(1)[0][0]}"
                  f"\n    {g.texts[0]}\n")
    return 0


def cmd_run(args: argparse.Namespace, out: TextIO) -> int:
    from bot.config import Settings
    from bot.tg.app import run

    settings = Settings.from_env(args, knowledge_dir(args.knowledge))
    return run(settings)


def cmd_console(args: argparse.Namespace, out: TextIO) -> int:
    from bot.console.server import run_alone

    return run_alone(knowledge_dir(args.knowledge), data_dir(args.data_dir), args, out)


def cmd_chat(args: argparse.Namespace, out: TextIO) -> int:
    from bot.chat import chat

    conv = load_conversation(knowledge_dir(args.knowledge))
    return chat(conv, sys.stdin, out)


INIT_NEXT = """Next:
  export WELCOME_BOT_KNOWLEDGE_DIR={path}
  welcome-bot check
Edit the YAML files there ({path}/README.md explains them) and run 'welcome-bot check'
after every change; the bot uses this folder while the variable is set.
"""


def cmd_init(args: argparse.Namespace, out: TextIO) -> int:
    target = Path(args.directory)
    if target.exists() and not target.is_dir():
        raise BotError(f"{target} is a file; give a new or empty folder")
    if target.is_dir() and any(target.iterdir()):
        raise BotError(f"{target} is not empty; give a new or empty folder (nothing was "
                       "copied, nothing changed)")
    shipped = default_directory()
    # copyfile, not copy2: the copies are the staff's to edit, whatever modes the install has
    shutil.copytree(shipped, target, dirs_exist_ok=True, copy_function=shutil.copyfile,
                    ignore=shutil.ignore_patterns("__pycache__", "*.py", "*.pyc"))
    files = sum(1 for path in target.rglob("*") if path.is_file())
    out.write(f"Copied the shipped knowledge base ({files} files) to {target}.\n")
    out.write(INIT_NEXT.format(path=_shell_path(target)))
    return 0


def _shell_path(path: Path) -> str:
    return shlex.quote(str(path.resolve()))


def cmd_backup(args: argparse.Namespace, out: TextIO) -> int:
    info = backups.backup(data_dir(args.data_dir), Path(args.file), force=args.force)
    out.write(f"Backed up to {info.path} ({info.summary()}); integrity check: ok.\n")
    return 0


def cmd_restore(args: argparse.Namespace, out: TextIO) -> int:
    info, kept = backups.restore(Path(args.file), data_dir(args.data_dir))
    out.write(f"Restored {args.file} into {info.path} ({info.summary()}).\n")
    if kept:
        out.write(f"The database it replaced is kept as {kept}.\n")
    out.write("Start the bot again with: welcome-bot run\n")
    return 0


COMMANDS = {"run": cmd_run, "chat": cmd_chat, "console": cmd_console, "ask": cmd_ask,
            "check": cmd_check, "export": cmd_export, "eval": cmd_eval,
            "unanswered": cmd_unanswered, "init": cmd_init, "backup": cmd_backup,
            "restore": cmd_restore}


def main(argv: list[str] | None = None, out: TextIO | None = None) -> int:
    """Run a command; returns the exit code (tests call this directly)."""
    out = out or sys.stdout
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse already printed the usage or help
        return int(exc.code or 0)
    try:
        return COMMANDS[args.command](args, out)
    except KnowledgeError as exc:
        print(f"welcome-bot: the knowledge base has {len(exc.problems)} error(s); "
              "run 'welcome-bot check' for details:", file=sys.stderr)
        for problem in exc.problems[:20]:
            print(f"  {problem}", file=sys.stderr)
        return 1
    except BotError as exc:
        print(f"welcome-bot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def entrypoint() -> None:
    """Console-script entry point."""
    sys.exit(main())


__all__ = ["answer_json", "build_parser", "entrypoint", "main"]
