"""The backtest's text summary, read as a user reads it: the liquidations-per-minute bars."""

from __future__ import annotations

from engine.backtest import BAR_WIDTH, format_summary, liquidation_bar, run_backtest
from engine.locations import DEMO_RECORDING
from engine.settings import Settings


def test_both_sides_of_a_minute_get_their_bar_scaled_to_the_largest_minute():
    assert liquidation_bar(0, 100, 100) == "░" * BAR_WIDTH  # a short squeeze alone fills the bar
    assert liquidation_bar(50, 50, 100) == "█" * (BAR_WIDTH // 2) + "░" * (BAR_WIDTH // 2)
    assert liquidation_bar(1, 0, 1000) == ""  # under half a cell: nothing, not a cell of noise


def test_the_demos_short_squeezes_are_its_longest_bars():
    """The demo's two biggest minutes are short liquidations ($235k at 15:43, $142k at 15:30):
    under the old long-only scale they had no bar at all."""
    text = format_summary(run_backtest([DEMO_RECORDING], Settings()).summary())
    rows = {line.split()[1]: line for line in text.splitlines() if line.startswith("    2025-12-27 ")}
    assert rows["15:43"].endswith("█" + "░" * (BAR_WIDTH - 1))
    assert rows["15:30"].count("░") >= BAR_WIDTH // 2
    assert max(rows.values(), key=len) is rows["15:43"]
    assert all(len(line) <= 80 for line in text.splitlines()[1:])  # the first names the files
