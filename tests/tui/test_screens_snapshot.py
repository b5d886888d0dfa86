"""SVG snapshots of the main, detail and statistics screens after a full replay of the small
recording (update with ``pytest tests/tui --snapshot-update``, then look at the pictures in
``snapshot_report.html``)."""

from __future__ import annotations

from textual.app import App
from tui_harness import make_app, replayed

from engine.settings import Settings
from teleglas_tui.flow_table import FlowTable
from teleglas_tui.statistics_screen import StatisticsScreen
from teleglas_tui.themes import load_themes, theme_name

STATS = {
    "by_type": {
        "STOP_HUNT": {"n": 41, "win": 22, "loss": 12, "flat": 6, "unknown": 1, "win_rate": 0.55},
        "ACCUMULATION": {"n": 17, "win": 11, "loss": 4, "flat": 2, "unknown": 0, "win_rate": 0.6471},
        "WHALE_DISTRIBUTION": {"n": 9, "win": 3, "loss": 5, "flat": 1, "unknown": 0, "win_rate": 0.3333},
        "VOLUME_SPIKE": {"n": 4, "win": 0, "loss": 0, "flat": 0, "unknown": 4, "win_rate": None},
    },
    "by_tier": {"tier 1": {"n": 20, "win": 12, "loss": 6, "flat": 2, "unknown": 0, "win_rate": 0.6},
                "tier 3": {"n": 51, "win": 24, "loss": 15, "flat": 7, "unknown": 5, "win_rate": 0.5217}},
    "by_coin": {"BTC": {"n": 12, "win": 8, "loss": 3, "flat": 1, "unknown": 0, "win_rate": 0.6667},
                "FET": {"n": 3, "win": 1, "loss": 2, "flat": 0, "unknown": 0, "win_rate": 0.3333}},
    "by_context": {"FAVORABLE": {"n": 30, "win": 21, "loss": 6, "flat": 3, "unknown": 0, "win_rate": 0.7},
                   "NEUTRAL": {"n": 41, "win": 15, "loss": 15, "flat": 6, "unknown": 5, "win_rate": 0.4167}},
}


class StatisticsHost(App):
    """The statistics screen alone, on fixed figures (the small recording resolves no outcome:
    its 150 s are shorter than the 15-minute horizon)."""

    def on_mount(self) -> None:
        for theme in load_themes():
            self.register_theme(theme)
        self.theme = theme_name(Settings().ui.theme)
        self.push_screen(StatisticsScreen(lambda: STATS))


class TestMainScreen:
    def test_wide_terminal_shows_every_pane(self, snap_compare):
        """160x48: flow table, signal feed, and the tape as a full-height column."""
        assert snap_compare(make_app(), terminal_size=(160, 48), run_before=replayed)

    def test_narrow_terminal_stays_readable(self, snap_compare):
        """100x30: flow table on top without its trend column, tape (no venue) beside the signals."""
        assert snap_compare(make_app(), terminal_size=(100, 30), run_before=replayed)

    def test_light_theme(self, snap_compare):
        """`t` once: the light theme, same layout."""
        assert snap_compare(make_app(), terminal_size=(160, 48), run_before=replayed, press=["t"])


class TestDetailScreen:
    def test_btc_detail_after_the_replay(self, snap_compare):
        """Enter on BTC: summary, price columns with delta and liquidation rows, minutes, signals."""

        async def open_btc(pilot):
            await replayed(pilot)
            table = pilot.app.screen.query_one(FlowTable)
            table.move_cursor(row=table.coins.index("BTC"))
            await pilot.press("enter")
            await pilot.pause()

        assert snap_compare(make_app(), terminal_size=(160, 48), run_before=open_btc)


class TestStatisticsScreen:
    def test_win_rates_by_type_tier_coin_and_context(self, snap_compare):
        assert snap_compare(StatisticsHost(), terminal_size=(120, 30))
