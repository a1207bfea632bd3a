"""The `gridbot` command line: one console script, a subcommand per job."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Coroutine
from typing import Any

from sqlalchemy.exc import OperationalError

from cli import commands
from cli import console as console_cli
from cli import marks as marks_cli
from cli import stats as stats_cli
from core.config import ConfigError, load_settings
from core.db import DatabaseUnavailable, SchemaOutOfDate

Command = Callable[[argparse.Namespace], Coroutine[Any, Any, int]]


def _broadcast_command(name: str) -> Command:
    """A command of cli/broadcast.py, imported when it runs: that module loads the whole
    broadcast engine (about a second), which no other command needs."""

    async def command(args: argparse.Namespace) -> int:
        from cli import broadcast as broadcast_cli

        func: Command = getattr(broadcast_cli, name)
        return await func(args)

    return command


CONFIG_HELP = "TOML config file (default: ./config.toml if any)"


class _Commands(argparse._SubParsersAction):  # type: ignore[type-arg]
    """Every sub-command gets its one-line help as the description of its --help page, and
    accepts --config after its name (`gridbot run --config x`) as well as before it."""

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser:
        kwargs.setdefault("description", kwargs.get("help"))
        parser: argparse.ArgumentParser = super().add_parser(name, **kwargs)
        # SUPPRESS: a --config given before the sub-command is not overwritten with None.
        parser.add_argument("--config", "-c", default=argparse.SUPPRESS, help=CONFIG_HELP)
        return parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gridbot", description="Micro-grid (微网格) group bot for a whole district."
    )
    parser.add_argument("--config", "-c", help=CONFIG_HELP)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", action=_Commands)

    run = sub.add_parser("run", help="run the bot against Telegram (polling by default)")
    run.add_argument("--webhook", action="store_true", help="receive updates by webhook")
    run.add_argument(
        "--console", action="store_true", help="also serve the web console ([console] host:port)"
    )
    run.set_defaults(func=commands.run)

    db = sub.add_parser("db", help="database schema management")
    db_sub = db.add_subparsers(
        dest="db_command", required=True, metavar="ACTION", action=_Commands
    )
    db_sub.add_parser("upgrade", help="apply every pending migration").set_defaults(
        func=commands.db_upgrade
    )
    db_sub.add_parser("current", help="show the schema revision").set_defaults(
        func=commands.db_current
    )

    imp = sub.add_parser("import", help="import the tree and staff from a CSV or YAML file")
    imp.add_argument("file", help="a .csv, .yaml or .yml file")
    imp.set_defaults(func=commands.import_tree)

    exp = sub.add_parser("export", help="export the tree and staff (same format as import)")
    exp.add_argument("file", help="target .csv, .yaml or .yml file ('-' for CSV on stdout)")
    exp.set_defaults(func=commands.export_tree)

    demo_data = sub.add_parser("demo-data", help="generate a realistic district as CSV or YAML")
    demo_data.add_argument("--grids", type=int, default=8, help="micro-grids (3170 = Pinggu)")
    demo_data.add_argument("--seed", type=int, default=7, help="random seed for names")
    demo_data.add_argument("--output", "-o", default="-", help="file (.csv/.yaml) or - for stdout")
    demo_data.set_defaults(func=commands.demo_data)

    token = sub.add_parser("bind-token", help="issue a one-time token to bind a group to a node")
    token.add_argument("code", help="node code, e.g. PG-03-012-05")
    token.add_argument("--ttl-minutes", type=int, help="validity (default binding.token_ttl)")
    token.add_argument(
        "--by",
        type=int,
        metavar="TELEGRAM_USER_ID",
        help="staff member issuing it: the token may then also move a group bound to a node "
        "they cover (without --by it binds only unbound groups)",
    )
    token.set_defaults(func=commands.bind_token)

    bc = sub.add_parser("broadcast", help="queue a message to every group under a node")
    bc.add_argument("--to", required=True, help="node code: the district, a town, a community…")
    bc.add_argument("--text", help="message text")
    bc.add_argument("--photo", help="a photo file or Telegram file id (text becomes its caption)")
    bc.add_argument("--pin", action="store_true", help="pin the message in every group")
    bc.add_argument("--read-button", action="store_true", help="add a 已阅 button to every copy")
    bc.add_argument(
        "--at", help="send later: ISO (2026-12-01T09:00+08:00) or district time ('明天 8:00')"
    )
    bc.add_argument("--no-wait", action="store_true", help="queue and exit without progress")
    bc.set_defaults(func=_broadcast_command("broadcast"))

    bcs = sub.add_parser("broadcasts", help="list past and queued broadcasts with their figures")
    bcs.add_argument("--limit", type=int, default=20)
    bcs.add_argument("--scheduled", action="store_true", help="only scheduled ones not yet sent")
    bcs.add_argument("--cancel", type=int, metavar="N", help="cancel broadcast N")
    bcs.add_argument("--id", type=int, metavar="N", help="broadcast N: delivery and 已阅 roll-up")
    bcs.set_defaults(func=_broadcast_command("broadcasts"))

    classify = sub.add_parser(
        "classify", help="classify messages from stdin, one per line, as JSON lines"
    )
    classify.add_argument("--dictionary", help="keyword file (default: the shipped one)")
    classify.add_argument(
        "--dictionary-only", action="store_true", help="the keyword dictionary without the model"
    )
    classify.set_defaults(func=commands.classify)
    classify_sub = classify.add_subparsers(
        dest="classify_command", metavar="ACTION", action=_Commands
    )
    train = classify_sub.add_parser(
        "train", help="retrain the learned model from the corpora (needs the [train] extra)"
    )
    train.add_argument("--out", help="model file (default: classify/data/model.npz)")
    train.set_defaults(func=commands.classify_train)
    evaluate = classify_sub.add_parser(
        "eval", help="accuracy, urgent recall, false alarms and confusion on a labelled TSV"
    )
    evaluate.add_argument("file", help="TSV: text, category, priority")
    evaluate.add_argument("--errors", action="store_true", help="list every misclassification")
    # also accepted after `eval`; SUPPRESS keeps a value given before it
    evaluate.add_argument("--dictionary", default=argparse.SUPPRESS, help="keyword file")
    evaluate.add_argument(
        "--dictionary-only", action="store_true", default=argparse.SUPPRESS, help="no model"
    )
    evaluate.set_defaults(func=commands.classify_eval)
    marks_cli.add_parsers(classify_sub)  # export-marks

    demo = sub.add_parser("demo", help="play a scripted session against a local emulator")
    demo.add_argument(
        "--db",
        default="gridbot-demo.db",
        help="the demo's SQLite file, kept afterwards "
        "(default: ./gridbot-demo.db, replaced on each run)",
    )
    demo.add_argument("--discard", action="store_true", help="delete the demo database at exit")
    demo.add_argument(
        "--console",
        action="store_true",
        help="afterwards serve the web console on the demo data ([console] host:port) with a "
        "login link printed, until Ctrl-C",
    )
    demo.set_defaults(func=commands.demo)

    emu = sub.add_parser("emulator", help="run the Bot API emulator as a local dev server")
    emu.add_argument("--port", type=int, default=8081)
    emu.add_argument("--no-limits", action="store_true", help="do not enforce rate limits")
    emu.add_argument("--echo", action="store_true", help="print every chat's activity live")
    emu.set_defaults(func=commands.emulator)

    aud = sub.add_parser("audit", help="the staff audit log: every command and button press")
    aud.add_argument("--since", required=True, help="a day (2026-11-24) or an ISO time")
    aud.add_argument("--person", help="only this person (their key, e.g. W0001)")
    aud.set_defaults(func=commands.audit)

    stats_cli.add_parsers(sub)  # stats, export-tickets
    console_cli.add_parsers(sub)  # console, console-link
    return parser


# What a person can fix (the config, the database URL, the schema): one line each, no traceback.
PERSONS_FAULTS = (ConfigError, SchemaOutOfDate, DatabaseUnavailable, OperationalError)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.settings = load_settings(args.config)
        func: Command = args.func
        return asyncio.run(func(args))
    except PERSONS_FAULTS as exc:
        print(f"gridbot: {_one_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _one_line(exc: Exception) -> str:
    if isinstance(exc, OperationalError):  # e.g. a read-only database file met while migrating
        return f"database error: {str(exc.orig).splitlines()[0]}"
    return str(exc).splitlines()[0]


if __name__ == "__main__":
    sys.exit(main())
