"""``teleglas``, ``teleglas demo`` and ``teleglas --replay FILE``: check what the user gave, build
the service, run the app.

Everything that can be wrong before the screen opens (a missing, foreign or damaged recording, a
negative speed, an unusable data directory, no live feed that can run; a bad setting is reported by
the command line) stops with one line on stderr and exit code 2, instead of a traceback under a
full-screen UI.  Logs go to ``<data dir>/teleglas-tui.log``: the terminal belongs to the UI.
"""

from __future__ import annotations

import argparse
import gc
import logging
import sys
from pathlib import Path

from engine.locations import DEMO_RECORDING, data_dir
from engine.recording import RecordingError, read_header
from engine.secrets import load_secrets
from engine.service import Service, ServiceError
from engine.settings import load_for_command
from teleglas_tui.app import TeleglasApp

LOG_NAME = "teleglas-tui.log"


def _fail(message: str) -> int:
    print(f"teleglas: {message}", file=sys.stderr)
    return 2


def main(args: argparse.Namespace) -> int:
    settings = load_for_command(args)  # a bad setting: one line and exit 2, from the command line
    if args.command == "demo":
        replay, loop = DEMO_RECORDING, True
    else:
        replay, loop = (Path(args.replay) if args.replay else None), args.loop
    if args.speed < 0:
        return _fail(f"--speed must be 0 (as fast as possible) or more, got {args.speed:g}")
    if replay is not None:
        try:
            read_header(replay)
        except OSError as exc:
            return _fail(f"cannot read recording {replay}: {exc.strerror}")
        except RecordingError as exc:
            return _fail(str(exc))
    data = data_dir(args.data_dir)
    try:
        data.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return _fail(f"cannot create the data directory {data}: {exc.strerror}")
    logging.basicConfig(filename=data / LOG_NAME, level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    service = Service(settings, load_secrets(), data_dir=data, replay=replay, speed=args.speed, loop=loop,
                      hold=True)
    try:
        service.check()
    except ServiceError as exc:
        return _fail(str(exc))
    app = TeleglasApp(service, settings)
    # Everything alive now (modules, classes, settings) lives as long as the process: kept out
    # of the garbage collector's full passes, which otherwise walk it all every few seconds.
    gc.freeze()
    app.run()
    return app.return_code or 0
