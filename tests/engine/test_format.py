"""The one price format (Telegram messages, every pane) and numbers that never read as -0."""

from __future__ import annotations

import pytest

from engine import format as fmt


@pytest.mark.parametrize(("value", "width", "shown"), [
    (0.000015, None, "0.00001500"),  # BONK as Telegram and a wide column write it
    (0.000015, 10, "0.00001500"),
    (0.000015, 9, "0.0000150"),  # one cell less: one digit less, not 1.50e-05
    (0.000004072, 9, "0.0₅4072"),  # under three digits a tiny price counts its zeros
    (0.00000002957, 10, "0.0₇2957"),
    (101_035.3, 9, "101,035"),
    (3_456.78, 6, "3,457"),
    (0.2413, 10, "0.2413"),
])
def test_a_price_keeps_its_digits_or_loses_some_to_fit_never_exponent(value, width, shown):
    text = fmt.price(value, width)
    assert text == shown and "e" not in text
    assert width is None or len(text) <= width


def test_amounts_and_percentages_that_round_to_zero_have_no_sign():
    assert fmt.usd(-0.004) == "$0" and fmt.usd(-0.6) == "<$1"
    assert fmt.pct(-0.0000001, 4) == "0.0000%" and fmt.pct(-0.0004, 1) == "0.0%"
    assert fmt.funding(-0.00000001) == "0.0000%" and fmt.pct(-0.0125) == "-1.25%"


@pytest.mark.parametrize(("value", "shown"), [
    (0.4, "<$1"),  # a 40-cent liquidation read "$0"
    (0.004, "$0"),  # under a cent: float drift of a window sum
    (950, "$950"), (999.6, "$1.00k"), (1_234, "$1.23k"), (12_345, "$12.3k"),
    (99_960, "$100k"), (100_400, "$100k"), (101_000, "$101k"),  # "$100.0k" stood beside "$101k"
    (999_600, "$1.00M"), (4_200_000, "$4.20M"), (12_300_000, "$12.3M"), (123_450_000, "$123M"),
    (1_350_000_000, "$1.35B"), (-3_840_000, "-$3.84M"),
])
def test_usd_has_one_rule_three_significant_digits_in_the_largest_unit(value, shown):
    assert fmt.usd(value) == shown
