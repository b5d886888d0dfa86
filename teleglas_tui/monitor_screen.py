"""The main screen: status header, flow table, signal feed and tape, redrawn from one service
snapshot per tick.

One timer at ``ui.refresh_hz`` pulls the snapshot and hands each pane its part; nothing is
drawn per market event.  The panes keep moving under a prompt, the help or the command palette
(they cover part of the screen), and rest while another full screen (detail, statistics) covers
this one.  Wide terminals get the tape as a full-height column; narrower ones put the flow table
on top and the tape beside the signal feed (at 80 columns, half and half).

The coin keys (``a``, ``d``, ``space``, ``m``) and the flow table's ``o`` and ``/`` are this
screen's, so they work whichever pane has the focus; they act on the flow table's selection.

The terminal bell (``ui.bell``) rings once for each URGENT signal whose stored alert status is
``sent``, ``paused`` or ``no telegram`` (``engine.alerts.status.BELL``): the signals that passed
every check of the signal and its coin, whatever Telegram did with them.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Collection, Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid
from textual.screen import ModalScreen, Screen
from textual.timer import Timer
from textual.widgets import Footer

from engine.alerts.status import BELL
from engine.model import Signal
from engine.settings import Settings
from engine.snapshot import FeedState, ServiceSnapshot
from engine.tiers import Tiers
from teleglas_tui import coin_keys
from teleglas_tui.flow_table import FlowTable
from teleglas_tui.header_status import FEED_ROLES, HeaderStatus
from teleglas_tui.liquidation_tape import LiquidationTape
from teleglas_tui.palette import Row
from teleglas_tui.signal_feed import SignalFeed

BELL_LOOKBACK = 50  # newest signals looked at per refresh (one bell per refresh however many came)


class MonitorScreen(Screen):
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-tiny"), (100, "-narrow"), (150, "-wide")]
    DEFAULT_CSS = """
    MonitorScreen #panes { layout: grid; grid-size: 2 2; }
    MonitorScreen.-wide #panes { grid-columns: 1fr 50; grid-rows: 3fr 2fr; }
    MonitorScreen.-wide #tape { row-span: 2; }
    MonitorScreen.-narrow #panes { grid-columns: 48 1fr; grid-rows: 1fr 1fr; }
    MonitorScreen.-tiny #panes { grid-columns: 1fr 1fr; grid-rows: 1fr 1fr; }
    MonitorScreen.-narrow #flow, MonitorScreen.-tiny #flow { column-span: 2; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        *coin_keys.BINDINGS,
        Binding("o", "cycle_sort", "Sort", tooltip="sort the flow table by activity, delta or name"),
        Binding("slash", "filter", "Filter", key_display="/", tooltip="filter the flow table by name"),
    ]

    def __init__(self, source: Callable[[], ServiceSnapshot], wall_ms: Callable[[], int],
                 settings: Settings, listed: Callable[[], Collection[str]] = set) -> None:
        super().__init__()
        self._source = source
        self._listed = listed
        self._wall_ms = wall_ms
        self._settings = settings
        self._timer: Timer | None = None
        self._rung: set[str] = set()  # signals the bell rang for
        self._passes = SignalsAcrossPasses()

    def compose(self) -> ComposeResult:
        ui = self._settings.ui
        yield HeaderStatus(id="header")
        with Grid(id="panes"):
            yield FlowTable(limit=ui.flow_max_rows, funding_extreme=self._settings.funding.extreme,
                            listed=self._listed, id="flow")
            yield LiquidationTape(Tiers(self._settings.tiers), max_lines=ui.tape_max_lines,
                                  min_usd=ui.tape_min_usd, id="tape")
            yield SignalFeed(ui.feed_max_lines, id="signals")
        yield Footer(compact=True)

    # -- the flow table's keys, from any pane --------------------------------------------------

    def action_add_coin(self) -> None:
        self.query_one(FlowTable).action_add_coin()

    def action_remove_coin(self) -> None:
        self.query_one(FlowTable).action_remove_coin()

    def action_toggle_alerts(self) -> None:
        self.query_one(FlowTable).action_toggle_alerts()

    def action_mute(self) -> None:
        self.query_one(FlowTable).action_mute()

    def action_cycle_sort(self) -> None:
        self.query_one(FlowTable).action_cycle_sort()

    def action_filter(self) -> None:
        self.query_one(FlowTable).action_filter()

    def on_mount(self) -> None:
        self.refresh_panes()
        self._timer = self.set_interval(1 / self._settings.ui.refresh_hz, self._tick)

    def on_screen_resume(self) -> None:
        self.refresh_panes()

    def _tick(self) -> None:
        stack = self.app.screen_stack
        if self in stack and all(isinstance(s, ModalScreen) for s in stack[stack.index(self) + 1:]):
            self.refresh_panes()

    def refresh_panes(self) -> None:
        snap = self._source()
        now = self._wall_ms()
        self.query_one(HeaderStatus).show(snap, now)
        self.query_one(FlowTable).show(snap.engine.coins, snap.coins, now)
        tape = self.query_one(LiquidationTape)
        waiting = waiting_rows(snap, tape.scrollable_content_region.width)
        tape.show(snap.engine, waiting)
        feed = self.query_one(SignalFeed)
        feed.set_empty(((("no signals yet", "dim"),), *waiting[:1]))
        feed.show(self._passes.update(snap.engine.signals, snap.engine.now_ms))
        if self._settings.ui.bell:
            self._ring_for(snap.engine.signals)

    def _ring_for(self, signals: Sequence[Signal]) -> None:
        urgent = bell_for(signals[-BELL_LOOKBACK:], self._rung)
        if urgent:
            self._rung.update(urgent)
            self.app.bell()


class SignalsAcrossPasses:
    """The signals pane across the passes of a looping replay (the demo): each pass has a fresh
    engine, whose list starts empty, so the pane emptied at every loop.  The previous pass's
    signals stay, below the new ones, until the new pass's clock reaches their time (by then it
    has made them again: the same recording gives the same signals)."""

    def __init__(self) -> None:
        self._last: Sequence[Signal] = ()
        self._earlier: Sequence[Signal] = ()
        self._clock = 0

    def update(self, signals: Sequence[Signal], now_ms: int) -> list[Signal]:
        """The signals to show, oldest first."""
        if now_ms < self._clock:  # the engine's clock never goes back: a new pass began
            self._earlier = self._last
        self._clock, self._last = now_ms, signals
        return [*signals, *(s for s in self._earlier if s.ts > now_ms)]


def bell_for(signals: Sequence[Signal], rung: Collection[str]) -> list[str]:
    """The signals to ring for: URGENT, with a stored alert status the bell rings for (``BELL``:
    sent, or held back only by a paused or absent Telegram: the trader is at the screen), not
    rung for before.  A signal the coin cooldown or the budget refused does not ring."""
    return [s.id for s in signals if s.priority == "URGENT" and s.id not in rung and s.alert in BELL]


def waiting_rows(snap: ServiceSnapshot, width: int = 80) -> tuple[Row, ...]:
    """While no event has come: what the panes wait for, so a screen with no network says so
    instead of staying blank. Feeds in the same state for the same reason share an entry (six
    venues down for want of DNS are one), wrapped to ``width``; nothing once events flow."""
    if snap.engine.events:
        return ()
    if snap.mode != "LIVE":
        return ((("waiting for the recording's first events", "dim"),),)
    if not snap.feeds:
        return ((("no feed is running: teleglas doctor says why", "warn"),),)
    rows: list[Row] = [(("waiting for the feeds", "bold"),)]
    groups: dict[tuple[str, str], list[FeedState]] = {}
    for feed in snap.feeds:
        groups.setdefault((feed.state, feed.detail), []).append(feed)
    for (state, detail), feeds in groups.items():
        tries = max(f.reconnects for f in feeds)
        head = f"{state}{f' ↻{tries}' if tries else ''}: "
        names = textwrap.wrap(head + ", ".join(f.name for f in feeds), max(20, width), subsequent_indent="  ")
        rows.append(((state, FEED_ROLES.get(state, "")), (names[0][len(state):], "")))
        rows += [((line, ""),) for line in names[1:]]
        if detail:
            rows += [((line, "dim"),) for line in textwrap.wrap(detail, max(20, width), initial_indent="  ",
                                                                 subsequent_indent="  ")]
    if any(f.state in ("down", "connecting", "stale") for f in snap.feeds):
        rows.append((("each feed keeps retrying (↻ tries)", "dim"),))
    return tuple(rows)
