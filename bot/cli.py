"""`python app.py …` subcommands. Each prints a short summary; bad input exits non-zero with
one clear line per problem, never a traceback.

`parse` reads the command line; `execute` runs a command inside the exit-code boundary. The
commands that serve (`run`, `sandbox`) are not here: they need Slack's and the web's adapters,
so `app.py` picks them by `args.command` and hands them to `execute`."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from dotenv import load_dotenv
from sqlalchemy.engine import make_url

from bot import erasure
from bot.config import ConfigError, Settings, load_settings, require
from bot.db import Database, DatabaseUnavailable, describe
from bot.digest import command as digest_command
from bot.durations import format_duration
from bot.leads import validate as lead_intake
from bot.logsetup import configure_logging
from bot.people import RosterError, import_roster, roster
from bot.reports import command as report_command
from bot.retention import prune
from bot.services import Handoff
from bot.sources import commands as source_commands

EXIT_BAD_INPUT = 2
EXIT_CONFIG = 3
EXIT_DATABASE = 4


class CliError(Exception):
    pass


def _read(path: str) -> str:
    file = Path(path)
    if not file.is_file():
        raise CliError(f"{path}: no such file")
    try:
        return file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise CliError(f"{path}: not UTF-8 text; save the CSV as UTF-8") from None


SANDBOX_DB = "handoff-sandbox.db"


def database_line(url: str) -> str:
    """The line every command prints first (on stderr): which database it uses, and, beside a
    sandbox's data, that it is not the sandbox's."""
    line = f"Using {describe(url)} (DATABASE_URL)."
    sandbox = Path(SANDBOX_DB)
    parsed = make_url(url)
    is_sandbox = (
        parsed.get_backend_name() == "sqlite"
        and parsed.database
        and (Path(parsed.database).resolve() == sandbox.resolve())
    )
    if sandbox.exists() and not is_sandbox:
        line += f" The sandbox keeps its own data in {SANDBOX_DB}, which this command does not use."
    return line


def _database(settings: Settings) -> Database:
    db = Database(settings.database_url)
    db.upgrade()
    return db


def cmd_db_upgrade(settings: Settings, _args: argparse.Namespace) -> int:
    db = Database(settings.database_url)
    db.upgrade()
    print(f"Database is up to date ({db.engine.url.render_as_string(hide_password=True)}).")
    return 0


def cmd_db_prune(settings: Settings, args: argparse.Namespace) -> int:
    db = _database(settings)
    try:
        result = prune(db, settings, dry_run=args.dry_run)
    finally:
        db.dispose()
    for line in result.lines():
        print(line)
    kept = "Nothing was removed (dry run)." if args.dry_run else "Leads and figures are kept."
    print(f"{kept} RETENTION is {format_duration(settings.retention)}.")
    return 0


def cmd_team_import(settings: Settings, args: argparse.Namespace) -> int:
    text = _read(args.file)
    db = _database(settings)
    try:
        with db.session() as session:
            result = import_roster(session, text)
    except RosterError as exc:
        for problem in exc.problems:
            print(f"{args.file}: {problem}", file=sys.stderr)
        print(
            f"{args.file}: nothing was imported; fix the lines above and run again.",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    print(
        f"Imported {args.file}: {result.added} added, {result.updated} updated, "
        f"{result.unchanged} unchanged."
    )
    return 0


def cmd_team_list(settings: Settings, _args: argparse.Namespace) -> int:
    db = _database(settings)
    with db.session() as session:
        rows = roster(session)
    if not rows:
        print("The team is empty. Import it with: python app.py team import team.csv")
        return 0
    print(f"{'slack_id':<12} {'role':<9} {'name':<28} {'email':<32} manager")
    for person, manager in rows:
        print(
            f"{person.slack_id:<12} {person.role:<9} {person.name[:28]:<28} "
            f"{(person.email or '-')[:32]:<32} {manager.name if manager else '-'}"
        )
    print(f"{len(rows)} people.")
    return 0


def cmd_leads_import(settings: Settings, args: argparse.Namespace) -> int:
    text = _read(args.file)
    try:
        leads = lead_intake.parse_csv(text)
    except lead_intake.LeadValidationError as exc:
        for problem in exc.errors:
            field = f" {problem['field']}" if problem.get("field") else ""
            print(
                f"{args.file}: line {problem['line']}:{field} {problem['error']}", file=sys.stderr
            )
        print(
            f"{args.file}: nothing was imported; fix the lines above and run again.",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    handoff = Handoff.build(settings, db=_database(settings))
    try:
        result = handoff.receive_leads(leads)
    finally:
        handoff.stop()
    print(
        f"Imported {args.file}: {result.accepted} new, {result.updated} updated, "
        f"{result.duplicates} unchanged; {result.hot} hot."
    )
    return 0


def cmd_leads_forget(settings: Settings, args: argparse.Namespace) -> int:
    db = _database(settings)
    try:
        result = erasure.forget(db, email=args.email, external_id=args.id, dry_run=args.dry_run)
    except erasure.NoSuchLead as exc:
        raise CliError(f"{exc}; nothing was changed") from None
    finally:
        db.dispose()
    for line in result.lines():
        print(line)
    if args.dry_run:
        print("Nothing was changed (dry run).")
    return 0


def cmd_digest(settings: Settings, args: argparse.Namespace) -> int:
    if not args.dry_run:
        require(settings, "slack_bot_token")
    handoff = Handoff.build(settings, db=_database(settings))
    try:
        return digest_command.run(
            handoff, manager=args.manager, dry_run=args.dry_run, again=args.again
        )
    except digest_command.UnknownManager as exc:
        raise CliError(str(exc)) from None
    finally:
        handoff.stop()


def cmd_report_weekly(settings: Settings, args: argparse.Namespace) -> int:
    try:  # a bad week is named before anything else is checked
        report_command.parse_week(args.week, settings, dry_run=args.dry_run)
    except report_command.BadInput as exc:
        raise CliError(str(exc)) from None
    if not args.dry_run:
        require(settings, "slack_bot_token")
    handoff = Handoff.build(settings, db=_database(settings))
    try:
        return report_command.weekly(handoff, week_text=args.week, dry_run=args.dry_run)
    except report_command.BadInput as exc:
        raise CliError(str(exc)) from None
    finally:
        handoff.stop()


def cmd_report_export(settings: Settings, args: argparse.Namespace) -> int:
    handoff = Handoff.build(settings, db=_database(settings))
    try:
        return report_command.export_leads(
            handoff, since=args.since, until=args.until, fmt=args.format
        )
    except report_command.BadInput as exc:
        raise CliError(str(exc)) from None
    finally:
        handoff.stop()


def cmd_sources_list(settings: Settings, _args: argparse.Namespace) -> int:
    return source_commands.list_sources(settings, lambda: _database(settings))


def cmd_sources_test(settings: Settings, args: argparse.Namespace) -> int:
    return source_commands.test_source(settings, args.name, args.file, lambda: _database(settings))


def cmd_sources_log(settings: Settings, args: argparse.Namespace) -> int:
    return source_commands.source_log(settings, args.name, lambda: _database(settings))


def _group(
    sub: argparse._SubParsersAction, name: str, help_text: str
) -> argparse._SubParsersAction:
    parser = sub.add_parser(name, help=help_text)

    def missing_action(_settings: Settings, _args: argparse.Namespace) -> int:
        raise CliError(f"'{name}' needs an action: {help_text.split(': ', 1)[1]}")

    parser.set_defaults(handler=missing_action)
    return parser.add_subparsers(metavar="ACTION")


Command = Callable[[Settings, argparse.Namespace], int]

SERVE = "run"
SANDBOX = "sandbox"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python app.py", description="Handoff for Slack")
    parser.set_defaults(command=SERVE, handler=None, fresh=False)
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")
    sub.add_parser("run", help="run the bot (the default)").set_defaults(command=SERVE)
    sandbox = sub.add_parser(
        "sandbox",
        help="try Handoff in the browser with no Slack workspace (the default "
        "when SLACK_BOT_TOKEN is not set)",
    )
    sandbox.add_argument("--fresh", action="store_true", help="start over with a new demo")
    sandbox.set_defaults(command=SANDBOX)
    team = _group(sub, "team", "the team roster: import FILE | list")
    team_import = team.add_parser("import", help="upsert people from a roster CSV")
    team_import.add_argument("file", help="CSV with header slack_id,email,name,role,manager")
    team_import.set_defaults(handler=cmd_team_import)
    team.add_parser("list", help="show the roster").set_defaults(handler=cmd_team_list)
    leads = _group(sub, "leads", "leads: import FILE.csv | forget (--email ADDRESS | --id ID)")
    leads_import = leads.add_parser("import", help="import leads from CSV (same fields as the API)")
    leads_import.add_argument("file")
    leads_import.set_defaults(handler=cmd_leads_import)
    forget = leads.add_parser(
        "forget", help="erase a lead's personal data here and in the Slack messages that show it"
    )
    which = forget.add_mutually_exclusive_group(required=True)
    which.add_argument("--email", metavar="ADDRESS", help="every lead with this email")
    which.add_argument("--id", metavar="ID", help="the lead with this id in your CRM")
    forget.add_argument(
        "--dry-run", action="store_true", help="say what it would do, change nothing"
    )
    forget.set_defaults(handler=cmd_leads_forget)
    digest = sub.add_parser("digest", help="send today's manager digests now (any day or hour)")
    digest.add_argument("--manager", metavar="SLACK_ID", help="only this manager's digest")
    digest.add_argument("--dry-run", action="store_true", help="print the digests, send nothing")
    digest.add_argument("--again", action="store_true", help="resend even if sent today")
    digest.set_defaults(handler=cmd_digest)
    report = _group(sub, "report", "reports: weekly | export")
    weekly = report.add_parser("weekly", help="send last week's sync report now (once a week)")
    weekly.add_argument("--week", metavar="YYYY-Www", help="that ISO week, e.g. 2026-W47")
    weekly.add_argument(
        "--dry-run", action="store_true", help="print it and write the chart; send nothing"
    )
    weekly.set_defaults(handler=cmd_report_weekly)
    export = report.add_parser("export", help="one row per lead, as CSV or JSON, to stdout")
    export.add_argument("--since", metavar="DATE", help="leads that arrived on or after DATE")
    export.add_argument("--until", metavar="DATE", help="leads that arrived on or before DATE")
    export.add_argument("--format", default="csv", help="csv (the default) or json")
    export.set_defaults(handler=cmd_report_export)
    sources = _group(sub, "sources", "the lead sources of sources.toml: list | test | log")
    sources.add_parser("list", help="each source's path, auth and last requests").set_defaults(
        handler=cmd_sources_list
    )
    sources_test = sources.add_parser(
        "test", help="show the leads a saved payload becomes (stores nothing)"
    )
    sources_test.add_argument("name")
    sources_test.add_argument("file")
    sources_test.set_defaults(handler=cmd_sources_test)
    sources_log = sources.add_parser("log", help="a source's last 100 requests")
    sources_log.add_argument("name")
    sources_log.set_defaults(handler=cmd_sources_log)
    db = _group(sub, "db", "the database: upgrade | prune")
    db.add_parser("upgrade", help="apply migrations").set_defaults(handler=cmd_db_upgrade)
    db_prune = db.add_parser(
        "prune", help="delete what is past RETENTION now (the hourly job does it too)"
    )
    db_prune.add_argument("--dry-run", action="store_true", help="count, delete nothing")
    db_prune.set_defaults(handler=cmd_db_prune)
    return parser


def parse(argv: Sequence[str]) -> argparse.Namespace:
    """The parsed command line (`.env` loaded first). `args.handler` is set for the commands
    defined here; otherwise `args.command` names a serving command (`SERVE` or `SANDBOX`)."""
    load_dotenv(override=False)
    return build_parser().parse_args(argv)


def execute(args: argparse.Namespace, serve: Command | None = None) -> int:
    """Run `args.handler` (or `serve` for a serving command) and turn failures into exit codes."""
    handler: Command | None = args.handler or serve
    assert handler is not None, f"no handler for {args.command!r}"
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    configure_logging(settings.log_level, settings.log_format)
    if args.handler is not None:  # the commands defined here all use the database
        print(database_line(settings.database_url), file=sys.stderr)
    try:
        return handler(settings, args)
    except ConfigError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except CliError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except DatabaseUnavailable as exc:
        print(f"Database error: {exc}", file=sys.stderr)
        return EXIT_DATABASE
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # the last boundary: one line, details in the log
        logging.getLogger("handoff").debug("command failed", exc_info=True)
        print(f"Error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
