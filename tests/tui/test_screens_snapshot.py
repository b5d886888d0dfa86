"""SVG snapshots of every screen (main, coin and signal detail, help, statistics, prompts, the
palette, live with no network) after a full replay of the small recording (update with
``pytest tests/tui --snapshot-update``, then look at the pictures in ``snapshot_report.html``)."""

from __future__ import annotations

from textual.app import App
from textual.command import CommandList
from tui_harness import feeds_down, make_app, no_network_app, replayed, until

from engine.model import LONG, SHORT, Outcome, Signal
from engine.settings import Settings
from teleglas_tui.flow_table import FlowTable
from teleglas_tui.statistics_screen import StatisticsScreen
from teleglas_tui.themes import load_themes, theme_name

STATS = {
    "by_type": {
        "STOP_HUNT": {"n": 41, "win": 22, "loss": 12, "flat": 6, "unknown": 1, "win_rate": 0.6471},
        "ACCUMULATION": {"n": 17, "win": 11, "loss": 4, "flat": 2, "unknown": 0, "win_rate": 0.7333},
        "WHALE_DISTRIBUTION": {"n": 9, "win": 3, "loss": 5, "flat": 1, "unknown": 0, "win_rate": 0.375},
        "VOLUME_SPIKE": {"n": 4, "win": 0, "loss": 0, "flat": 0, "unknown": 4, "win_rate": None},
    },
    "by_tier": {"tier 1": {"n": 20, "win": 12, "loss": 6, "flat": 2, "unknown": 0, "win_rate": 0.6667},
                "tier 3": {"n": 51, "win": 24, "loss": 15, "flat": 7, "unknown": 5, "win_rate": 0.6154}},
    "by_coin": {"BTC": {"n": 12, "win": 8, "loss": 3, "flat": 1, "unknown": 0, "win_rate": 0.7273},
                "FET": {"n": 3, "win": 1, "loss": 2, "flat": 0, "unknown": 0, "win_rate": 0.3333}},
    "by_context": {"FAVORABLE": {"n": 30, "win": 21, "loss": 6, "flat": 3, "unknown": 0, "win_rate": 0.7778},
                   "NEUTRAL": {"n": 41, "win": 15, "loss": 15, "flat": 6, "unknown": 5, "win_rate": 0.5}},
}


TYPES = ("STOP_HUNT", "ACCUMULATION", "WHALE_DISTRIBUTION", "WHALE_ACCUMULATION")


def quality_signals() -> list[Signal]:
    """Forty resolved signals, fixed: every type, confidences 70-99, a hit in about 6 of 10."""
    signals = []
    for i in range(40):
        move = 0.01 if (i * 37) % 10 < 6 else -0.01
        signals.append(Signal(
            id=f"s{i}", ts=1_723_161_255_000 + i * 60_000, coin=("BTC", "ETH", "FET")[i % 3], tier=1 + i % 3,
            type=TYPES[i % 4], direction=LONG if i % 2 else SHORT, strength=70 + (i * 7) % 30,
            confidence=70 + (i * 7) % 30, base_strength=70, metrics={},
            outcome=Outcome(result="WIN" if move > 0 else "LOSS", returns={60: move, 300: move, 900: move, 3600: move})))
    return signals


class StatisticsHost(App):
    """The statistics screen alone, on fixed figures (the small recording resolves no outcome:
    its 150 s are shorter than the 15-minute horizon)."""

    def on_mount(self) -> None:
        for theme in load_themes():
            self.register_theme(theme)
        self.theme = theme_name(Settings().ui.theme)
        self.push_screen(StatisticsScreen(lambda: STATS, quality_signals))


class TestMainScreen:
    def test_wide_terminal_shows_every_pane(self, snap_compare):
        """160x48: flow table, signal feed, and the tape as a full-height column."""
        assert snap_compare(make_app(), terminal_size=(160, 48), run_before=replayed)

    def test_a_200_column_terminal_uses_its_width(self, snap_compare):
        """200x60: the flow table adds the 5-minute volume, whole coin names, a 30-minute
        sparkline and wider gaps instead of ~50 blank cells."""
        assert snap_compare(make_app(), terminal_size=(200, 60), run_before=replayed)

    def test_narrow_terminal_stays_readable(self, snap_compare):
        """100x30: flow table on top, its trend cut to six minutes, tape (no venue) beside the signals."""
        assert snap_compare(make_app(), terminal_size=(100, 30), run_before=replayed)

    def test_light_theme(self, snap_compare):
        """`t` once: the light theme, same layout."""
        assert snap_compare(make_app(), terminal_size=(160, 48), run_before=replayed, press=["t"])


class TestDetailScreen:
    def test_btc_detail_after_the_replay(self, snap_compare):
        """Enter on BTC: summary and venues, the plotext chart of price with liquidation markers
        over net delta per minute, the minutes, the signals."""
        assert snap_compare(make_app(), terminal_size=(160, 48), run_before=open_btc)


async def open_btc(pilot):
    await replayed(pilot)
    table = pilot.app.screen.query_one(FlowTable)
    table.move_cursor(row=table.coins.index("BTC"))
    await pilot.press("enter")
    await pilot.pause()


class TestStatisticsScreen:
    def test_quality_charts_over_win_rates_by_type_tier_coin_and_context(self, snap_compare):
        """Hit rate by type and calibration (text bars: one labelled row each, round ticks) above
        the four win-rate tables (WIN of WIN+LOSS; a row with neither reads -)."""
        assert snap_compare(StatisticsHost(), terminal_size=(120, 36))

    def test_at_80x24(self, snap_compare):
        assert snap_compare(StatisticsHost(), terminal_size=(80, 24))


class TestSmallTerminal:
    """80x24, the smallest terminal a trader opens over SSH: nothing scrolls sideways."""

    def test_main_screen_keeps_every_pane_and_the_key_columns(self, snap_compare):
        """Flow table without trend, OI and the buy bar; tape and signals side by side, the
        signals keeping confidence and outcome."""
        assert snap_compare(make_app(), terminal_size=(80, 24), run_before=replayed)

    def test_detail_screen_chart(self, snap_compare):
        assert snap_compare(make_app(), terminal_size=(80, 24), run_before=open_btc)

    def test_the_filter_follows_the_typing(self, snap_compare):
        """`/` from the tape, `mel` typed: the table shows MELANIA alone while the prompt is open."""

        async def filter_mel(pilot):
            await replayed(pilot)
            await pilot.press("tab", "slash", *"mel")
            await pilot.pause()

        assert snap_compare(make_app(), terminal_size=(80, 24), run_before=filter_mel)

    def test_signal_detail(self, snap_compare):
        """Tab to the signals, Enter: the alert's text with levels, context and outcome so far."""

        async def open_signal(pilot):
            await replayed(pilot)
            await pilot.press("tab", "tab", "enter")
            await pilot.pause()

        assert snap_compare(make_app(), terminal_size=(80, 24), run_before=open_signal)


class TestLiveWithNoNetwork:
    """`teleglas` on a machine with no network: the header's clock runs, the tape says what it
    waits for feed by feed, the signals say none came yet (both stayed blank)."""

    def test_at_80x24(self, snap_compare):
        assert snap_compare(no_network_app(frozen_feeds=True)[0], terminal_size=(80, 24), run_before=feeds_down)

    def test_at_160x48(self, snap_compare):
        assert snap_compare(no_network_app(frozen_feeds=True)[0], terminal_size=(160, 48), run_before=feeds_down)


class TestHelpScreen:
    """`?`: every key with what it does, then what every colour, alert status and outcome means;
    the meanings wrap instead of being cut."""

    def test_at_80x24(self, snap_compare):
        assert snap_compare(make_app(), terminal_size=(80, 24), run_before=replayed, press=["question_mark"])

    def test_at_160x48(self, snap_compare):
        assert snap_compare(make_app(), terminal_size=(160, 48), run_before=replayed, press=["question_mark"])

    def test_the_legend_at_160x48(self, snap_compare):
        """Scrolled to its end: the colours, the ten alert statuses, the outcomes."""
        assert snap_compare(make_app(), terminal_size=(160, 48), run_before=replayed, press=["question_mark", "end"])


class TestKeysFromAnyPane:
    """160x48: the filter prompt over a live-filtered table, the command palette opened with the
    tape focused and `add` typed, the signal detail."""

    def test_the_filter_follows_the_typing(self, snap_compare):
        async def filter_mel(pilot):
            await replayed(pilot)
            await pilot.press("tab", "slash", *"mel")
            await pilot.pause()

        assert snap_compare(make_app(), terminal_size=(160, 48), run_before=filter_mel)

    def test_the_palette_finds_add_with_the_tape_focused(self, snap_compare):
        async def palette_add(pilot):
            await replayed(pilot)
            await pilot.press("tab", "ctrl+p", *"add")
            await until(pilot, lambda: pilot.app.screen.query_one(CommandList).option_count > 0)
            await pilot.pause()

        assert snap_compare(make_app(), terminal_size=(160, 48), run_before=palette_add)

    def test_signal_detail(self, snap_compare):
        async def open_signal(pilot):
            await replayed(pilot)
            await pilot.press("tab", "tab", "enter")
            await pilot.pause()

        assert snap_compare(make_app(), terminal_size=(160, 48), run_before=open_signal)
