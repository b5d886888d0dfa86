"""The ``teleglas`` command line.

Every subcommand but the TUI ones runs without importing Textual (``run --headless`` proves the
engine/UI split on each run).  Common options (``--config``, ``--data-dir``) are accepted before or
after the subcommand.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import sys
import textwrap
import traceback
from collections.abc import Callable, Sequence

from engine.arguments import number
from engine.errors import RunError, UsageError
from engine.locations import DEMO_FAST_FORWARD_S, DEMO_RECORDING, DEMO_SPEED
from engine.recording import RecordingError
from engine.secrets import redact
from engine.settings import SettingsError

EPILOG = """\
Settings: --config PATH, else $TELEGLAS_CONFIG, else ./config/teleglas.yaml, else
~/.config/teleglas/teleglas.yaml ($XDG_CONFIG_HOME/teleglas), else defaults; `teleglas init` writes
the commented one there. Any setting can be overridden as TELEGLAS__SECTION__KEY=value
(e.g. TELEGLAS__GATE__MIN_CONFIDENCE=75).
Secrets (COINGLASS_API_KEY, TELEGRAM_BOT_TOKEN, TELEGRAM_CHAT_ID) come from the environment,
./.env, ./config/secrets.env or ~/.config/teleglas/secrets.env (`teleglas init` writes the
template), and are never printed.
Data (the databases, logs): --data-dir PATH, else $TELEGLAS_DATA_DIR, else $XDG_DATA_HOME/teleglas,
else ~/.local/share/teleglas.
Exit status: 0 done; 2 something given cannot be used (an option, a setting, a recording, an output
path); 1 the work could not be done (no database yet, a disk or database fault).
"""


MAX_SPEED = 10_000.0
MAX_DURATION_S = 366 * 86_400.0  # a year: longer runs simply leave --duration out
MAX_LINE = 300  # characters of an error line (a bad value is quoted, not dumped)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        """One line, like every other start-up error, instead of argparse's usage block."""
        message = re.sub(r"^argument (\S+): (?=\1 )", "", message)
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def _ranged(option: str, low: float, high: float, *, low_open: bool = False,
            expect: str = "") -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            return number(option, text, low, high, low_open=low_open, expect=expect)
        except UsageError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
    return parse


SPEED = _ranged("--speed", 0, MAX_SPEED, expect=f"0 (as fast as possible) to {MAX_SPEED:g}")
SPEED_HELP = f"replay speed factor (default 1; 0 = as fast as possible; at most {MAX_SPEED:g})"


def _common(parser: argparse.ArgumentParser, *, top: bool) -> None:
    # On subparsers the default is SUPPRESS so a value given before the subcommand survives.
    default = None if top else argparse.SUPPRESS
    parser.add_argument("--config", metavar="PATH", default=default,
                        help="settings file (default: $TELEGLAS_CONFIG, ./config/teleglas.yaml, "
                             "~/.config/teleglas/teleglas.yaml, built-in)")
    parser.add_argument("--data-dir", metavar="PATH", default=default,
                        help="where the SQLite database (teleglas.db; replays use teleglas-replay.db) and logs live "
                             "(default: $TELEGLAS_DATA_DIR, else $XDG_DATA_HOME/teleglas, else ~/.local/share/teleglas)")
    parser.add_argument("-v", "--verbose", action="store_true", default=False if top else argparse.SUPPRESS,
                        help="say more: with run, every signal update and feed event; with any command, "
                             "the traceback behind an error")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("teleglas")
    except PackageNotFoundError:  # a checkout run without `pip install`
        return "(not installed)"


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="teleglas",
        description="Live monitor for crypto-derivatives liquidations, whale flow and stop hunts.\n"
                    "Without a command: the terminal monitor (press ? in it for the keys).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _common(parser, top=True)
    parser.add_argument("--version", action="version", version=f"teleglas {_version()}")
    parser.add_argument("--replay", metavar="FILE", help="run the TUI on a recording instead of live feeds")
    parser.add_argument("--speed", type=SPEED, default=1.0, help=SPEED_HELP)
    parser.add_argument("--loop", action="store_true", help="replay the recording again when it ends")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = sub.add_parser("demo", help="the TUI replaying the bundled real recording (no key, no network)",
                          formatter_class=argparse.RawDescriptionHelpFormatter,
                          description=textwrap.fill(
                              "The TUI replaying the bundled recording (84 real minutes of Binance liquidations "
                              "and large trades, 2025-12-27) in a loop. Each pass opens "
                              f"{DEMO_FAST_FORWARD_S // 60} minutes in, the minutes before replayed at once. Needs "
                              "no key and no network.", 78)
                          # On a line of its own and never wrapped (argparse breaks at the hyphen of
                          # site-packages): it is there to be copied.
                          + f"\n\nThe recording (for run --headless --replay and backtest too):\n  {DEMO_RECORDING}")
    demo.add_argument("--speed", type=SPEED, default=DEMO_SPEED,
                      help=f"replay speed factor (default {DEMO_SPEED:g}; 1 = real time; 0 = as fast as possible; "
                           f"at most {MAX_SPEED:g})")
    _common(demo, top=False)

    run = sub.add_parser("run", help="the service without a UI (for systemd, tmux or scripts)",
                         description="Run feeds → engine → store/Telegram with no UI. Logs to stderr (or --log-file).")
    run.add_argument("--headless", action="store_true", help="no UI (required; the TUI is plain `teleglas`)")
    run.add_argument("--replay", metavar="FILE", help="replay a recording instead of the live feeds")
    run.add_argument("--speed", type=SPEED, default=1.0, help=SPEED_HELP)
    run.add_argument("--loop", action="store_true", help="replay the recording again when it ends")
    run.add_argument("--duration", type=_ranged("--duration", 0, MAX_DURATION_S, low_open=True,
                                                expect=f"more than 0 seconds and at most {MAX_DURATION_S:,.0f} (a year)"),
                     metavar="S",
                     help="stop after S seconds of wall-clock time (more than 0, at most a year)")
    run.add_argument("--record", metavar="FILE", help="record every raw message to FILE (.gz compresses)")
    run.add_argument("--log-file", metavar="FILE", help="log here instead of stderr")
    _common(run, top=False)

    bt = sub.add_parser("backtest", help="replay recordings as fast as possible through the full engine",
                        description="Replay recordings through the full engine as fast as possible and print "
                                    "throughput and signal/outcome statistics.")
    bt.add_argument("files", nargs="+", metavar="FILE", help="recordings (.jsonl, .jsonl.gz or .jsonl.zst), replayed in order")
    bt.add_argument("--json", action="store_true", help="print one JSON object instead of the summary")
    bt.add_argument("--report", action="store_true",
                    help="also print the signal-quality report: hit rates with 95%% intervals against a "
                         "random-time baseline, outcomes, calibration, and charts")
    bt.add_argument("--set", action="append", metavar="SECTION.KEY=V1,V2", default=[],
                    help="sweep: run every combination of these values (repeatable) through its own engine "
                         "over one decode of the files; prints one row of headline figures per combination")
    bt.add_argument("--signals-out", metavar="FILE", help="write one JSON object per signal (JSON Lines)")
    bt.add_argument("--progress", choices=("auto", "on", "off"), default="auto",
                    help="progress bar on stderr (auto: when stderr is a terminal)")
    _common(bt, top=False)

    export = sub.add_parser("export", help="export signal history or baselines as CSV",
                            description="Export data from the database as CSV.")
    export.add_argument("what", choices=("signals", "baselines"), help="signals: every signal with its outcome; baselines: scorer win-rate averages and "
                             "per-coin normal volumes, funding and OI")
    export.add_argument("--csv", metavar="FILE", required=True, help="output file ('-' for stdout)")
    export.add_argument("--replay-db", action="store_true",
                        help="read the database replays and the demo keep (teleglas-replay.db), not the live one")
    _common(export, top=False)

    init = sub.add_parser("init", help="write the config and the secrets template to ~/.config/teleglas",
                          description="Write teleglas.yaml (every setting at its default, with comments) and "
                                      "secrets.env (the secrets' names, empty; readable by you alone) to "
                                      "$XDG_CONFIG_HOME/teleglas, else ~/.config/teleglas, where teleglas reads "
                                      "them from any directory. A file already there is kept, never overwritten.")
    _common(init, top=False)

    doctor = sub.add_parser("doctor", help="check config, secrets, database, Telegram and feeds",
                            description="Check config, the secrets files and where each secret came from (never "
                                        "its value), the database, Telegram getMe and each enabled feed, and show "
                                        "what the running (or last) service saw per feed: its frames and when the "
                                        "last came, rejections by reason, the symbols a venue refused. One line per "
                                        "check; creates and changes nothing; exit code 2 if the config does not "
                                        "load, else 1 if any check fails.")
    _common(doctor, top=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Every command under one rule: a failure is one line on stderr, exit status 2 when
    something the user gave cannot be used, 1 when the work could not be done; the traceback
    only with ``-v``."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error already printed as one line
        return exc.code if isinstance(exc.code, int) else 0
    try:
        return _run(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader of stdout went away (`| head`): as if killed by SIGPIPE, quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # the exit's flush must not fail too
        return 128 + signal.SIGPIPE
    except Exception as exc:
        status, line = explain(exc)
        if args.verbose:
            traceback.print_exc()
        print(f"teleglas: {line}", file=sys.stderr)
        return status


# What the user gave cannot be used: exit status 2.  (ServiceError: the service cannot start as
# configured, e.g. no live feed can run or --record cannot be written.)
_USAGE: tuple[type[Exception], ...] = (UsageError, SettingsError, RecordingError)


def explain(exc: Exception) -> tuple[int, str]:
    """The exit status and the one line for a failure that ended a command."""
    from engine.service import (
        ServiceError,  # imported late: the service pulls in every feed
    )

    if isinstance(exc, (*_USAGE, ServiceError)):
        status, text = 2, str(exc)
    elif isinstance(exc, RunError):
        status, text = 1, str(exc)
    elif isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename else ""
        status, text = 1, f"{where}{exc.strerror or exc} (check the path, its permissions and free space)"
    elif isinstance(exc, MemoryError):
        status, text = 1, "out of memory"
    else:
        status, text = 1, (f"unexpected {type(exc).__name__}: {exc} (a bug: run again with -v and "
                           "report the traceback)")
    line = redact(" ".join(text.split()))
    return status, line if len(line) <= MAX_LINE else line[: MAX_LINE - 1] + "…"


def _run(args: argparse.Namespace) -> int:
    command = args.command
    if command == "backtest":
        from engine.backtest import main as backtest_main

        return backtest_main(args)
    if command == "run":
        if not args.headless:
            raise UsageError("run needs --headless (the TUI is plain `teleglas`)")
        from engine.headless import main as headless_main

        return headless_main(args)
    if command == "export":
        from engine.export import main as export_main

        return export_main(args)
    if command == "doctor":
        from engine.doctor import main as doctor_main

        return doctor_main(args)
    if command == "init":
        from engine.user_files import main as init_main

        return init_main(args)
    from teleglas_tui.launch import main as tui_main

    return tui_main(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
