"""The statistics screen charts the signals the database keeps, and this run's while it has none."""

from __future__ import annotations

from test_screens_snapshot import STATS, quality_signals
from textual.app import App

from teleglas_tui.detail_chart import PlotView
from teleglas_tui.statistics_screen import HISTORY_SIGNALS, StatisticsScreen


class Host(App):
    def __init__(self, history) -> None:
        super().__init__()
        self.history = history
        self.asked: list[int] = []

    def on_mount(self) -> None:
        self.push_screen(StatisticsScreen(lambda: STATS, list, self.read))

    async def read(self, n: int):
        self.asked.append(n)
        return self.history


async def test_charts_cover_the_stored_signals_when_the_database_answers():
    stored = [s.as_dict() for s in quality_signals()]
    app = Host(stored)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        chart = app.screen.query_one("#hit-rate", PlotView)
        assert app.asked == [HISTORY_SIGNALS]
        assert chart.border_title == "Hit rate 15m · 40 stored signals"


async def test_without_a_database_the_charts_keep_to_this_session():
    app = Host(None)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen.query_one("#hit-rate", PlotView).border_title == "Hit rate 15m · this session"
