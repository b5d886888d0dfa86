"""The teleglas Textual app: runs the service on its own asyncio loop and shows it.

The service (feeds → engine → store/Telegram) runs as a worker of this app; the screens only
read ``service.snapshot()`` on a timer.  The panes ask for coin changes with messages, and this
is the one place that applies them to ``service.coins`` (the same registry Telegram's ``/mute``
uses, persisted by the store).  Quitting, SIGTERM and SIGHUP (the SSH session or tmux went away)
all end the same way: ``service.stop()`` saves state, then the app exits.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import time
from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.dom import DOMNode
from textual.notifications import Notification, Notify
from textual.screen import Screen
from textual.timer import Timer

from engine import format as fmt
from engine.secrets import redact
from engine.service import Service
from engine.settings import Settings
from engine.snapshot import ServiceSnapshot
from engine.symbols import canonical
from teleglas_tui.coin_detail_screen import CoinDetailScreen
from teleglas_tui.flow_table import FlowTable
from teleglas_tui.hangup import detach_terminal
from teleglas_tui.help_screen import HelpScreen
from teleglas_tui.liquidation_tape import LiquidationTape
from teleglas_tui.messages import CoinAction, CoinChosen, SignalChosen
from teleglas_tui.monitor_screen import MonitorScreen
from teleglas_tui.signal_detail_screen import SignalDetailScreen
from teleglas_tui.signal_feed import SignalFeed
from teleglas_tui.statistics_screen import StatisticsScreen
from teleglas_tui.themes import apply_themes

_STOP_TIMEOUT_S = 15.0  # a stuck sink must not keep a closed terminal's process alive
MAX_TOASTS = 3
THEME_SETTLE_S = 0.3
# Keys Textual handles itself, listed in the help with the others.
MOVING = (
    Binding("tab", "", "next pane (shift+Tab: previous)", key_display="Tab"),
    Binding("up,down", "", "move the cursor (PgUp, PgDn, Home, End too)", key_display="↑ ↓"),
    Binding("escape", "", "back, or close a prompt or a window", key_display="Esc"),
    Binding("ctrl+p", "", "command palette: every command by name, and Screenshot", key_display="ctrl+p"),
)


def _subject(notification: Notification) -> tuple[str, str]:
    return notification.severity, notification.title or notification.message.split(" ", 1)[0]


class TeleglasApp(App):
    TITLE = "teleglas"
    # Textual's compact footer leaves a cell right of the docked palette key where the keys that
    # do not fit show through ("^p palettea" at 80 columns): the key takes that cell itself.
    CSS = """
    Footer.-compact FooterKey.-command-palette { margin-right: 0; padding-right: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "statistics", "Stats", tooltip="hit rates and calibration of the signals"),
        Binding("t", "cycle_theme", "Theme", tooltip="next theme: dark, light, high-contrast"),
        Binding("P", "toggle_alerts_paused", "Pause all", key_display="P", tooltip="pause every Telegram alert (again: resume)"),
        Binding("question_mark", "help", "Help", key_display="?", tooltip="every key and what the colours and labels mean"),
        Binding("q", "quit", "Quit", tooltip="save the state and leave"),
    ]

    def __init__(self, service: Service, settings: Settings) -> None:
        super().__init__()
        self.service = service
        self.settings = settings
        self.themes, self._theme_notices = apply_themes(self, settings.ui.theme)
        self._stopping: asyncio.Task | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._previous_sighup: object = signal.SIG_DFL
        self._hung_up_on = False
        self._theme_wanted: str | None = None  # pressed for, not applied yet
        self._theme_timer: Timer | None = None
        self._theme_at = 0.0  # monotonic time of the last press

    # -- lifecycle ----------------------------------------------------------------------------

    def on_mount(self) -> None:
        self.push_screen(MonitorScreen(self.read_snapshot, self.wall_ms, self.settings, self.service.listed_coins))
        self.run_worker(self._run_service(), name="service", exit_on_error=False)
        for notice in self._theme_notices:
            self.notify(notice, title="theme", severity="warning", timeout=15)
        self._loop = asyncio.get_running_loop()
        self._loop.add_signal_handler(signal.SIGTERM, self.stop_and_exit)
        # A plain handler, not the loop's: it must run before Textual's SIGCONT handler, which the
        # kernel sends along with SIGHUP and which would redraw on the dead terminal.
        self._previous_sighup = signal.signal(signal.SIGHUP, self._hung_up)

    def on_unmount(self) -> None:
        self._loop.remove_signal_handler(signal.SIGTERM)
        signal.signal(signal.SIGHUP, self._previous_sighup)

    def _hung_up(self, signum: int, frame: object) -> None:
        """The terminal went away (SSH dropped, tmux killed): it gets nothing more, not even the
        usual restore on exit, so no write blocks and no read spins; then end as on SIGTERM."""
        self._hung_up_on = True
        signal.signal(signal.SIGCONT, signal.SIG_DFL)
        if not self.is_headless:
            detach_terminal()
        self._loop.call_soon_threadsafe(self.stop_and_exit)

    async def _run_service(self) -> None:
        # The service holds open when its data ends (a replay's end, every feed down), so the
        # screen stays and settings still save; the app says why the data ended as it happens.
        run = asyncio.ensure_future(self.service.run())
        ended = asyncio.ensure_future(self.service.ended.wait())
        await asyncio.wait([run, ended], return_when=asyncio.FIRST_COMPLETED)
        ended.cancel()
        if self.service.failure:
            self.notify(redact(self.service.failure), title="feeds gave up", severity="error", timeout=60)
        try:
            await run
        except Exception as exc:  # shown, not fatal: the last picture stays readable
            self.notify(redact(str(exc)) or exc.__class__.__name__, title="service stopped",
                        severity="error", timeout=60)

    def stop_and_exit(self) -> None:
        """Save state and leave; safe to call again while it is under way."""
        if self._stopping is None:
            self._stopping = asyncio.ensure_future(self._stop_and_exit())

    async def _stop_and_exit(self) -> None:
        try:
            await asyncio.wait_for(self.service.stop(), _STOP_TIMEOUT_S)
        except Exception as exc:
            self._leave(1, f"teleglas: state may not be saved: {redact(str(exc))}")
            return
        self._leave(0)

    def _leave(self, code: int, message: str | None = None) -> None:
        if self._hung_up_on and not self.is_headless:
            # Nothing to restore on a terminal that is gone, and Textual's input thread would
            # keep the interpreter waiting on it: the state is saved, end here.
            logging.shutdown()
            os._exit(code)
        self.exit(return_code=code, message=message)

    async def action_quit(self) -> None:
        self.stop_and_exit()

    # -- data ---------------------------------------------------------------------------------

    def read_snapshot(self) -> ServiceSnapshot:
        return self.service.snapshot()

    def wall_ms(self) -> int:
        return int(time.time() * 1000)

    # -- coin management ----------------------------------------------------------------------

    def on_coin_action(self, message: CoinAction) -> None:
        coins = self.service.coins
        coin = canonical(message.coin)[0]
        if not coin:  # "-", "PERP": a nameless row could never be selected, so never removed
            self.notify(f"{message.coin!r} names no coin", severity="warning", timeout=3, markup=False)
            return
        watched = coins.setting(coin).watched
        if message.action == "add" and watched:  # nothing changes, its alert setting neither
            alerts = "" if coins.setting(coin).alerts else " (its alerts are off: space turns them on)"
            note = f"{coin} is already on the watchlist{alerts}"
        elif message.action == "add":
            coins.add(coin)
            note = f"{coin} added to the watchlist"
        elif message.action == "remove" and not watched:
            note = f"{coin} is not on the watchlist: nothing to remove"
        elif message.action == "remove":
            coins.remove(coin)
            note = f"{coin} removed from the watchlist"
        elif message.action == "alerts":
            coins.set_alerts(coin, message.on)
            note = f"{coin} alerts {'on' if message.on else 'off'}"
        elif message.action == "mute" and message.until_ms is not None:
            coins.mute(coin, message.until_ms)
            note = f"{coin} muted for {fmt.duration((message.until_ms - self.wall_ms()) / 1000)}"
        else:
            coins.unmute(coin)
            note = f"{coin} unmuted"
        self.notify(note, timeout=3)
        self._refresh_monitor()

    def on_coin_chosen(self, message: CoinChosen) -> None:
        coin = message.coin
        service = self.service

        def fetch():
            return service.coin_detail(coin), service.coins.setting(coin)

        self.push_screen(CoinDetailScreen(coin, fetch, self.settings.ui.refresh_hz))

    def on_notify(self, event: Notify) -> None:
        """Toasts coalesce: a new one replaces those on the same subject (its title, else its
        first word: ``theme``, a coin, ``alerts``), and at most ``MAX_TOASTS`` stand at once, so
        a hundred presses of ``t`` leave one toast, not a wall of them."""
        new = event.notification
        for old in list(self._notifications):
            if _subject(old) == _subject(new):
                self._unnotify(old, refresh=False)
        for old in list(self._notifications)[: max(0, len(self._notifications) - MAX_TOASTS + 1)]:
            self._unnotify(old, refresh=False)

    def on_signal_chosen(self, message: SignalChosen) -> None:
        self.push_screen(SignalDetailScreen(message.signal, self.settings.outcomes.horizon_s))

    def _refresh_monitor(self) -> None:
        if isinstance(self.screen, MonitorScreen):
            self.screen.refresh_panes()

    # -- app keys -----------------------------------------------------------------------------

    def action_statistics(self) -> None:
        if not isinstance(self.screen, StatisticsScreen):
            self.push_screen(StatisticsScreen(self.service.stats, lambda: list(self.service.view.signals),
                                              self.service.signal_history))

    def action_cycle_theme(self) -> None:
        """The next theme.  Restyling the screen takes ~150 ms, so a burst of presses applies the
        first at once and the last one when the burst ends (``THEME_SETTLE_S``), not each: a
        hundred presses no longer hold the screen for 15 s."""
        names = [t.name for t in self.themes]
        current = self._theme_wanted or self.theme
        following = names[(names.index(current) + 1) % len(names)] if current in names else names[0]
        self._theme_wanted = following
        now = time.monotonic()
        if self._theme_timer is None and now - self._theme_at >= THEME_SETTLE_S:
            self._apply_theme()
        else:
            if self._theme_timer is not None:
                self._theme_timer.stop()
            self._theme_timer = self.set_timer(THEME_SETTLE_S, self._apply_theme)
        self._theme_at = now

    def _apply_theme(self) -> None:
        self._theme_timer = None
        if self._theme_wanted is not None:
            self.theme, self._theme_wanted = self._theme_wanted, None
            self.notify(f"theme {self.theme.removeprefix('teleglas-')}", timeout=2)

    def action_toggle_alerts_paused(self) -> None:
        if self.service.paused:
            self.service.resume_alerts()
            self.notify("alerts resumed", timeout=3)
        else:
            self.service.pause_alerts()
            self.notify("alerts paused: nothing goes to Telegram until you press P again", timeout=5)
        self._refresh_monitor()

    def action_help(self) -> None:
        self.push_screen(HelpScreen([
            ("Everywhere", [*self.BINDINGS, *MOVING]),
            ("Coins, from any pane (on the flow table's selected coin)", MonitorScreen.BINDINGS),
            ("Flow table", FlowTable.BINDINGS),
            ("Signals", SignalFeed.BINDINGS),
            ("Tape", LiquidationTape.BINDINGS),
            ("Signal detail", SignalDetailScreen.BINDINGS),
            ("Coin detail (the coin keys act on its coin) and statistics", CoinDetailScreen.BINDINGS),
        ]))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The command palette offers every key of the screen it was opened on, whichever pane
        has the focus: the screen's own, each pane's (run on that pane) and the app's, each once
        (not the cursor keys), then a screenshot saved where it says, then those of Textual's own
        commands that teleglas has no key for (its theme picker is left out: ``t`` cycles
        teleglas's themes; its screenshot is replaced: it saves to a Downloads folder a server
        does not have)."""
        titles = set()
        for node, binding in palette_bindings(self, screen):
            if binding.description not in titles:
                titles.add(binding.description)
                key = binding.key_display or binding.key.split(",")[0]
                about = f"key {key}" + (f" · {binding.tooltip}" if binding.tooltip else "")
                yield SystemCommand(binding.description, about, partial(self.run_action, binding.action, node))
        yield SystemCommand("Screenshot", "Save an SVG picture of the screen in the data directory",
                            lambda: self.set_timer(0.1, self.save_screen_picture))
        titles.add("Screenshot")
        for command in super().get_system_commands(screen):
            if command.title not in titles and command.title != "Theme":
                yield command

    def save_screen_picture(self) -> None:
        """An SVG of the screen in ``<data dir>/screenshots`` (the working directory without one),
        its path in the notice."""
        folder = (self.service.data_dir or Path.cwd()) / "screenshots"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = self.save_screenshot(path=str(folder))
        except OSError as exc:
            self.notify(f"screenshot not saved: {exc.strerror or exc} ({folder})", title="screenshot",
                        severity="error", timeout=8, markup=False)
            return
        self.notify(f"screenshot saved to {path}", title="screenshot", timeout=8, markup=False)


def palette_bindings(app: App, screen: Screen) -> list[tuple[DOMNode, Binding]]:
    """The keys the command palette offers on ``screen``: the screen's, every widget's on it
    that declares keys (focused or not), the app's; only shown ones, so no cursor keys."""
    nodes: list[DOMNode] = [screen, *screen.query("*"), app]
    found = []
    for node in nodes:
        for binding in getattr(type(node), "BINDINGS", ()):
            if isinstance(binding, Binding) and binding.description and binding.show:
                found.append((node, binding))
    return found
