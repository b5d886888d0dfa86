"""The main screen: status header, flow table, signal feed and tape, redrawn from one service
snapshot per tick.

One timer at ``ui.refresh_hz`` pulls the snapshot and hands each pane its part; nothing is
drawn per market event.  The timer stops while another screen (detail, statistics) covers this
one.  Wide terminals get the tape as a full-height column; narrow ones put the flow table on top
and the tape beside the signal feed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual.app import ComposeResult
from textual.containers import Grid
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer

from engine.settings import Settings
from engine.snapshot import ServiceSnapshot
from engine.tiers import Tiers
from teleglas_tui.flow_table import FlowTable
from teleglas_tui.header_status import HeaderStatus
from teleglas_tui.liquidation_tape import LiquidationTape
from teleglas_tui.signal_feed import SignalFeed


class MonitorScreen(Screen):
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-narrow"), (150, "-wide")]
    DEFAULT_CSS = """
    MonitorScreen #panes { layout: grid; grid-size: 2 2; }
    MonitorScreen.-wide #panes { grid-columns: 1fr 50; grid-rows: 3fr 2fr; }
    MonitorScreen.-wide #tape { row-span: 2; }
    MonitorScreen.-narrow #panes { grid-columns: 48 1fr; grid-rows: 1fr 1fr; }
    MonitorScreen.-narrow #flow { column-span: 2; }
    """

    def __init__(self, source: Callable[[], ServiceSnapshot], wall_ms: Callable[[], int],
                 settings: Settings) -> None:
        super().__init__()
        self._source = source
        self._wall_ms = wall_ms
        self._settings = settings
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        ui = self._settings.ui
        yield HeaderStatus(id="header")
        with Grid(id="panes"):
            yield FlowTable(limit=ui.flow_max_rows, funding_extreme=self._settings.funding.extreme, id="flow")
            yield LiquidationTape(Tiers(self._settings.tiers), max_lines=ui.tape_max_lines,
                                  min_usd=ui.tape_min_usd, id="tape")
            yield SignalFeed(ui.feed_max_lines, id="signals")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.refresh_panes()
        self._timer = self.set_interval(1 / self._settings.ui.refresh_hz, self.refresh_panes)

    def on_screen_suspend(self) -> None:
        if self._timer is not None:
            self._timer.pause()

    def on_screen_resume(self) -> None:
        if self._timer is not None:
            self.refresh_panes()
            self._timer.resume()

    def refresh_panes(self) -> None:
        snap = self._source()
        now = self._wall_ms()
        settings = {s.coin: s for s in snap.coins}
        self.query_one(HeaderStatus).show(snap, now)
        self.query_one(FlowTable).show(snap.engine.coins, snap.coins, now)
        self.query_one(LiquidationTape).show(snap.engine)
        self.query_one(SignalFeed).show(snap.engine.signals, settings, snap.paused, now)
