"""Run the emulator as a dev server: ``python -m emulator --port 8081 --token ...``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal

from .events import describe
from .server import BotAPIEmulator


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default="123456:TEST-TOKEN")
    parser.add_argument("--bot-username", default="gridbot")
    parser.add_argument("--bot-id", type=int, default=None)
    parser.add_argument("--no-limits", action="store_true", help="disable flood limits")
    parser.add_argument("--global-per-second", type=int, default=30)
    parser.add_argument("--per-chat-per-minute", type=int, default=20)
    parser.add_argument("--privacy-mode", action="store_true")
    parser.add_argument("--echo", action="store_true", help="print chat activity live")
    return parser.parse_args(argv)


async def echo(emulator: BotAPIEmulator) -> None:
    seq = 0
    while True:
        for event in await emulator.runtime.state.events.wait(seq, 30.0):
            seq = max(seq, event["seq"])
            print(describe(event), flush=True)
        await asyncio.sleep(0)


async def serve(args: argparse.Namespace) -> None:
    emulator = BotAPIEmulator(
        token=args.token,
        host=args.host,
        port=args.port,
        limits=not args.no_limits,
        global_per_second=args.global_per_second,
        per_chat_per_minute=args.per_chat_per_minute,
        bot_username=args.bot_username,
        bot_id=args.bot_id,
        privacy_mode=args.privacy_mode,
    )
    await emulator.start()
    print(f"Telegram Bot API emulator listening on {emulator.base_url}", flush=True)
    print(f"control API: {emulator.control_url}   bot token: {args.token}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    watcher = asyncio.create_task(echo(emulator)) if args.echo else None
    try:
        await stop.wait()
    finally:
        if watcher is not None:
            watcher.cancel()
        await emulator.stop()


def main(argv: list[str] | None = None) -> None:
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(parse_args(argv)))


if __name__ == "__main__":
    main()
