"""What the screen reads, kept beside the engine and fed by the same events: the tape, each
coin's minute bars and flow row (:class:`CoinFlow`), the coin detail (:class:`CoinDetail`) and the
feed of emitted signals.

The engine detects and scores; this module only keeps the views, so a backtest (which draws
nothing) does not pay for them.  The service hands it every event the engine processed (in the
same order) and every signal the engine emitted; the TUI and ``/status`` read
:meth:`ReadModel.snapshot` at a fixed rate.  Time is event time, as in the engine.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

from engine.context.series import CoinContext
from engine.model import BUY, LONG, Context, Event, Liquidation, Signal, Trade
from engine.settings import Settings
from engine.snapshot import CoinDetail, CoinFlow, EngineSnapshot, MinuteBar
from engine.tiers import Tiers
from engine.windows import LiquidationWindow, TradeWindow

MINUTE = 60_000
LIQ_FLOW_MS = 60_000  # the flow pane's "last minute" of liquidations
BARS_KEPT = 60
SPARK_BARS = 30
RECENT_SIGNALS_PER_COIN = 20


class _Coin:
    __slots__ = ("coin", "tier", "large", "price", "last_ts", "trades", "liq_minute", "bars", "bar",
                 "context", "signals")

    def __init__(self, coin: str, tier: int, large: float, settings: Settings, ts: int) -> None:
        self.coin = coin
        self.tier = tier
        self.large = large
        self.price = 0.0
        self.last_ts = ts
        span = int(settings.order_flow.window_s * 1000)
        self.trades = TradeWindow(span, span)
        self.liq_minute = LiquidationWindow(LIQ_FLOW_MS)
        # [minute, close, buy, sell, liq_long, liq_short]: the current minute a list, older ones tuples
        self.bars: deque[list | tuple] = deque(maxlen=BARS_KEPT)
        self.bar: list = [ts - ts % MINUTE, 0.0, 0.0, 0.0, 0.0, 0.0]
        self.bars.append(self.bar)
        self.context = CoinContext(settings.context.keep_snapshots)
        self.signals: deque[Signal] = deque(maxlen=RECENT_SIGNALS_PER_COIN)

    def bar_at(self, ts: int) -> list:
        minute = ts - ts % MINUTE
        bar = self.bar
        if minute > bar[0]:
            self.bars[-1] = tuple(bar)  # a finished minute never changes (and a tuple costs the GC nothing)
            bar = [minute, bar[1], 0.0, 0.0, 0.0, 0.0]
            self.bars.append(bar)
            self.bar = bar
        return bar


class ReadModel:
    """The UI's views of the market.  ``tape_seq`` and ``signals_seq`` count every item ever
    appended (a UI appends only the new ones); a looping replay's next pass carries them on."""

    def __init__(self, settings: Settings, tape_seq: int = 0, signals_seq: int = 0) -> None:
        self.settings = settings
        self.tiers = Tiers(settings.tiers)
        self.oi_window = int(settings.context.oi_window_s * 1000)
        self.coins: dict[str, _Coin] = {}
        self.now_ms = 0
        self.events = 0
        self.tape: deque[Liquidation | Trade] = deque(maxlen=max(settings.ui.tape_max_lines, 1))
        self.tape_seq = tape_seq
        self.signals: deque[Signal] = deque(maxlen=max(settings.ui.feed_max_lines, 1))
        self.signals_seq = signals_seq

    def _coin(self, coin: str, ts: int) -> _Coin:
        state = self.coins.get(coin)
        if state is None:
            tier = self.tiers.tier(coin)
            state = self.coins[coin] = _Coin(coin, tier, self.tiers.of(tier).large_order_usd, self.settings, ts)
        return state

    # ------------------------------------------------------------------ feeding

    def on_events(self, events: Iterable[Event]) -> None:
        for event in events:
            self.on_event(event)

    def on_event(self, ev: Event) -> None:
        self.events += 1
        if ev.ts > self.now_ms:
            self.now_ms = ev.ts
        now = self.now_ms
        st = self._coin(ev.coin, ev.ts)
        cls = ev.__class__
        if cls is Trade:
            st.price = ev.price
            st.last_ts = ev.ts
            is_buy = ev.side == BUY
            st.trades.add(ev.ts, ev.usd, is_buy, ev.usd >= st.large, ev.venue, now)
            bar = st.bar_at(ev.ts)
            bar[1] = ev.price
            bar[2 if is_buy else 3] += ev.usd
            if ev.usd >= st.large:
                self._tape(ev)
        elif cls is Liquidation:
            is_long = ev.side == LONG
            bar = st.bar_at(ev.ts)
            if ev.price > 0:  # a liquidation's (average) fill price is a market price too
                st.price = ev.price
                bar[1] = ev.price
            bar[4 if is_long else 5] += ev.usd
            st.liq_minute.add(ev.ts, ev.usd, is_long, ev.price, now)
            self._tape(ev)
        elif cls is Context:
            if ev.price:  # a mark price
                st.price = ev.price
            if ev.oi_usd is not None:
                st.context.add_oi(ev.venue, ev.ts, ev.oi_usd)
            if ev.funding is not None:
                st.context.add_funding(ev.venue, ev.ts, ev.funding)

    def _tape(self, ev: Liquidation | Trade) -> None:
        self.tape.append(ev)
        self.tape_seq += 1

    def on_emitted(self, signal: Signal) -> None:
        """A signal the engine emitted (called once per signal; its later changes are the same object)."""
        self._coin(signal.coin, signal.ts).signals.append(signal)
        self.signals.append(signal)
        self.signals_seq += 1

    # ------------------------------------------------------------------ reading

    def snapshot(self, gate_drops: dict[str, int] | None = None) -> EngineSnapshot:
        return EngineSnapshot(
            now_ms=self.now_ms, events=self.events, coins=[self._flow(st) for st in self.coins.values()],
            tape=list(self.tape), tape_seq=self.tape_seq, signals=list(self.signals),
            signals_seq=self.signals_seq, gate_drops=dict(gate_drops or {}),
        )

    def _flow(self, st: _Coin) -> CoinFlow:
        now = self.now_ms
        w = st.trades
        w.advance(now)
        st.liq_minute.advance(now)
        total = w.total
        bars = list(st.bars)[-SPARK_BARS:]
        return CoinFlow(
            coin=st.coin, tier=st.tier, price=st.price, buy_usd=w.buy_usd, sell_usd=w.sell_usd,
            buy_ratio=w.buy_usd / total if total > 0 else None, large_buys=w.large_buys,
            large_sells=w.large_sells, delta_usd=w.buy_usd - w.sell_usd, trades=w.count,
            liq_long_1m=st.liq_minute.long_usd, liq_short_1m=st.liq_minute.short_usd,
            funding=st.context.funding_rate(), oi_change=st.context.oi_change(self.oi_window),
            activity=total + st.liq_minute.total, spark=[b[2] - b[3] for b in bars], last_ts=st.last_ts,
        )

    def coin_detail(self, coin: str) -> CoinDetail:
        st = self.coins.get(coin.upper())
        if st is None:
            return CoinDetail(coin.upper(), self.tiers.tier(coin.upper()), [], None, [], {})
        bars = [MinuteBar(*b) for b in st.bars]
        return CoinDetail(st.coin, st.tier, bars, self._flow(st), list(st.signals), st.trades.by_venue())
