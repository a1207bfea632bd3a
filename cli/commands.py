"""What each `gridbot` subcommand does; cli.main only parses arguments."""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import timedelta
from pathlib import Path

from cli.console import start_beside, stop_signal
from cli.totals import rebuild_if_needed
from core.clock import Clock
from core.config import ConfigError, Settings
from core.db import (
    DatabaseUnavailable,
    SchemaOutOfDate,
    current_revision,
    head_revision,
    make_session_factory,
    open_engine,
    session_scope,
    upgrade,
)
from core.logsetup import setup_logging
from core.timezone import cli_time, district_zone
from models.access import Refused
from models.demo_data import generate_district
from models.group_service import create_bind_token
from models.importer import ImportFailed, export_file, import_file
from models.treefile import write_csv, write_yaml

log = logging.getLogger("gridbot")


def _settings(args: argparse.Namespace) -> Settings:
    settings: Settings = args.settings
    return settings


async def run(args: argparse.Namespace) -> int:
    settings = _settings(args)
    token = settings.require_token()
    secret = settings.telegram.webhook_secret
    setup_logging(settings.logging.level, [token, secret.get_secret_value() if secret else ""])
    # An unreachable database or an old schema stops here, before the slow imports below.
    await (await open_engine(settings.database.url)).dispose()
    from bot.runtime import BotRuntime  # aiogram takes seconds to import; only `run` needs it

    runtime = BotRuntime(settings)
    console = None
    stop = stop_signal()
    try:
        if args.webhook:
            await runtime.start_webhook()
        else:
            await runtime.start_polling()
        if args.console:  # the same database, clock and process as the bot
            console = await start_beside(
                settings, runtime.session_factory, runtime.clock, runtime.console_hooks()
            )
        await stop.wait()
    except (SchemaOutOfDate, ConfigError, DatabaseUnavailable):
        raise
    except Exception as exc:
        # Logged (and so redacted) rather than a raw traceback that could carry the token.
        log.error("bot stopped: %s: %s", type(exc).__name__, exc)
        return 1
    finally:
        if console is not None:
            await console.cleanup()
        await runtime.stop()
    return 0


async def db_upgrade(args: argparse.Namespace) -> int:
    engine = await open_engine(_settings(args).database.url, schema=False)
    try:
        before = await current_revision(engine)
        await upgrade(engine)
        after = await current_revision(engine)
        counted = await rebuild_if_needed(engine, _settings(args))
    finally:
        await engine.dispose()
    print(f"schema: {before or 'empty'} -> {after}" if before != after else f"schema at {after}")
    if counted:
        print(counted)
    return 0


async def db_current(args: argparse.Namespace) -> int:
    engine = await open_engine(_settings(args).database.url, schema=False)
    try:
        current = await current_revision(engine)
    finally:
        await engine.dispose()
    print(f"current: {current or 'empty'}; code needs: {head_revision()}")
    return 0 if current == head_revision() else 1


async def import_tree(args: argparse.Namespace) -> int:
    engine = await open_engine(_settings(args).database.url)
    try:
        report = await import_file(Path(args.file), make_session_factory(engine))
    except ImportFailed as exc:
        for error in exc.errors:
            print(f"{args.file}:{error.line}: {error.reason}", file=sys.stderr)
        print(
            f"import aborted: {len(exc.errors)} bad row(s); nothing was changed", file=sys.stderr
        )
        return 1
    finally:
        await engine.dispose()
    print(report.summary())
    return 0


async def export_tree(args: argparse.Namespace) -> int:
    engine = await open_engine(_settings(args).database.url)
    try:
        rows = await export_file(Path(args.file), make_session_factory(engine))
    finally:
        await engine.dispose()
    if args.file != "-":
        print(f"exported {rows} rows to {args.file}")
    return 0


async def demo_data(args: argparse.Namespace) -> int:
    if args.grids < 1:
        print("gridbot: --grids must be at least 1", file=sys.stderr)
        return 2
    nodes, staff = generate_district(grids=args.grids, seed=args.seed)
    as_yaml = args.output.endswith((".yaml", ".yml"))
    text = write_yaml(nodes, staff) if as_yaml else write_csv(nodes, staff)
    if args.output == "-":
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"wrote {len(nodes)} nodes and {len(staff)} staff rows to {args.output}")
    return 0


async def bind_token(args: argparse.Namespace) -> int:
    settings = _settings(args)
    minutes = args.ttl_minutes or settings.binding.token_ttl_minutes
    engine = await open_engine(settings.database.url)
    try:
        async with session_scope(make_session_factory(engine)) as session:
            token = await create_bind_token(
                session, args.code, timedelta(minutes=minutes), Clock().now(), args.by
            )
    except LookupError as exc:
        print(f"gridbot: {exc.args[0]}", file=sys.stderr)
        return 1
    except Refused:
        print(f"gridbot: user {args.by} is not staff covering {args.code}", file=sys.stderr)
        return 1
    finally:
        await engine.dispose()
    print(token.token)
    print(
        f"single use; valid until {cli_time(token.expires_at, district_zone(settings))}; "
        f"in the group send: /bind {token.token}",
        file=sys.stderr,
    )
    return 0


async def classify(args: argparse.Namespace) -> int:
    from classify.cli import run as classify_stdin
    from classify.validation import DictionaryError

    try:
        return classify_stdin(sys.stdin, sys.stdout, args.dictionary, args.dictionary_only)
    except (DictionaryError, OSError) as exc:
        print(f"gridbot: {exc}", file=sys.stderr)
        return 2


async def classify_train(args: argparse.Namespace) -> int:
    import json

    try:
        from classify.train import train
    except ImportError as exc:  # scikit-learn is the optional [train] extra
        print(f'gridbot: training needs pip install -e ".[train]" ({exc})', file=sys.stderr)
        return 2
    from classify.learned import DEFAULT_MODEL

    dictionary = Path(args.dictionary) if args.dictionary else None
    summary = train(Path(args.out) if args.out else DEFAULT_MODEL, dictionary)
    print(json.dumps(summary, ensure_ascii=False))
    return 0


async def classify_eval(args: argparse.Namespace) -> int:
    from classify.evaluate import main as evaluate_main
    from classify.validation import DictionaryError

    argv = [args.file, *(["--errors"] if args.errors else [])]
    if args.dictionary:
        argv += ["--dictionary", args.dictionary]
    if args.dictionary_only:
        argv.append("--dictionary-only")
    try:
        return evaluate_main(argv)
    except (DictionaryError, OSError, ValueError, KeyError) as exc:
        print(f"gridbot: {exc}", file=sys.stderr)
        return 2


async def demo(args: argparse.Namespace) -> int:
    from demo.ticker import TICKER  # standard library only: says "still loading" from here on

    TICKER.start()
    try:
        TICKER.say("== gridbot demo: loading the bot, the emulator and a demo district")
        TICKER.doing("正在加载机器人")
        from demo.runner import run_demo

        then = None
        if args.console:
            from cli.demo_console import console_after_demo

            then = console_after_demo(_settings(args).console)
        return await run_demo(Path(args.db), discard=args.discard, then=then)
    finally:
        TICKER.stop()


async def emulator(args: argparse.Namespace) -> int:
    from emulator.__main__ import parse_args, serve

    argv = ["--port", str(args.port)] + ["--no-limits"] * args.no_limits + ["--echo"] * args.echo
    await serve(parse_args(argv))
    return 0


async def audit(args: argparse.Namespace) -> int:
    from cli.audit import audit as show_audit_log

    return await show_audit_log(args)
