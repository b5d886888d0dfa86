"""``teleglas``, ``teleglas demo`` and ``teleglas --replay FILE``: check what the user gave, build
the service, run the app.

Everything that can be wrong before the screen opens (a missing, foreign or damaged recording, an
unusable data directory, no live feed that can run, a bad setting, a database held by another
teleglas or written by a newer one) raises its one-line error before the screen is taken; the
command line prints it and exits (2, or 1 for the database), never a traceback under a full-screen
UI.  Logs go to ``<data dir>/teleglas-tui.log``: the terminal belongs to the UI.
"""

from __future__ import annotations

import argparse
import gc
import logging
import sys

from engine.arguments import recording
from engine.errors import UsageError
from engine.locations import DEMO_FAST_FORWARD_S, DEMO_RECORDING, data_dir
from engine.secrets import load_secrets
from engine.service import Service
from engine.settings import load_for_command
from engine.store import db_path
from engine.store.claim import claim_database
from teleglas_tui.app import TeleglasApp

LOG_NAME = "teleglas-tui.log"


def main(args: argparse.Namespace) -> int:
    settings = load_for_command(args)  # a bad setting: one line and exit 2, from the command line
    if args.command == "demo":
        replay, loop, fast_forward_s = DEMO_RECORDING, True, DEMO_FAST_FORWARD_S
    else:
        replay, loop, fast_forward_s = (recording("--replay", args.replay) if args.replay else None), args.loop, 0.0
    data = data_dir(args.data_dir)
    try:
        data.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create the data directory {data}: {exc.strerror}") from None
    try:
        logging.basicConfig(filename=data / LOG_NAME, level=logging.INFO,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    except OSError as exc:  # a read-only data directory: the monitor runs, the header shows the database
        print(f"teleglas: cannot write the log {data / LOG_NAME}: {exc.strerror}; running without it",
              file=sys.stderr)

    service = Service(settings, load_secrets(), data_dir=data, replay=replay, speed=args.speed, loop=loop,
                      fast_forward_s=fast_forward_s, hold=True)
    service.check()
    claim = claim_database(db_path(data, replay=replay is not None), f"teleglas {args.command or 'monitor'}")
    if claim.note:  # in the log, and on the terminal once the screen closes
        logging.warning("%s", claim.note)
        print(f"teleglas: {claim.note}", file=sys.stderr)
    try:
        app = TeleglasApp(service, settings)
        # Everything alive now (modules, classes, settings) lives as long as the process: kept out
        # of the garbage collector's full passes, which otherwise walk it all every few seconds.
        gc.freeze()
        app.run()
        return app.return_code or 0
    finally:
        claim.release()
