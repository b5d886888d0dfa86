"""The pure half of every pane: state in, rows out (no app, no terminal)."""

from __future__ import annotations

import pytest

from engine.alerts.status import STATUSES
from engine.model import (
    FAVORABLE,
    LONG,
    SHORT,
    UNFAVORABLE,
    Liquidation,
    MarketContext,
    Outcome,
    Signal,
    Trade,
)
from engine.settings import Settings
from engine.snapshot import (
    CoinDetail,
    CoinFlow,
    CoinSetting,
    EngineSnapshot,
    FeedState,
    MinuteBar,
    ServiceSnapshot,
    SinkState,
)
from engine.tiers import Tiers
from teleglas_tui.coin_detail_screen import minute_rows, summary_rows
from teleglas_tui.detail_chart import detail_chart, marker, price_ticks
from teleglas_tui.flow_table import COLUMNS, Layout, alert_cell, flow_rows, layout, table_row
from teleglas_tui.header_status import header_rows
from teleglas_tui.help_screen import LEGEND, key_sections
from teleglas_tui.liquidation_tape import emphasis, keep, tape_row
from teleglas_tui.monitor_screen import bell_for
from teleglas_tui.signal_feed import signal_row
from teleglas_tui.statistics_screen import stats_rows
from teleglas_tui.text_bars import ratio_bar, signed_bar, spark

T = 1_761_125_892_000  # 2025-10-22 09:38:12 UTC
NOW = 1_800_000_000_000  # a wall clock


def text(row) -> str:
    return "".join(t for t, _ in row)


def roles(row) -> set[str]:
    return {r for _, r in row}


def flow(coin: str, *, activity: float = 0.0, delta: float = 0.0, tier: int = 3, price: float = 1.0,
         ratio: float | None = 0.5, spark_values=(), funding=None, oi=None) -> CoinFlow:
    return CoinFlow(coin, tier, price, 0.0, 0.0, ratio, 3, 1, delta, 20, 0.0, 0.0, funding, oi, activity,
                    list(spark_values), T)


def watched(*coins: str, alerts: bool = True, muted_until: int | None = None) -> dict[str, CoinSetting]:
    return {c: CoinSetting(c, True, alerts, muted_until) for c in coins}


def signal(coin="BTC", type_="STOP_HUNT", direction=LONG, confidence=81.4, result="PENDING",
           assessment="NEUTRAL", blocked=False, priority="WATCH", ts=T, alert="") -> Signal:
    return Signal(id=f"{ts}-{coin}-{type_}", ts=ts, coin=coin, tier=1, type=type_, direction=direction,
                  strength=confidence, base_strength=confidence, metrics={},
                  context=MarketContext(assessment=assessment), blocked=blocked,
                  outcome=Outcome(result=result), priority=priority, alert=alert)


class TestFlowRows:
    def test_watched_coins_come_first_even_before_their_first_trade(self):
        rows = flow_rows([flow("PEPE", activity=9e9), flow("BTC", activity=1.0)], watched("BTC", "ETH"))
        assert [r.coin for r in rows] == ["BTC", "ETH", "PEPE"]
        assert text(rows[1].cells[1]).strip() == "-"  # ETH has no flow yet

    def test_each_group_sorts_by_activity_delta_or_name(self):
        flows = [flow("AAA", activity=1, delta=-5), flow("BBB", activity=3, delta=9), flow("CCC", activity=2, delta=0)]
        assert [r.coin for r in flow_rows(flows, {}, sort="activity")] == ["BBB", "CCC", "AAA"]
        assert [r.coin for r in flow_rows(flows, {}, sort="delta")] == ["BBB", "CCC", "AAA"]
        assert [r.coin for r in flow_rows(flows, {}, sort="coin")] == ["AAA", "BBB", "CCC"]

    def test_limit_fills_with_the_most_active_but_never_drops_a_watched_coin(self):
        flows = [flow(f"C{i}", activity=i) for i in range(10)]
        rows = flow_rows(flows, watched("BTC", "ETH", "SOL"), limit=4)
        assert [r.coin for r in rows] == ["BTC", "ETH", "SOL", "C9"]
        assert len(flow_rows(flows, watched("BTC", "ETH", "SOL"), limit=2)) == 3

    def test_filter_keeps_coins_containing_the_text(self):
        rows = flow_rows([flow("BTC"), flow("BTCDOM"), flow("ETH")], watched("BTC"), text_filter="btc")
        assert [r.coin for r in rows] == ["BTC", "BTCDOM"]

    def test_every_row_has_a_cell_per_column_and_delta_is_coloured_by_sign(self):
        (row,) = flow_rows([flow("BTC", delta=-3_840_000, spark_values=[1, -2, 3])], {})
        assert len(row.cells) == len(COLUMNS)
        delta = row.cells[[k for k, _, _ in COLUMNS].index("delta")]
        assert text(delta).strip() == "-$3.84M" and roles(delta) == {"sell"}

    def test_a_price_too_long_for_its_cell_counts_its_zeros_not_cut(self):
        (row,) = flow_rows([flow("BOB", price=0.00000002957)], {})
        assert text(row.cells[1]).strip() == "0.0₇2957"
        (row,) = flow_rows([flow("BONK", price=0.000015)], {})
        assert text(row.cells[1]).strip() == "0.00001500"  # as the tape and Telegram write it

    def test_alert_state_reads_on_off_or_the_mute_time_left(self):
        assert text(alert_cell(CoinSetting("BTC", True, True, None), NOW)) == "on"
        assert text(alert_cell(CoinSetting("BTC", True, False, None), NOW)) == "off"
        assert text(alert_cell(None, NOW)) == "off"
        assert text(alert_cell(CoinSetting("BTC", True, True, NOW + 3_600_000), NOW)) == "mute 1h"
        assert text(alert_cell(CoinSetting("BTC", True, True, NOW - 1), NOW)) == "on"  # mute over

    def test_usd_amounts_too_long_for_their_cell_lose_decimals_not_digits(self):
        """A 5-minute delta of -$10.6M was cut to "-$10.60" (ten dollars) by its 7-cell column."""
        widths = {k: w for k, _, w in COLUMNS}
        index = {k: i for i, (k, _, _) in enumerate(COLUMNS)}
        for delta, liq, shown_delta, shown_liq in [(-10_600_000, 1_000_000, "-$10.6M", "$1.00M"),
                                                   (123_450_000, 123_450_000, "$123M", "$123M"),
                                                   (-12_340_000_000, 12_340_000, "-$12.3B", "$12.3M")]:
            busy = CoinFlow("BTC", 1, 61_660.0, 0.0, 0.0, 0.5, 1, 1, delta, 1, liq, liq, None, None, 1.0, [], T)
            (row,) = flow_rows([busy], {})
            for key, shown in (("delta", shown_delta), ("liq_long", shown_liq), ("liq_short", shown_liq)):
                cell = text(row.cells[index[key]])
                assert cell.strip() == shown and len(cell) <= widths[key]

    def test_a_coin_name_longer_than_its_column_ends_with_an_ellipsis(self):
        index = [k for k, _, _ in COLUMNS].index("coin")
        width = COLUMNS[index][2]
        (row,) = flow_rows([flow("TRADOORX")], {})
        assert text(table_row(row.cells, Layout((("coin", width),)))) == " " + "TRADOORX"[: width - 1] + "…"

    def test_every_layout_fits_its_pane_and_leaves_little_blank(self):
        """At 200 columns ~50 cells of the flow pane stayed blank, at 100 the Δ/min column went
        while 14 cells stayed empty."""
        for width in range(59, 260):  # 59: the columns that always stay
            columns = layout(width)
            assert columns.width <= width, width
            if 96 <= width <= 144:
                assert width - columns.width <= 12, width  # the rest: gaps of two would not fit
        assert "trend" in layout(97).keys and layout(97).width == 97  # the 100-column terminal
        wide = layout(147)  # the 200-column terminal, beside the tape
        assert {"volume", "trend"} <= set(wide.keys) and wide.width_of("trend") == 30 and wide.width_of("coin") == 10
        assert wide.width >= 140 and wide.gap == 2

    def test_the_trend_shows_as_many_minutes_as_its_column_is_wide(self):
        values = [float(i + 1) for i in range(30)]
        (row,) = flow_rows([flow("BTC", spark_values=values)], {}, trend_width=30)
        cell = text(row.cells[[k for k, _, _ in COLUMNS].index("trend")])
        assert len(cell) == 30 and cell[-1] == "█" and "·" not in cell

    def test_the_buy_bar_and_its_share_have_a_space_between(self):
        """`██████100%` ran together."""
        (row,) = flow_rows([flow("BTC", ratio=1.0)], {})
        cell = text(row.cells[[k for k, _, _ in COLUMNS].index("ratio")])
        assert cell == "██████ 100%"

    def test_large_trade_counts_too_long_for_their_cell_are_shown_in_thousands_not_cut(self):
        """A busy BTC hour of the real demo counts over a thousand large trades each way in 5
        minutes; "1298/13" (1298/1352 cut) would be a wrong number, "1k/1k" hides the ratio."""
        width = {k: w for k, _, w in COLUMNS}["large"]
        index = [k for k, _, _ in COLUMNS].index("large")
        for (buys, sells), shown in [((12, 7), "12/7"), ((1298, 13), "1298/13"), ((1298, 1352), "1298/1352"),
                                     ((12_345, 678), "12345/678"), ((12_345, 10_678), "12k/11k"),
                                     ((123_456, 100_678), "123k/101k")]:
            busy = CoinFlow("BTC", 1, 61_660.0, 0.0, 0.0, 0.5, buys, sells, 0.0, 1, 0.0, 0.0, None, None,
                            1.0, [], T)
            (row,) = flow_rows([busy], {})
            assert text(row.cells[index]).strip() == shown and len(text(row.cells[index])) <= width


class TestTapeRows:
    tiers = Tiers(Settings().tiers)

    def test_a_long_liquidation_reads_long_liq_in_the_long_colour(self):
        row = tape_row(Liquidation(T, "Binance", "ETH", LONG, 3846.5, 59_200.0), self.tiers)
        assert text(row) == "09:38:12 BIN ETH    LONG liq  $59.2k    3,846.5"
        assert "long" in roles(row)

    def test_trades_show_the_taker_side(self):
        row = tape_row(Trade(T, "Binance", "BTC", "sell", 61_706.0, 32_600.0), self.tiers)
        assert "SELL" in text(row) and "sell" in roles(row)

    def test_size_emphasis_is_relative_to_the_tier(self):
        assert emphasis(99_000, 10_000) == "" and emphasis(100_000, 10_000) == "bold"
        assert emphasis(500_000, 10_000) == "huge"
        row = tape_row(Liquidation(T, "Binance", "PEPE", SHORT, 0.00001, 25_000.0), self.tiers)
        assert "short bold" in roles(row)  # tier 3: large order $2k, bold from $20k
        row = tape_row(Liquidation(T, "Binance", "BTC", SHORT, 61_000, 25_000.0), self.tiers)
        assert "short" in roles(row) and "short bold" not in roles(row)  # tier 1: bold from $100k

    def test_compact_rows_leave_out_the_venue_and_tiny_ones_fit_80_columns(self):
        liq = Liquidation(T, "Binance", "ETH", LONG, 3846.5, 59_200.0)
        assert "BIN" not in text(tape_row(liq, self.tiers, "compact"))
        tiny = text(tape_row(Liquidation(T, "Binance", "MELANIA", SHORT, 0.000015, 59_200.0), self.tiers, "tiny"))
        assert tiny == "09:38:12 MELA… S liq $59.2k 0.0000150" and len(tiny) <= 37

    def test_a_name_cut_to_fit_ends_with_an_ellipsis(self):
        """`TRADOOR` read `TRADOO`, `MELANIA` `MELANI`: another name, silently."""
        for coin, fit, shown in (("TRADOOR", "full", " TRADO… "), ("MELANIA", "compact", " MELAN… "),
                                 ("币安人生", "full", " 币安… "), ("VELVET", "full", " VELVET ")):
            assert shown in text(tape_row(Liquidation(T, "Binance", coin, LONG, 1.0, 500.0), self.tiers, fit))

    def test_a_liquidation_under_a_dollar_reads_under_a_dollar(self):
        row = tape_row(Liquidation(T, "Binance", "DASH", SHORT, 45.67, 0.43), self.tiers, "tiny")
        assert text(row) == "09:38:12 DASH  S liq    <$1    45.670"

    def test_filters_minimum_size_and_liquidations_only(self):
        liq = Liquidation(T, "Binance", "ETH", LONG, 1.0, 5_000.0)
        trade = Trade(T, "Binance", "ETH", "buy", 1.0, 50_000.0)
        assert keep(liq, 0, False) and keep(trade, 0, False)
        assert not keep(liq, 10_000, False) and keep(trade, 10_000, False)
        assert keep(liq, 0, True) and not keep(trade, 0, True)


class TestBell:
    def test_rings_once_for_urgent_signals_the_alert_policy_let_through(self):
        """Sent, or held back only by a paused or absent Telegram: the trader is at the screen."""
        urgent = [signal(coin=c, priority="URGENT", ts=T + i, alert=status)
                  for i, (c, status) in enumerate((("BTC", "sent"), ("ETH", "paused"), ("SOL", "no telegram")))]
        assert bell_for(urgent, set()) == [s.id for s in urgent]
        assert bell_for(urgent, {urgent[0].id}) == [urgent[1].id, urgent[2].id]
        assert bell_for([signal(priority="WATCH", alert="sent")], set()) == []

    def test_a_signal_refused_for_its_coin_or_its_kind_does_not_ring(self):
        """The coin cooldown used to ring the bell for a signal that never reached the phone."""
        for status in ("cooldown", "held", "blocked", "silent", "muted", "off", "not watched", "stale", ""):
            assert bell_for([signal(priority="URGENT", alert=status)], set()) == [], status


class TestSignalRows:
    def test_row_shows_type_direction_confidence_context_alert_status_and_outcome(self):
        row = signal_row(signal(assessment=FAVORABLE, result="WIN", alert="sent"))
        assert text(row) == "09:38:12 BTC    STOP HUNT  LONG   81 FAV sent        WIN"
        assert {"buy bold", "win", "accent"} <= roles(row)

    def test_signals_without_direction_have_no_outcome(self):
        row = signal_row(signal(type_="VOLUME_SPIKE", direction=None))
        assert text(row).endswith("-")

    def test_the_alert_column_is_the_stored_status_never_worked_out_again(self):
        """Every status reads as the policy decided it; one never decided (older rows) reads ?."""
        for status in ("sent", "silent", "held", "blocked", "muted", "off", "not watched", "no telegram",
                       "cooldown", "paused", "stale"):
            assert f" {status} " in text(signal_row(signal(alert=status))), status
        assert " ? " in text(signal_row(signal()))
        assert "blocked" in text(signal_row(signal(alert="blocked"))) and "warn" in roles(signal_row(signal(alert="blocked")))

    def test_a_stop_touched_shows_at_once_while_the_outcome_is_pending(self):
        stopped = signal(alert="sent")
        stopped.outcome.stop_ts = T + 120_000
        row = signal_row(stopped)
        assert text(row).endswith("STOP") and "loss" in roles(row)
        assert text(signal_row(stopped, "compact")).endswith("STOP")

    def test_type_and_direction_never_run_together(self):
        """`VOL SPIKE+-`, `WHALE ACC+LONG`: a merged signal's label filled its cell."""
        merged = signal(type_="WHALE_ACCUMULATION")
        merged.merged = ["STOP_HUNT"]
        assert "WHALE ACC+ LONG" in text(signal_row(merged))

    def test_compact_rows_fit_a_narrow_pane(self):
        row = signal_row(signal(assessment=UNFAVORABLE, result="PENDING", direction=SHORT, alert="not watched"),
                         "compact")
        assert text(row) == "09:38 BTC    STOP HUNT  SHORT  81 UNF unwatch PEND" and len(text(row)) <= 50
        assert " no tg " in text(signal_row(signal(alert="no telegram"), "compact"))

    def test_tiny_rows_keep_confidence_and_outcome_at_80_columns(self):
        row = text(signal_row(signal(result="WIN"), "tiny"))
        assert row == "09:38 BTC   STOP HUNT  LONG   81 WIN" and len(row) <= 37


def service_snapshot(**changes) -> ServiceSnapshot:
    engine = EngineSnapshot(T, 5334, [], [], 0, [], 0)
    values = dict(mode="REPLAY", speed=25.0, engine=engine,
                  feeds=[FeedState("replay", "replay", None, 0, 5334, 5334, 0, "small.jsonl.gz")],
                  events_per_s=1234.4, rejected=0, telegram=SinkState("off"),
                  database=SinkState("ok", last_ms=NOW - 2000), paused=False, coins=[])
    values.update(changes)
    return ServiceSnapshot(**values)


class TestHeaderRows:
    def test_replay_is_labelled_with_its_speed_and_the_event_clock(self):
        top, feeds = header_rows(service_snapshot(), NOW)
        assert text(top).startswith(" teleglas  REPLAY ×25   09:38:12 UTC │ 1,234 ev/s")
        assert "db ok 2s ago" in text(top) and "telegram off" in text(top)
        assert "replay playing small.jsonl.gz" in text(feeds)

    def test_live_feeds_show_state_age_reconnects_and_rejections(self):
        feeds = [FeedState("binance", "live", 0.31, 2, 10, 10, 3), FeedState("okx", "down", None, 5, 0, 0, 0, "refused")]
        top, line = header_rows(service_snapshot(mode="LIVE", speed=None, feeds=feeds, rejected=3, paused=True), NOW)
        assert "LIVE" in text(top) and "rejected 3" in text(top) and "alerts PAUSED" in text(top)
        assert text(line) == " feeds binance live 0.3s ↻2 ✗3  · okx down ↻5 refused"

    def test_feeds_too_many_to_name_at_80_columns_collapse_to_counts(self):
        """Every key-less venue on: their states stay readable at 80 columns (doctor names each)."""
        feeds = [FeedState(name, "live", 0.2, 1, 10, 10, 0) for name in ("binance", "bitget", "bybit", "gate")]
        feeds += [FeedState("okx", "down", None, 7, 0, 0, 2, "host name not found (DNS)"),
                  FeedState("htx", "stale", 31.0, 0, 5, 5, 0, "no message for 30 s")]
        _, line = header_rows(service_snapshot(mode="LIVE", speed=None, feeds=feeds), NOW, width=80)
        assert text(line) == " feeds 4 live · 1 stale · 1 down ↻7 ✗2: okx host name not found (DNS) · htx"
        assert len(text(line)) <= 80
        offline = [FeedState(f.name, "down", None, 3, 0, 0, 0, "connection refused") for f in feeds]
        _, line = header_rows(service_snapshot(mode="LIVE", speed=None, feeds=offline), NOW, width=80)
        assert text(line).startswith(" feeds 6 down ↻3 connection refused: binance bitget")  # the reason once, first
        _, wide = header_rows(service_snapshot(mode="LIVE", speed=None, feeds=feeds[:2]), NOW, width=80)
        assert text(wide).startswith(" feeds binance live")  # two fit: each still named

    def test_live_shows_the_wall_clock_even_before_the_first_event(self):
        """Live with no network the header had no clock at all."""
        engine = EngineSnapshot(0, 0, [], [], 0, [], 0)
        top, _ = header_rows(service_snapshot(mode="LIVE", speed=None, engine=engine), NOW)
        assert text(top).startswith(" teleglas  LIVE   08:00:00 UTC │")  # NOW, the wall clock

    def test_a_sinks_queue_says_what_waits(self):
        """`q64` was explained nowhere."""
        top, _ = header_rows(service_snapshot(telegram=SinkState("ok", 3), database=SinkState("ok", 64)), NOW)
        assert "telegram ok 3 to send" in text(top) and "db ok 64 to write" in text(top)

    def test_a_narrow_header_leaves_out_the_apps_name_for_the_figures(self):
        top, _ = header_rows(service_snapshot(database=SinkState("ok", 64, NOW - 2000)), NOW, width=80)
        assert text(top).startswith(" REPLAY ×25 ") and text(top).endswith("db ok 64 to write")
        assert len(text(top)) <= 80

    def test_replay_at_speed_zero_says_max(self):
        top, _ = header_rows(service_snapshot(speed=0.0), NOW)
        assert "REPLAY max" in text(top)


class TestDetailRows:
    bars = [MinuteBar(T + i * 60_000, 100.0 + i, 10.0 * i, 5.0, 0.0 if i else 7.0, 0.0) for i in range(4)]

    def chart(self, bars, width=60, height=16) -> list[str]:
        return [text(row) for row in detail_chart(bars, width, height)]

    def test_the_chart_scales_to_the_prices_not_to_zero_with_round_ticks(self):
        """A minute before the coin's first price (close 0) pinned BTC's axis at 0-101,035; the
        ticks were the hour's low, middle and high (61,706, 61,757, 61,808)."""
        bars = [MinuteBar(T - 60_000, 0.0, 0.0, 0.0, 0.0, 0.0)] + self.bars
        lines = self.chart(bars)
        labels = [line.split("┤")[0].strip() for line in lines if "┤" in line]
        assert labels[:4] == ["103", "102", "101", "100"] and "0" not in labels[:4]
        assert lines[-1].split() == ["09:38", "09:39", "09:40", "09:41"]  # the time axis, UTC
        assert len(lines) == 16 and max(len(line) for line in lines) <= 60

    def test_price_ticks_are_round_numbers(self):
        assert price_ticks(61_706, 61_808, 3) == ([61_750.0, 61_800.0], 0)
        ticks, decimals = price_ticks(840.02, 840.37, 4)
        assert ticks == pytest.approx([840.1, 840.2, 840.3]) and decimals == 1
        ticks, decimals = price_ticks(0.2391, 0.2402, 4)
        assert ticks == pytest.approx([0.2395, 0.24]) and decimals == 4

    def test_a_liquidation_mark_says_its_side_by_its_shape(self):
        """Long and short marks differed by colour alone: without colour they read the same."""
        assert marker(100.0, 0.0, 100.0) == ("▼", "long bold") and marker(0.0, 60.0, 100.0) == ("▲", "short bold")
        assert marker(10.0, 0.0, 100.0)[0] == "▾" and marker(0.0, 10.0, 100.0)[0] == "▴"
        assert marker(10.0, 20.0, 100.0)[0] == "◆" and marker(0.0, 0.0, 100.0) is None
        drawn = "\n".join(self.chart(self.bars)[1:])  # below the legend
        assert drawn.count("▼") == 1 and "▲" not in drawn  # the one minute with liquidated longs

    def test_delta_bars_grow_up_for_buying_and_down_for_selling_on_a_round_scale(self):
        bars = [MinuteBar(T + i * 60_000, 100.0, buy, sell, 0.0, 0.0)
                for i, (buy, sell) in enumerate([(900_000, 0), (0, 450_000), (0, 0)])]
        rows = detail_chart(bars, 60, 16)
        labels = [text(r).split("┤")[0].split("┼")[0].strip() for r in rows]
        zero = labels.index("0")
        assert "$1.00M" in labels[:zero] and "-$1.00M" in labels[zero:]  # 900k rounds up to $1.00M
        top, bottom = labels.index("$1.00M"), labels.index("-$1.00M")
        buying = [text(r)[8:24] for r in rows[top:zero]]  # the first minute's cells
        selling = [r for r in rows[zero + 1:bottom + 1]]
        assert buying == ["▆" * 16, "█" * 16]  # 90 % of the way up, an eighth exact
        assert any(("▁" * 16, "sell reverse") in r for r in selling)  # 45 %: a reversed lower block fills from the top
        assert not any("sell" in roles(r) for r in rows[:zero]) and not any("buy" in roles(r) for r in selling)

    def test_at_80x24_the_chart_keeps_the_price_and_points_to_the_minute_table(self):
        rows = detail_chart(self.bars, 76, 8)
        assert "net delta: the Minutes table" in text(rows[0]) and "0" not in [
            text(r).split("┼")[0].strip() for r in rows if "┼" in text(r)]
        assert len(rows) == 8 and sum("┤" in text(r) or "│" in text(r) for r in rows) == 5

    def test_no_prices_yet_says_so(self):
        assert self.chart([]) == ["no prices in the last hour yet"]

    def test_summary_keeps_every_venue_on_its_own_line(self):
        flow = CoinFlow("BTC", 1, 61_000.0, 1.0, 1.0, 0.5, 1, 1, 0.0, 2, 0.0, 0.0, None, None, 2.0, [], T)
        detail = CoinDetail("BTC", 1, [], flow, [], {"Binance": 3e6, "Bybit": 2e6, "OKX": 1e6, "Bitget": 5e5,
                                                       "Gate": 1e5})
        _, venues = summary_rows(detail)
        assert text(venues).endswith("Gate $100k")

    def test_an_80_column_summary_keeps_every_figure(self):
        """At 80 columns the summary was cut after `fu…`: funding and OI were lost."""
        flow = CoinFlow("BNB", 2, 840.13, 70e3, 0.0, 1.0, 2, 0, 70e3, 2, 0.0, 0.0, 0.0001, 0.012, 7e4, [], T)
        first, second = summary_rows(CoinDetail("BNB", 2, [], flow, [], {"Binance": 7e4}), width=80)
        assert len(text(first)) <= 80 and len(text(second)) <= 80
        assert "funding +0.0100%" in text(second) and "OI Δ +1.2%" in text(second) and "Δ $70.0k" in text(first)

    def test_minute_table_is_newest_first_with_a_header(self):
        rows = minute_rows(self.bars, limit=2)
        assert len(rows) == 3 and text(rows[1]).startswith("09:41")



class TestStatisticsRows:
    def test_most_resolved_first_with_win_rate(self):
        table = {"STOP_HUNT": {"n": 10, "win": 6, "loss": 3, "flat": 1, "unknown": 0, "win_rate": 0.6},
                 "VOLUME_SPIKE": {"n": 2, "win": 0, "loss": 0, "flat": 0, "unknown": 2, "win_rate": None}}
        _, first, second = stats_rows(table)
        assert text(first).startswith("STOP_HUNT") and "60%" in text(first) and "win" in roles(first)
        assert text(second).startswith("VOLUME_SPIKE") and text(second).rstrip().endswith("-")

    def test_empty_table_says_nothing_resolved_yet(self):
        assert "no resolved signals yet" in text(stats_rows({})[1])


class TestBars:
    def test_ratio_bar_splits_buys_and_sells(self):
        assert ratio_bar(0.7, 10) == (("█" * 7, "buy"), ("█" * 3, "sell dim"))
        assert ratio_bar(None, 4) == (("····", "dim"),)

    def test_spark_is_signed_and_scaled_to_the_largest_value(self):
        assert spark([0, 4, -8], 4) == (("··", "dim"), ("▄", "buy"), ("█", "sell"))

    def test_signed_bar_grows_from_the_centre(self):
        assert text(signed_bar(-5, 10, 4)) == "  ██│    "
        assert text(signed_bar(10, 10, 4)) == "    │████"


def test_help_lists_each_described_key_under_its_pane():
    from textual.binding import Binding

    sections = key_sections([("Tape", [Binding("p", "pause", "Pause tape", tooltip="hold it still"),
                                       Binding("x", "hidden", "")])])
    assert [(title, [(key[0], text(about)) for key, about in entries]) for title, entries in sections] == [
        ("Tape", [("p", "Pause tape · hold it still")])]


def test_the_legend_explains_every_alert_status_and_outcome():
    """It explained `blocked` but not silent, held, muted, off, paused, FLAT, UNKNOWN."""
    labels = {label for _, entries in LEGEND for (label, _), _ in entries}
    assert set(STATUSES) <= labels  # every status the alert decision can give
    assert {"PENDING", "STOP", "WIN", "LOSS", "FLAT", "UNKNOWN"} <= labels
